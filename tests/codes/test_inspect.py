"""`inspect` explains every form of code text, and fails precisely on bad input."""

from __future__ import annotations

import pytest

from livetrace.codes.errors import NotACodeError
from livetrace.codes.inspect import explain
from livetrace.gs1.errors import (
    AIValueError,
    CheckDigitError,
    DigitalLinkError,
    EpcDecodingError,
    EpcUriError,
    UnknownAIError,
)


def test_epc_hex_from_tds_annex_e() -> None:
    e = explain("3074257BF7194E4000001A85")
    assert e.kind == "epc-hex"
    assert e.forms["epc_tag_uri"] == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    assert e.forms["hri"] == "(01)80614141123458(21)6789"
    assert [(x.ai, x.value) for x in e.elements] == [("01", "80614141123458"), ("21", "6789")]
    assert e.elements[0].title == "GTIN"


def test_tag_uri_and_pure_uri() -> None:
    tag = explain("urn:epc:tag:sscc-96:3.0614141.1234567890")
    assert tag.forms["epc_hex"] == "3174257BF4499602D2000000"
    assert any("unit load" in n or "filter 3" in n for n in tag.notes)
    pure = explain("urn:epc:id:sgtin:0614141.812345.6789")
    assert pure.kind == "epc-uri"
    assert pure.forms["digital_link"] == "https://id.gs1.org/01/80614141123458/21/6789"


def test_digital_link_with_authenticator() -> None:
    e = explain(
        "https://id.example.cn/01/09520123456788/10/L1/21/ABC?auth=1.AAAAAAAAAAAAAAAAAAAA",
        company_prefix_length=7,
    )
    assert e.kind == "digital-link"
    assert e.forms["epc_uri"] == "urn:epc:id:sgtin:9520123.045678.ABC"
    assert any("authenticator (key version 1)" in n for n in e.notes)
    assert e.forms["element_string"] == "010952012345678810L1^21ABC"


def test_element_strings_scan_data_and_keys() -> None:
    assert explain("(01)09520123456788(10)ABC1").kind == "element-string-bracketed"
    assert explain("010952012345678810ABC1^2112345").elements[2].value == "12345"
    scan = explain("]C1010952012345678810ABC1")
    assert scan.kind == "scan-data" and "GS1 data" in scan.notes[0]
    key = explain("9520123456788")
    assert key.kind == "gs1-key" and key.elements[0].value == "09520123456788"
    assert explain("106141412345678908").elements[0].ai == "00"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("09520123456789", CheckDigitError),
        ("(01)09520123456789", AIValueError),
        ("(99)ABC(9999)X", UnknownAIError),
        ("010952012345678829ABC", UnknownAIError),
        ("(10)ABC DEF", AIValueError),
        ("https://id.example.cn/01/09520123456788?9999=1", DigitalLinkError),
        ("urn:epc:id:sgtin:0614141.812345", EpcUriError),
        ("307C257BF7194E4000001A85", EpcDecodingError),
    ],
)
def test_bad_input_gets_the_parsers_precise_error(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        explain(text)


def test_empty_text_is_not_a_code() -> None:
    with pytest.raises(NotACodeError):
        explain("   ")
