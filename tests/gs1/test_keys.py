"""GS1 keys: check digits, GTIN normalisation, company prefix helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1 import keys
from livetrace.gs1.errors import CheckDigitError, Gs1Error, KeyFormatError
from livetrace.kit.errors import ValidationError

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"


def load(name: str) -> Any:
    return json.loads((ASSETS / name).read_text("utf-8"))


CHECK_DIGITS = load("check_digit_vectors.json")["cases"]
DLJS = load("digital-link.js_test_vectors.json")


@pytest.mark.parametrize("case", CHECK_DIGITS, ids=lambda c: c["value"])
def test_check_digit_vectors(case: dict[str, Any]) -> None:
    value = case["value"]
    assert keys.compute_check_digit(value[:-1]) == case["computed_check_digit"]
    if case["check_digit_valid"]:
        assert keys.validate_check_digit(value) == value
    else:
        with pytest.raises(CheckDigitError) as info:
            keys.validate_check_digit(value)
        assert info.value.expected == case["computed_check_digit"]
        assert info.value.actual == value[-1]


@pytest.mark.parametrize("case", DLJS["check_digit"], ids=lambda c: c["value"])
def test_digital_link_js_check_digit(case: dict[str, Any]) -> None:
    value = case["value"] if case["position"] == -1 else case["value"][: case["position"]]
    if case["expect"]:
        keys.validate_check_digit(value)
    else:
        with pytest.raises(CheckDigitError):
            keys.validate_check_digit(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("02345673", "00000002345673"),
        ("012345678905", "00012345678905"),
        ("9780345418913", "09780345418913"),
        ("09520123456788", "09520123456788"),
    ],
)
def test_normalize_gtin(value: str, expected: str) -> None:
    assert keys.normalize_gtin(value) == expected


@pytest.mark.parametrize("value", ["1234567", "123456789", "0952012345678A", ""])
def test_normalize_gtin_rejects_bad_format(value: str) -> None:
    with pytest.raises(KeyFormatError):
        keys.normalize_gtin(value)


def test_errors_name_key_and_digits() -> None:
    with pytest.raises(CheckDigitError) as info:
        keys.validate_key("09520123456789", keys.KeyKind.GTIN14)
    error = info.value
    assert isinstance(error, ValidationError)
    assert error.code == "gs1-check-digit"
    assert error.details == {"value": "09520123456789", "expected": 8, "actual": "9"}
    assert "GTIN-14" in error.diagnostics()
    with pytest.raises(KeyFormatError, match="position 3"):
        keys.validate_gln("06X4141123452")
    with pytest.raises(KeyFormatError, match="expected 18"):
        keys.validate_sscc("10614141234567890")


def test_shorten_gtin() -> None:
    assert keys.shorten_gtin("00000095010939", 8) == "95010939"
    assert keys.shorten_gtin("00000095010939", 13) == "0000095010939"
    with pytest.raises(KeyFormatError):
        keys.shorten_gtin("15019265235883", 13)


def test_company_prefix_helpers() -> None:
    gtin = keys.gtin_from_parts("0614141", "812345")
    assert gtin == "80614141123458"
    assert keys.split_gtin(gtin, 7) == ("0614141", "812345")
    sscc = keys.sscc_from_parts("0614141", "1234567890")
    assert sscc == "106141412345678908"
    assert keys.split_sscc(sscc, 7) == ("0614141", "1234567890")
    assert keys.key_from_parts("0614141", "12345", 12, "GLN") == "0614141123452"
    assert keys.split_key("0614141123452", 7) == ("0614141", "12345")
    with pytest.raises(KeyFormatError):
        keys.gtin_from_parts("0614141", "81234")
    with pytest.raises(KeyFormatError):
        keys.validate_company_prefix("06141")


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_appended_check_digit_validates(body: str) -> None:
    assert keys.validate_check_digit(keys.with_check_digit(body)).startswith(body)


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_a_changed_digit_is_detected(body: str) -> None:
    value = keys.with_check_digit(body)
    wrong = value[:-1] + str((int(value[-1]) + 1) % 10)
    with pytest.raises(CheckDigitError):
        keys.validate_check_digit(wrong)


@given(st.text(max_size=20), st.sampled_from(list(keys.KeyKind)))
def test_validators_raise_only_package_errors(value: str, kind: keys.KeyKind) -> None:
    try:
        keys.validate_key(value, kind)
        keys.normalize_gtin(value)
    except Gs1Error:
        pass
