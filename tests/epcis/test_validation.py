"""Validation: ratified JSON Schema plus semantics, against the GS1 and OpenEPCIS corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from epcis.helpers import GS1, OPENEPCIS, files, ids
from livetrace.epcis.errors import EPCISValidationError
from livetrace.epcis.problems import ValidationProblem
from livetrace.epcis.validation import (
    check_document,
    validate_document,
    validate_event,
    validate_xml_document,
)
from livetrace.kit.errors import ValidationError

# OpenEPCIS "valid" documents that break a rule we enforce, with the rule and where.
KNOWN_INVALID = {
    # The ratified 2.0.1 schema requires sensorReport.type; events 8 have reports without one.
    "SensorData_with_combined_events": ("schema", "sensorElementList[0].sensorReport[0]"),
    # AI (8003) GRAI 3001345000771 has a wrong check digit (OpenEPCIS does not check digits).
    "Combination_of_different_event": ("identifier", "eventList[0].epcList[0]"),
    "queryDocument": ("identifier", "eventList[0].epcList[0]"),
}
VALID_JSON = (
    files(GS1 / "JSON", "*.jsonld")
    + files(OPENEPCIS / "JSON" / "Capture" / "Documents", "*.json")
    + sorted((OPENEPCIS / "JSON" / "Query").glob("*.json"))
)


@pytest.mark.parametrize("path", VALID_JSON, ids=ids(VALID_JSON))
def test_valid_json_documents_are_accepted(path: Path) -> None:
    problems = validate_document(path.read_bytes())
    known = KNOWN_INVALID.get(path.stem)
    if known is None:
        assert problems == []
        check_document(path.read_bytes())
    else:
        assert problems
        assert any(p.code == known[0] and known[1] in p.path for p in problems)


@pytest.mark.parametrize(
    "path", files(OPENEPCIS / "JSON" / "Capture" / "Events", "*.json"), ids=lambda p: p.name
)
def test_single_events_are_accepted(path: Path) -> None:
    assert validate_event(path.read_bytes()) == []


INVALID = OPENEPCIS / "JSON" / "Capture" / "Invalid"
INVALID_EXPECTED = {
    "Combination_of_events_with_missing_mandatory_fields.json": [
        ("schema", "eventList[0]", "'action' is a required"),
        ("schema", "eventList[1]", "'eventTimeZoneOffset'"),
    ],
    "Combination_of_multiple_invalid_fields.json": [
        ("schema", "eventList[4].eventTime", "date-time"),
        ("schema", "eventList[4].action", "CREATE"),
    ],
    "Combination_of_non_standard_bizStep_and_disposition.json": [
        ("cbv-unknown", "eventList[0].bizStep", "transforming"),
        ("cbv-unknown", "eventList[1].disposition", "in_transport"),
    ],
    "EPCISDocument_without_context.json": [("schema", "$", "@context")],
    "ObjectEvent_with_ilmd_field_without_namespace.json": [
        ("extension-namespace", "eventList[0].ilmd.materialType", "namespace")
    ],
    "ObjectEvent_with_invalid_action.json": [("schema", "eventList[0].action", "CREATE")],
    "ObjectEvent_with_invalid_certificationInfo.json": [
        ("schema", "eventList[0].certificationInfo", "")
    ],
    "ObjectEvent_with_invalid_eventTime_format.json": [
        ("schema", "eventList[0].eventTime", "date-time"),
        ("timestamp", "eventList[0].eventTime", "time zone"),
    ],
    "ObjectEvent_with_non_standard_bizStep.json": [
        ("cbv-unknown", "eventList[0].bizStep", "transforming")
    ],
    "ObjectEvent_with_non_standard_bizStep_in_second_event.json": [
        ("cbv-unknown", "eventList[1].bizStep", "transforming")
    ],
    "ObjectEvent_with_non_standard_disposition.json": [
        ("cbv-unknown", "eventList[0].disposition", "in_transport")
    ],
    "ObjectEvent_with_quantity_as_text.json": [
        ("schema", "eventList[0].quantityList[0].quantity", "number")
    ],
    "ObjectEvent_with_unknown_field_in_quantityList.json": [
        ("schema", "eventList[0].quantityList[0]", "weight")
    ],
    "ObjectEvent_without_action_and_eventTime.json": [
        ("schema", "eventList[0]", "'eventTime' is a required"),
        ("schema", "eventList[0]", "'action' is a required"),
    ],
    "ObjectEvent_without_identifier_list.json": [("schema", "eventList[0]", "epcList")],
}


def _has(problems: list[ValidationProblem], code: str, path: str, text: str) -> bool:
    return any(p.code == code and path in (p.path or "$") and text in p.message for p in problems)


def test_every_invalid_json_document_is_listed() -> None:
    assert {p.name for p in INVALID.glob("*.json")} == set(INVALID_EXPECTED)


@pytest.mark.parametrize(("name", "expected"), sorted(INVALID_EXPECTED.items()))
def test_invalid_json_documents_name_the_field(
    name: str, expected: list[tuple[str, str, str]]
) -> None:
    problems = validate_document((INVALID / name).read_bytes())
    for code, path, text in expected:
        assert _has(problems, code, path, text), [p.describe() for p in problems]


QUERY_INVALID = {
    "QueryDocument_with_invalid_action.json": (
        "schema",
        "resultsBody.eventList[0].action",
        "INVALIDACTION",
    ),
    "QueryDocument_with_invalid_eventType.json": (
        "parse",
        "eventList[0].type",
        "ObjectEventInvalid",
    ),
}


@pytest.mark.parametrize(("name", "expected"), sorted(QUERY_INVALID.items()))
def test_invalid_query_documents(name: str, expected: tuple[str, str, str]) -> None:
    problems = validate_document((OPENEPCIS / "JSON" / "Query" / "Invalid" / name).read_bytes())
    assert _has(problems, *expected), [p.describe() for p in problems]


XML_INVALID = OPENEPCIS / "XML" / "Capture" / "Invalid"
XML_EXPECTED = {
    "ObjectEvent_bare_event_without_action.xml": ("parse", "$", "action"),
    "ObjectEvent_with_invalid_action.xml": ("schema", "eventList[0].action", "CREATE"),
    "ObjectEvent_with_invalid_eventTime_format.xml": (
        "timestamp",
        "eventList[0].eventTime",
        "time zone",
    ),
    "ObjectEvent_with_near_miss_action.xml": ("schema", "eventList[0].action", ""),
    "ObjectEvent_with_unknown_element.xml": ("extension-namespace", "eventList[0]", "no namespace"),
    "ObjectEvent_without_eventTime.xml": ("parse", "EventList[0]", "event_time"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(XML_EXPECTED.items()))
def test_invalid_xml_documents(name: str, expected: tuple[str, str, str]) -> None:
    problems = validate_xml_document((XML_INVALID / name).read_bytes())
    assert _has(problems, *expected), [p.describe() for p in problems]


def test_xml_element_order_is_not_checked() -> None:
    # Documented choice: the reader takes the XSD's fields in any order.
    assert (
        validate_xml_document(
            (XML_INVALID / "ObjectEvent_with_wrong_element_order.xml").read_bytes()
        )
        == []
    )


XML_KNOWN_INVALID = {
    "SensorDataExamples": "schema",  # sensorReport without type (see KNOWN_INVALID)
    "SensorData_with_combined_events": "schema",
    "Combination_of_different_event": "identifier",
    "epcisDocWithAllGS1Keys": "schema",  # the same SSCC twice in one epcList (uniqueItems)
}
VALID_XML = list(
    files(GS1 / "XML", "*.xml") + files(OPENEPCIS / "XML" / "Capture" / "Documents", "*.xml")
)


@pytest.mark.parametrize("path", VALID_XML, ids=ids(VALID_XML))
def test_valid_xml_documents_are_accepted(path: Path) -> None:
    problems = validate_xml_document(path.read_bytes())
    code = XML_KNOWN_INVALID.get(path.stem)
    if code is None:
        assert problems == [], [p.describe() for p in problems]
    else:
        assert any(p.code == code for p in problems)


def _doc(**event: object) -> dict[str, object]:
    base = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T10:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
        "action": "OBSERVE",
        "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001",
    }
    base.update(event)
    return {
        "@context": [
            "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
            {"ex": "https://ex.example/"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-05-01T10:00:00+08:00",
        "epcisBody": {"eventList": [base]},
    }


@pytest.mark.parametrize(
    ("event", "code", "path"),
    [
        ({"eventTimeZoneOffset": "+15:00"}, "timezone-offset", "eventTimeZoneOffset"),
        (
            {
                "epcList": [
                    "urn:epc:id:sgtin:0614141.107346.2017",
                    "https://id.gs1.org/01/09521234543214/21/1",
                ]
            },
            "identifier",
            "epcList[1]",
        ),
        (
            {"epcList": ["https://id.gs1.org/01/09521234543213/21/1/10/L1"]},
            "identifier",
            "epcList[0]",
        ),
        ({"ilmd": {"ex:lot": "L1"}}, "ilmd-not-allowed", "ilmd"),
        ({"other:field": "x"}, "extension-namespace", "other:field"),
        ({"bizStep": "urn:epcglobal:cbv:bizstep:flying"}, "cbv-unknown", "bizStep"),
        (
            {
                "quantityList": [
                    {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": -1}
                ]
            },
            "quantity",
            "quantityList[0].quantity",
        ),
    ],
)
def test_semantic_rules(event: dict[str, object], code: str, path: str) -> None:
    problems = validate_document(_doc(**event))
    match = [p for p in problems if p.code == code]
    assert match, [p.describe() for p in problems]
    assert match[0].path == f"epcisBody.eventList[0].{path}"
    assert match[0].event_index == 0
    assert match[0].event_id == "urn:uuid:00000000-0000-4000-8000-000000000001"


def test_check_document_raises_one_error_with_all_problems() -> None:
    bad = _doc(eventTimeZoneOffset="+15:00", bizStep="flying")
    with pytest.raises(EPCISValidationError) as info:
        check_document(json.dumps(bad))
    error = info.value
    assert isinstance(error, ValidationError)
    assert error.epcis_type == "epcisException:ValidationException"
    assert {p.code for p in error.problems} >= {"timezone-offset", "cbv-unknown"}
    assert "eventList[0]" in error.diagnostics()


def test_malformed_json_is_one_problem() -> None:
    assert [p.code for p in validate_document(b"{")] == ["parse"]
