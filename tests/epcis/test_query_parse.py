"""Query parameter parsing, EPC patterns, EPC formats and page tokens (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.epcis.epc_format import EpcFormat, to_urn, translate_event
from livetrace.epcis.paging import PageKey, PageTokens
from livetrace.epcis.query import json_params, page_controls, parse_query, url_params
from livetrace.epcis.query_patterns import epc_patterns, identifier_spellings
from livetrace.epcis.query_types import (
    ColumnIn,
    EpcMatch,
    FieldCompare,
    LinkIn,
    QueryParameterError,
    SensorCompare,
    SensorReportMatch,
    UnsupportedQueryParameterError,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def parse(query: str) -> tuple[object, ...]:
    """The conditions of a URL query string."""
    return parse_query(url_params(parse_qsl(query, keep_blank_values=True))).conditions


def test_cbv_values_are_normalised_to_bare_words() -> None:
    (cond,) = parse("EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping|receiving|urn:x:own")
    assert cond == ColumnIn("biz_step", ("shipping", "receiving", "urn:x:own"))


def test_patterns_become_like_prefixes() -> None:
    (cond,) = parse(
        "MATCH_epc=urn:epc:idpat:sgtin:0614141.107346.*|urn:epc:id:sgtin:0614141.107346.2"
    )
    assert isinstance(cond, EpcMatch)
    assert cond.exact == ("https://id.gs1.org/01/10614141073464/21/2",)
    assert cond.patterns == ("https://id.gs1.org/01/10614141073464/%",)
    assert epc_patterns("urn:epc:idpat:sscc:0614141.*", is_class=False) == (
        "https://id.gs1.org/00/_0614141%",)  # fmt: skip
    with pytest.raises(QueryParameterError, match="MATCH_epc"):
        parse("MATCH_epc=urn:epc:idpat:sgtin:0614141.*.5")


def test_links_fields_and_sensor_families() -> None:
    link, field, exists = parse(
        "EQ_source_owning_party=urn:epc:id:pgln:0614141.00001"
        "&GT_ILMD_cbvmda:lotNumber=5&EXISTS_INNER_https://ns.example.com/x"
    )
    assert link == LinkIn("source", "owning_party", ("urn:epc:id:pgln:0614141.00001",))
    assert field == FieldCompare("ilmd", ("urn:epcglobal:cbv:mdalotNumber", "cbvmda:lotNumber"),
                                 "GT", (Decimal(5),))  # fmt: skip
    assert exists == FieldCompare("inner_ext", ("https://ns.example.com/x",), "EXISTS")
    (sensor,) = parse("EQ_type=gs1:Temperature&GT_maxValue_FAH=46.4")
    assert isinstance(sensor, SensorReportMatch)
    assert sensor.conditions == (SensorCompare("type", "EQ", ("Temperature",)),
                                 SensorCompare("max_value", "GT", (Decimal("46.4"),), "FAH"))  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("EQ_bizstep=x", "EQ_bizstep is not a standard EPCIS query parameter"),
        ("GE_eventTime=2026-01-01T00:00:00", "time zone"),
        ("LT_recordTime=a&LT_recordTime=b", "exactly one value"),
        ("eventCountLimit=-1", "positive integer"),
        ("orderBy=bizStep", "orderBy"),
        ("orderDirection=UP", "ASC or DESC"),
        ("EQ_ILMD_unknown:lot=1", "namespace prefix 'unknown'"),
        ("GE_quantity=abc", "not a number"),
        ("EQ_bizStep=", "at least one value"),
        ("EXISTS_errorDeclaration=maybe", "true or false"),
    ],
)
def test_malformed_parameters_name_the_parameter(query: str, message: str) -> None:
    with pytest.raises(QueryParameterError, match=message):
        parse(query)


def test_standard_but_unindexed_parameters_are_refused_distinctly() -> None:
    with pytest.raises(UnsupportedQueryParameterError, match="EQ_ATTR_bizLocation_ex:a"):
        parse("EQ_ATTR_bizLocation_ex:a=x")
    with pytest.raises(UnsupportedQueryParameterError, match="HASATTR_bizLocation"):
        parse("HASATTR_bizLocation=ex:attr")


def test_extension_fields_inside_parts() -> None:
    (point,) = parse("EQ_readPoint_https://ns.example.com/gate=G4")
    assert point == FieldCompare("rp", ("https://ns.example.com/gate",), "EQ", ("G4",))
    (report,) = parse("EXISTS_INNER_SENSORREPORT_urn:x:calibrated")
    assert report == FieldCompare("inner_sr", ("urn:x:calibrated",), "EXISTS")
    with pytest.raises(QueryParameterError, match="namespace prefix 'ex' is unknown"):
        parse("EQ_ERROR_DECLARATION_ex:ticket=1")


def test_sensor_statistics_and_metadata_parameters() -> None:
    (sensor,) = parse("GE_sDev_FAH=1&LT_percRank=50&GE_startTime=2026-10-01T00:00:00Z"
                      "&EQ_hexBinaryValue=0a1f|FF&EQ_microorganism=urn:x")  # fmt: skip
    assert isinstance(sensor, SensorReportMatch)
    assert set(sensor.conditions) >= {
        SensorCompare("s_dev", "GE", (Decimal(1),), "FAH"),
        SensorCompare("perc_rank", "LT", (Decimal(50),)),
        SensorCompare("hex_binary_value", "EQ", ("0A1F", "FF")),
        SensorCompare("microorganism", "EQ", ("urn:x",)),
    }
    with pytest.raises(QueryParameterError, match="GE_percRank takes exactly one value"):
        parse("GE_percRank=1|2")


def test_json_params_and_page_controls() -> None:
    params, prefixes = json_params({"@context": [{"ex": "urn:ex:"}], "EQ_quantity": [5, 6.5],
                                    "EXISTS_errorDeclaration": None})  # fmt: skip
    assert params == {"EQ_quantity": ["5", "6.5"], "EXISTS_errorDeclaration": [""]}
    assert prefixes["ex"] == "urn:ex:"
    assert page_controls({"perPage": ["5"]}).per_page == 5
    with pytest.raises(QueryParameterError, match="perPage"):
        page_controls({"perPage": ["100000"]})


def test_identifier_spellings_cover_urn_prefix_lengths() -> None:
    spellings = identifier_spellings("https://id.gs1.org/414/0614141007776")
    assert "urn:epc:id:sgln:0614141.00777.0" in spellings
    assert "urn:epc:id:sgln:061414.100777.0" in spellings


def test_epc_formats() -> None:
    doc = {"epcList": ["urn:epc:id:sgtin:0614141.107346.2"], "readPoint": {"id": "x"},
           "quantityList": [{"epcClass": "urn:epc:class:lgtin:0614141.107346.L1"}]}  # fmt: skip
    dl = translate_event(doc, EpcFormat.DIGITAL_LINK)
    assert dl["epcList"] == ["https://id.gs1.org/01/10614141073464/21/2"]
    assert dl["quantityList"][0]["epcClass"] == "https://id.gs1.org/01/10614141073464/10/L1"
    assert translate_event(dl, EpcFormat.EPC_URN, ["0614141"])["epcList"] == doc["epcList"]
    assert translate_event(doc, EpcFormat.NEVER) is doc
    assert to_urn("not a link") == "not a link"


def test_page_tokens_resist_forgery_reuse_and_age() -> None:
    tokens = PageTokens("a-secret-that-is-long-enough-for-tokens")
    token = tokens.issue(PageKey("2026-01-01T00:00:00+00:00", 42, 30), "q1", NOW)
    assert tokens.read(token, "q1", NOW) == PageKey("2026-01-01T00:00:00+00:00", 42, 30)
    with pytest.raises(QueryParameterError, match="different query"):
        tokens.read(token, "q2", NOW)
    with pytest.raises(QueryParameterError, match="expired"):
        tokens.read(token, "q1", NOW + timedelta(days=2))
    other = PageTokens("another-secret-that-is-long-enough-too")
    with pytest.raises(QueryParameterError, match="not a token this repository issued"):
        other.read(token, "q1", NOW)


@given(st.text(max_size=80))
def test_arbitrary_tokens_fail_only_with_query_parameter_errors(text: str) -> None:
    tokens = PageTokens("a-secret-that-is-long-enough-for-tokens")
    with pytest.raises(QueryParameterError):
        tokens.read(text, "q", NOW)
