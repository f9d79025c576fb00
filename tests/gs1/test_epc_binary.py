"""SGTIN-96, SGTIN-198 and SSCC-96 binary encodings and EPC tag URIs."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.epc import make_epc, parse_epc_uri
from livetrace.gs1.epc_binary import (
    SGTIN_PARTITIONS,
    SSCC_PARTITIONS,
    EpcTag,
    decode,
    decode_to_tag_uri,
    encode,
    encode_tag_uri,
    make_tag,
    parse_tag_uri,
    tag_for,
)
from livetrace.gs1.errors import EpcDecodingError, EpcEncodingError, EpcUriError, Gs1Error

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"


def load(name: str) -> Any:
    return json.loads((ASSETS / name).read_text("utf-8"))


ANNEX_E = load("tds_1_13_annex_e3_examples.json")["cases"]
CROSSCHECKED = load("sgtin96_sscc96_derived_crosschecked.json")["cases"]
EPCPY = load("epcpy_test_vectors.json")["classes"]
TABLES = load("tds_tables.json")
SUPPORTED = {"SGTIN-96", "SGTIN-198", "SSCC-96"}
SCHEMES = {
    "SGTIN.BinaryCodingScheme.SGTIN_96": "sgtin-96",
    "SGTIN.BinaryCodingScheme.SGTIN_198": "sgtin-198",
}
FILTERS = {"ALL_OTHERS": 0, "POS_ITEM": 1, "FULL_CASE": 2, "RESERVED_5": 5, "UNIT_LOAD": 6}


@pytest.mark.parametrize("case", ANNEX_E, ids=lambda c: c["scheme"])
def test_annex_e_examples(case: dict[str, Any]) -> None:
    if case["scheme"] not in SUPPORTED:
        pytest.skip(f"binary {case['scheme']} is not implemented (only SGTIN-96/198, SSCC-96)")
    assert encode_tag_uri(case["epc_tag_uri"]) == case["hex"]
    tag = decode(case["hex"])
    assert tag.uri == case["epc_tag_uri"]
    assert tag.epc.uri == case["epc_pure_identity_uri"]


@pytest.mark.parametrize("case", CROSSCHECKED, ids=lambda c: c["epc_tag_uri"])
def test_crosschecked_cases(case: dict[str, Any]) -> None:
    tag = parse_tag_uri(case["epc_tag_uri"])
    assert tag.filter == case["filter"]
    assert encode(tag) == case["hex"]
    assert decode_to_tag_uri(case["hex"]) == case["epc_tag_uri"]
    assert decode(case["hex"]).epc.uri == case["epc_pure_identity_uri"]


def _epcpy(valid: bool) -> list[dict[str, Any]]:
    key = "valid_data" if valid else "invalid_data"
    return [c for name, cls in EPCPY.items() if name.endswith("TagEncodable") for c in cls[key]]


def _scheme_and_filter(case: dict[str, Any]) -> tuple[str, int]:
    kwargs = case["kwargs"]
    scheme = SCHEMES.get(kwargs.get("binary_coding_scheme", ""), "sscc-96")
    return scheme, FILTERS[kwargs["filter_value"].split(".")[1]]


@pytest.mark.parametrize("case", _epcpy(valid=True), ids=lambda c: c["name"])
def test_epcpy_tag_encodable(case: dict[str, Any]) -> None:
    scheme, filter_value = _scheme_and_filter(case)
    tag = make_tag(parse_epc_uri(case["uri"]), scheme, filter_value)
    assert tag.uri == case["tag_uri"]
    assert encode(tag) == case["hex"]
    assert decode(case["hex"]) == tag


@pytest.mark.parametrize("case", _epcpy(valid=False), ids=lambda c: c["name"])
def test_epcpy_serials_that_do_not_fit(case: dict[str, Any]) -> None:
    scheme, filter_value = _scheme_and_filter(case)
    with pytest.raises(EpcEncodingError, match="SGTIN-96"):
        make_tag(parse_epc_uri(case["uri"]), scheme, filter_value)


def test_partition_tables_match_tds() -> None:
    for row in TABLES["sgtin_partition_table"]:
        assert SGTIN_PARTITIONS[row["P"]] == (
            row["company_prefix_bits"],
            row["company_prefix_digits"],
            row["indicator_item_ref_bits"],
            row["indicator_item_ref_digits"],
        )
    for row in TABLES["sscc_partition_table"]:
        assert SSCC_PARTITIONS[row["P"]] == (
            row["company_prefix_bits"],
            row["company_prefix_digits"],
            row["extension_serial_ref_bits"],
            row["extension_serial_ref_digits"],
        )
    headers = TABLES["headers_hex"]
    assert encode_tag_uri("urn:epc:tag:sgtin-96:0.614141.8123456.0")[:2] == headers["SGTIN-96"]


def test_tag_for_picks_the_encoding() -> None:
    assert tag_for(parse_epc_uri("urn:epc:id:sgtin:0614141.812345.6789")).scheme == "sgtin-96"
    assert tag_for(parse_epc_uri("urn:epc:id:sgtin:0614141.812345.06789")).scheme == "sgtin-198"
    assert tag_for(parse_epc_uri("urn:epc:id:sscc:0614141.1234567890"), 2).uri == (
        "urn:epc:tag:sscc-96:2.0614141.1234567890"
    )


def test_decoding_errors() -> None:
    with pytest.raises(EpcDecodingError, match="header"):
        decode("3574257BF7194E4000001A85")
    with pytest.raises(EpcDecodingError, match="96 bits"):
        decode("3074257BF7194E40")
    with pytest.raises(EpcDecodingError, match="partition"):
        decode("307C257BF7194E4000001A85")
    with pytest.raises(EpcDecodingError, match="hexadecimal"):
        decode("30XX")
    with pytest.raises(EpcUriError):
        parse_tag_uri("urn:epc:tag:sgtin-96:8.0614141.812345.6789")


def _cp_and_ref(total: int) -> st.SearchStrategy[tuple[str, str]]:
    def split(cp_len: int) -> st.SearchStrategy[tuple[str, str]]:
        digits = st.text(alphabet="0123456789", min_size=total, max_size=total)
        return digits.map(lambda d: (d[:cp_len], d[cp_len:]))

    return st.integers(6, 12).flatmap(split)


@st.composite
def tags(draw: st.DrawFn) -> EpcTag:
    filter_value = draw(st.integers(0, 7))
    kind = draw(st.sampled_from(["sgtin-96", "sgtin-198", "sscc-96"]))
    if kind == "sscc-96":
        cp, ref = draw(_cp_and_ref(17))
        return make_tag(make_epc("sscc", cp, (ref,)), kind, filter_value)
    cp, ref = draw(_cp_and_ref(13))
    if kind == "sgtin-96":
        serial = str(draw(st.integers(0, 2**38 - 1)))
    else:
        serial = draw(st.text(alphabet=sorted(CSET82), min_size=1, max_size=20))
    return make_tag(make_epc("sgtin", cp, (ref, serial)), kind, filter_value)


@given(tags())
def test_binary_round_trip(tag: EpcTag) -> None:
    hex_data = encode(tag)
    assert len(hex_data) % 4 == 0
    assert decode(hex_data) == tag
    assert parse_tag_uri(tag.uri) == tag


@given(st.binary(min_size=1, max_size=32))
def test_decoder_raises_only_package_errors(data: bytes) -> None:
    for header in (b"\x30", b"\x31", b"\x36", b""):
        with contextlib.suppress(Gs1Error):
            decode((header + data).hex())
