"""Each family of standard query parameters against the fixture data set (service level)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from sqlalchemy.orm import Session

from factories.epcis_query import EX, Dataset, gtin14, make_dataset, store
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.paging import PageTokens
from livetrace.epcis.query import json_params, page_controls, parse_query, url_params
from livetrace.epcis.query_repository import EVERYTHING, QueryRepository
from livetrace.epcis.query_service import EventQueryService

SECRET = "query-test-secret-that-is-long-enough"


@pytest.fixture
def data(session: Session, encryptor: KeyEncryptor) -> Dataset:
    return make_dataset(session, encryptor)


@pytest.fixture
def svc(session: Session) -> EventQueryService:
    return EventQueryService(session, PageTokens(SECRET))


def names(svc: EventQueryService, data: Dataset, query: str) -> list[str]:
    """The story names of the events a URL query string returns (one big page)."""
    params = url_params(_pairs(query))
    by_id = {a.event_id: name for name, a in data.events.items()}
    page = svc.run(EVERYTHING, parse_query(params), page_controls({"perPage": ["1000"]}))
    return [by_id[e["eventID"]] for e in page.events]


def _pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def test_event_type_action_step_disposition(svc: EventQueryService, data: Dataset) -> None:
    assert names(svc, data, "eventType=AggregationEvent|TransformationEvent") == ["pack", "mill"]
    assert names(svc, data, "EQ_action=ADD") == ["commission", "pack"]
    assert names(svc, data, "EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping") == ["ship"]
    assert names(svc, data, "EQ_bizStep=https://ref.gs1.org/cbv/BizStep-receiving") == ["receive"]
    assert names(svc, data, "EQ_disposition=in_progress&EQ_bizStep=packing") == ["pack"]


def test_time_windows(svc: EventQueryService, data: Dataset) -> None:
    got = names(svc, data, "GE_eventTime=2026-10-01T02:00:00Z&LT_eventTime=2026-10-01T04:00:00Z")
    assert got == ["ship", "mill"]
    assert len(names(svc, data, "GE_recordTime=2000-01-01T00:00:00Z")) == 7
    assert names(svc, data, "LT_recordTime=2000-01-01T00:00:00Z") == []


def test_match_epc_families_across_spellings(svc: EventQueryService, data: Dataset) -> None:
    item = data.items[0]
    # childEPCs count for MATCH_epc, so the packing event matches too.
    assert names(svc, data, f"MATCH_epc={item}") == ["commission", "pack", "ship", "receive"]
    dl = f"https://id.gs1.org/01/{gtin14(data.cp, '100001')}/21/1"
    assert names(svc, data, f"MATCH_epc={dl}") == ["commission", "pack", "ship", "receive"]
    assert names(svc, data, f"MATCH_anyEPC={item}") == ["commission", "pack", "ship", "receive"]
    assert names(svc, data, f"MATCH_epc={data.items[1]}") == ["commission", "pack"]
    assert names(svc, data, f"MATCH_parentID=urn:epc:id:sscc:{data.cp}.1000000001") == ["pack"]
    assert names(svc, data, f"MATCH_outputEPC={data.items[2]}") == ["mill"]
    assert names(svc, data, f"MATCH_inputEPC={data.items[2]}") == []


def test_match_patterns(svc: EventQueryService, data: Dataset) -> None:
    pattern = f"urn:epc:idpat:sgtin:{data.cp}.100001.*"
    assert names(svc, data, f"MATCH_epc={pattern}") == ["commission", "pack", "ship", "receive"]
    assert names(svc, data, f"MATCH_anyEPC=urn:epc:idpat:sgtin:{data.cp}.*.*") == [
        "commission", "pack", "ship", "mill", "receive"]  # fmt: skip
    lot = f"urn:epc:class:lgtin:{data.cp}.200001.LOT7"
    assert names(svc, data, f"MATCH_epcClass={lot}") == ["sense"]
    assert names(svc, data, f"MATCH_inputEPCClass={lot}") == ["mill"]
    lots = f"urn:epc:idpat:sgtin:{data.cp}.200001.*"
    assert names(svc, data, f"MATCH_anyEPCClass={lots}") == ["mill", "sense"]


def test_quantities_with_and_without_units(svc: EventQueryService, data: Dataset) -> None:
    assert names(svc, data, "EQ_quantity=500") == ["sense"]
    assert names(svc, data, "GT_quantity=600") == ["mill"]
    assert names(svc, data, "GE_quantity_KGM=0.5&LT_quantity_KGM=2") == ["sense"]
    assert names(svc, data, "EQ_quantity_GRM=1000000") == ["mill"]


def test_locations_with_descendants(
    svc: EventQueryService, data: Dataset, session: Session
) -> None:
    assert names(svc, data, f"EQ_bizLocation={data.warehouse}") == ["receive"]
    assert names(svc, data, f"WD_readPoint={data.warehouse}") == []
    QueryRepository(session).set_parent(data.dock, data.warehouse)
    assert names(svc, data, f"WD_readPoint={data.warehouse}") == ["sense"]
    assert names(svc, data, f"EQ_readPoint={data.warehouse}") == []


def test_links_by_type(svc: EventQueryService, data: Dataset) -> None:
    po = "urn:epcglobal:cbv:bt:4012345000009:PO-88"
    assert names(svc, data, f"EQ_bizTransaction_po={po}") == ["ship"]
    assert names(svc, data, f"EQ_bizTransaction_inv={po}") == []
    assert names(svc, data, f"EQ_destination_location={data.warehouse}") == ["ship"]
    brand_pgln = f"https://id.gs1.org/417/{data.brand.party.gln}"
    assert names(svc, data, f"EQ_source_owning_party={brand_pgln}") == ["ship"]


def test_ilmd_and_extension_fields(svc: EventQueryService, data: Dataset) -> None:
    assert names(svc, data, "EQ_ILMD_cbvmda:lotNumber=LOT7") == ["commission"]
    assert names(svc, data, f"EQ_ILMD_{EX}batch=B7") == ["mill"]
    assert names(svc, data, f"GT_ILMD_{EX}moisture=14") == ["commission"]
    assert names(svc, data, f"LE_ILMD_{EX}moisture=14") == []
    assert names(svc, data, f"GE_ILMD_{EX}harvest=2026-09-01T00:00:00Z") == ["commission"]
    assert names(svc, data, f"EXISTS_ILMD_{EX}batch") == ["mill"]
    assert names(svc, data, f"EQ_INNER_{EX}name=Li") == ["mill"]
    assert names(svc, data, f"EQ_{EX}name=Li") == []


def test_named_query_context_resolves_prefixes(svc: EventQueryService, data: Dataset) -> None:
    params, prefixes = json_params({"@context": [{"ex": EX}], "EQ_ILMD_ex:batch": ["B7"]})
    page = svc.run(EVERYTHING, parse_query(params, prefixes=prefixes), page_controls({}))
    assert [e["eventID"] for e in page.events] == [data.events["mill"].event_id]


def test_sensor_values_with_unit_conversion(svc: EventQueryService, data: Dataset) -> None:
    assert names(svc, data, "EQ_type=Temperature") == ["sense"]
    assert names(svc, data, "EXISTS_sensorElementList") == ["sense"]
    # 9 °C = 48.2 °F; the same report must satisfy both conditions.
    assert names(svc, data, "EQ_type=Temperature&GT_maxValue_FAH=48") == ["sense"]
    assert names(svc, data, "EQ_type=Temperature&GT_maxValue_FAH=48.3") == []
    assert names(svc, data, "GE_value_KEL=277.15&LE_value_KEL=277.15") == ["sense"]
    assert names(svc, data, "EQ_type=RelativeHumidity&GT_maxValue_CEL=0") == []
    assert names(svc, data, "GE_time=2026-10-01T00:00:00Z&EQ_type=Temperature") == ["sense"]


def test_sensor_statistics_metadata_and_typed_values(
    svc: EventQueryService, session: Session, data: Dataset
) -> None:
    data.events["lab"] = store(session, data.carrier.party, {
        "type": "ObjectEvent", "eventTime": "2026-10-01T09:00:00+00:00",
        "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "inspecting",
        "epcList": data.items[:1],
        "sensorElementList": [{
            "sensorMetadata": {
                "startTime": "2026-10-01T06:00:00Z", "endTime": "2026-10-01T08:00:00Z",
                "dataProcessingMethod": "https://example.com/method/avg",
                "bizRules": "https://example.com/rules/cold",
            },
            "sensorReport": [
                {"type": "Temperature", "meanValue": 5.0, "sDev": 0.5, "percRank": 90,
                 "percValue": 7.0, "uom": "CEL"},
                {"type": "MassConcentration", "value": 0.2, "uom": "A93",
                 "chemicalSubstance": "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
                 "microorganism": "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
                 "hexBinaryValue": "0a1f", "uriValue": "https://example.com/sample/9"},
            ],
        }],
    })  # fmt: skip
    # sDev converts by scale only: 0.5 °C spread = 0.9 °F spread; percValue as a value: 44.6 °F.
    assert names(svc, data, "EQ_sDev_FAH=0.9") == ["lab"]
    assert names(svc, data, "GT_sDev_CEL=0.5") == []
    assert names(svc, data, "GE_percValue_FAH=44.6&LE_percValue_FAH=44.6") == ["lab"]
    assert names(svc, data, "EQ_percRank=90&GE_percRank=50") == ["lab"]
    assert names(svc, data, "LT_percRank=90") == []
    assert names(
        svc, data, "GE_startTime=2026-10-01T06:00:00Z&LT_endTime=2026-10-01T08:00:01Z"
    ) == ["lab"]
    assert names(svc, data, "GE_startTime=2026-10-01T06:00:01Z") == []
    assert names(svc, data, "EQ_dataProcessingMethod=https://example.com/method/avg") == ["lab"]
    assert names(svc, data, "EQ_bizRules=https://example.com/rules/cold") == ["lab"]
    assert names(svc, data, "EQ_microorganism=https://www.ncbi.nlm.nih.gov/taxonomy/1126011"
                 "&EQ_uriValue=https://example.com/sample/9") == ["lab"]  # fmt: skip
    assert names(svc, data, "EQ_hexBinaryValue=0A1F") == ["lab"]
    inchi = "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N"
    assert names(svc, data, f"EQ_chemicalSubstance={inchi}") == ["lab"]
    # Every sensor condition must hold for one report: the statistics and the substance are in
    # different reports of the same element.
    assert names(svc, data, f"EQ_chemicalSubstance={inchi}&GE_percRank=50") == []


def test_extension_fields_inside_event_parts(
    svc: EventQueryService, session: Session, data: Dataset
) -> None:
    data.events["parts"] = store(session, data.carrier.party, {
        "type": "ObjectEvent", "eventTime": "2026-10-01T10:00:00+00:00",
        "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "inspecting",
        "epcList": data.items[:1],
        "readPoint": {"id": data.dock, "ex:gate": "G4"},
        "bizLocation": {"id": data.warehouse, "ex:zone": {"ex:shelf": 12}},
        "errorDeclaration": {"declarationTime": "2026-10-02T00:00:00Z", "ex:ticket": "T-9"},
        "sensorElementList": [{
            "sensorMetadata": {"deviceID": "urn:example:dev:t9", "ex:firmware": "2.1"},
            "sensorReport": [{"type": "Temperature", "value": 3, "uom": "CEL",
                              "ex:calibrated": "2026-09-01T00:00:00Z"}],
            "ex:batch": {"ex:lane": 3},
        }],
    })  # fmt: skip
    assert names(svc, data, f"EQ_readPoint_{EX}gate=G4") == ["parts"]
    assert names(svc, data, f"EQ_bizLocation_{EX}zone=G4") == []
    assert names(svc, data, f"GE_INNER_bizLocation_{EX}shelf=12") == ["parts"]
    assert names(svc, data, f"EQ_ERROR_DECLARATION_{EX}ticket=T-9") == ["parts"]
    assert names(svc, data, f"EXISTS_SENSORMETADATA_{EX}firmware") == ["parts"]
    assert names(svc, data, f"GT_SENSORREPORT_{EX}calibrated=2026-08-01T00:00:00Z") == ["parts"]
    assert names(svc, data, f"LT_SENSORREPORT_{EX}calibrated=2026-08-01T00:00:00Z") == []
    assert names(svc, data, f"EQ_INNER_SENSORELEMENT_{EX}lane=3") == ["parts"]
    assert names(svc, data, f"EQ_SENSORELEMENT_{EX}lane=3") == []  # nested, so INNER_ only
    assert names(svc, data, f"EQ_{EX}gate=G4") == []  # not an event-level extension


def test_event_id_and_error_declarations(svc: EventQueryService, data: Dataset) -> None:
    mill = data.events["mill"].event_id
    assert names(svc, data, f"EQ_eventID={mill}") == ["mill"]
    assert names(svc, data, "EQ_transformationID=urn:example:xform:7") == ["mill"]
    assert names(svc, data, "EXISTS_errorDeclaration=true") == ["receive"]
    assert names(svc, data, "EXISTS_errorDeclaration=false") != ["receive"]
    assert names(svc, data, "EQ_errorReason=incorrect_data") == ["receive"]
    assert names(svc, data, "GE_errorDeclarationTime=2026-10-01T00:00:00Z") == ["receive"]
    assert names(svc, data, "LT_errorDeclarationTime=2026-10-01T00:00:00Z") == []
    assert names(svc, data, "EQ_correctiveEventID=urn:uuid:fix-1") == ["receive"]
    assert names(svc, data, "EQ_persistentDisposition_set=completeness_verified") == ["ship"]


def test_ordering_and_limits(svc: EventQueryService, data: Dataset) -> None:
    newest = names(svc, data, "orderBy=eventTime&orderDirection=DESC&eventCountLimit=2")
    assert newest == ["sell", "receive"]
    oldest = names(svc, data, "orderBy=eventTime&orderDirection=ASC&eventCountLimit=1")
    assert oldest == ["commission"]
