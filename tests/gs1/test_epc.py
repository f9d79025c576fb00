"""EPC pure-identity URNs and their GS1 element-string and Digital Link forms."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1.ai import format_bracketed
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.digital_link import build_digital_link
from livetrace.gs1.epc import (
    EpcId,
    digital_link_to_epc,
    elements_to_epc,
    epc_to_digital_link,
    epc_to_elements,
    make_epc,
    parse_epc_uri,
)
from livetrace.gs1.errors import EpcUriError, Gs1Error
from livetrace.gs1.keys import shorten_gtin

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"


def load(name: str) -> Any:
    return json.loads((ASSETS / name).read_text("utf-8"))


ANNEX_E = load("tds_1_13_annex_e3_examples.json")["cases"]
EPCPY = load("epcpy_test_vectors.json")["classes"]
TO_DL = load("epc_to_digital_link_derived.json")["cases"]


def _epcpy(kind: str, valid: bool) -> list[dict[str, Any]]:
    key = "valid_data" if valid else "invalid_data"
    return [c for name, cls in EPCPY.items() if name.endswith(kind) for c in cls[key]]


@pytest.mark.parametrize("case", ANNEX_E, ids=lambda c: c["scheme"])
def test_annex_e_pure_identity(case: dict[str, Any]) -> None:
    if "gs1_element_string" not in case:
        pytest.skip(f"{case['scheme']} is not a GS1 key scheme (no element string)")
    epc = parse_epc_uri(case["epc_pure_identity_uri"])
    assert epc.uri == case["epc_pure_identity_uri"]
    assert format_bracketed(epc_to_elements(epc)) == case["gs1_element_string"].replace(" ", "")


@pytest.mark.parametrize("case", TO_DL, ids=lambda c: c["scheme"])
def test_epc_to_digital_link_derived(case: dict[str, Any]) -> None:
    uri = case["epc_pure_identity_uri"]
    epc = parse_epc_uri(uri)
    assert format_bracketed(epc_to_elements(epc)) == case["gs1_element_string"]
    assert epc_to_digital_link(uri) == case["digital_link"]
    assert digital_link_to_epc(case["digital_link"], len(epc.company_prefix)).uri == uri


@pytest.mark.parametrize("case", _epcpy("Init", valid=True), ids=lambda c: c["name"])
def test_epcpy_valid_uris(case: dict[str, Any]) -> None:
    assert parse_epc_uri(case["uri"]).uri == case["uri"]


@pytest.mark.parametrize("case", _epcpy("Init", valid=False), ids=lambda c: c["name"])
def test_epcpy_invalid_uris(case: dict[str, Any]) -> None:
    with pytest.raises(EpcUriError):
        parse_epc_uri(case["uri"])


GTIN_LENGTHS = {"GTIN_TYPE.GTIN13": 13, "GTIN_TYPE.GTIN12": 12, "GTIN_TYPE.GTIN8": 8}


@pytest.mark.parametrize("case", _epcpy("GS1Key", valid=True), ids=lambda c: c["name"])
def test_epcpy_gs1_keys(case: dict[str, Any]) -> None:
    epc = parse_epc_uri(case["uri"])
    elements = epc_to_elements(epc)
    assert format_bracketed(elements) == case["gs1_element_string"]
    length = GTIN_LENGTHS.get(case.get("kwargs", {}).get("gtin_type", ""), len(elements[0].value))
    key = elements[0].value if length == 18 else shorten_gtin(elements[0].value, length)
    assert key == case["gs1_key"]
    assert elements_to_epc(elements, case["company_prefix_length"]) == epc


@pytest.mark.parametrize("case", _epcpy("GS1Key", valid=False), ids=lambda c: c["name"])
def test_epcpy_gs1_keys_that_do_not_shorten(case: dict[str, Any]) -> None:
    gtin = epc_to_elements(parse_epc_uri(case["uri"]))[0].value
    with pytest.raises(Gs1Error):
        shorten_gtin(gtin, GTIN_LENGTHS[case["kwargs"]["gtin_type"]])


def test_lgtin_class() -> None:
    epc = parse_epc_uri("urn:epc:class:lgtin:4012345.012345.998877")
    assert format_bracketed(epc_to_elements(epc)) == "(01)04012345123456(10)998877"
    assert epc_to_digital_link(epc.uri) == "https://id.gs1.org/01/04012345123456/10/998877"
    assert digital_link_to_epc("https://id.gs1.org/01/04012345123456/10/998877", 7) == epc


def test_uri_errors() -> None:
    with pytest.raises(EpcUriError, match="must be percent-escaped"):
        parse_epc_uri("urn:epc:id:sgtin:0614141.712345.32a/b")
    with pytest.raises(EpcUriError, match="not supported"):
        parse_epc_uri("urn:epc:id:lgtin:0614141.712345.1")
    with pytest.raises(EpcUriError, match="expected 13"):
        make_epc("sgtin", "0614141", ("12345", "1"))
    with pytest.raises(EpcUriError):
        elements_to_epc((), 7)


def _x(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=sorted(CSET82), min_size=1, max_size=max_size)


@st.composite
def sgtins(draw: st.DrawFn) -> EpcId:
    cp_len = draw(st.integers(6, 12))
    cp = draw(st.text(alphabet="0123456789", min_size=cp_len, max_size=cp_len))
    ref = draw(st.text(alphabet="0123456789", min_size=13 - cp_len, max_size=13 - cp_len))
    return make_epc("sgtin", cp, (ref, draw(_x(20))))


@given(sgtins())
def test_uri_round_trip(epc: EpcId) -> None:
    assert parse_epc_uri(epc.uri) == epc


@given(sgtins())
def test_digital_link_round_trip(epc: EpcId) -> None:
    uri = build_digital_link(epc_to_elements(epc))
    assert digital_link_to_epc(uri, len(epc.company_prefix)) == epc


@given(st.text(max_size=60))
def test_parser_raises_only_package_errors(text: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_epc_uri(text)


@given(st.text(alphabet="0123456789.%2F:abc", max_size=40))
def test_parser_raises_only_package_errors_on_near_misses(tail: str) -> None:
    for scheme in ("sgtin", "sscc", "sgln", "grai", "giai", "cpi", "itip"):
        with contextlib.suppress(Gs1Error):
            parse_epc_uri(f"urn:epc:id:{scheme}:{tail}")
