"""Serial allocation: alphabet, randomness, formats per target, precise rejections."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.codes.errors import SerialError
from livetrace.codes.serials import (
    ALPHABET,
    SERIAL_LENGTH,
    alphanumeric_serials,
    random_characters,
    random_serials,
    randomness_bits,
    validate_serial,
)
from livetrace.codes.states import Target
from livetrace.gs1.ai import lookup, validate_value
from livetrace.gs1.digital_link import UNRESERVED
from livetrace.gs1.epc_binary import SGTIN96_MAX_SERIAL, serial_fits_sgtin96


def test_alphabet_has_no_look_alikes_and_is_url_and_ai21_safe() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert not set("0O1IL") & set(ALPHABET)
    assert set(ALPHABET) <= UNRESERVED
    assert "".join(sorted(ALPHABET)) == ALPHABET


def test_serials_carry_at_least_64_bits() -> None:
    assert randomness_bits() >= 64
    assert randomness_bits() == pytest.approx(SERIAL_LENGTH * math.log2(31))


def test_alphanumeric_serials_are_valid_ai21_and_sgtin198_values() -> None:
    serials = random_serials(2000, Target.QR)
    assert len(set(serials)) == 2000
    for serial in serials[:200]:
        assert len(serial) == SERIAL_LENGTH and set(serial) <= set(ALPHABET)
        validate_value(lookup("21"), serial)
        validate_serial(serial, Target.SGTIN_198)


def test_every_character_is_used_roughly_evenly() -> None:
    text = random_characters(31 * 2000)
    counts = [text.count(c) for c in ALPHABET]
    # Expected 2000 each; a 20% band is over 14 standard deviations wide.
    assert min(counts) > 1600 and max(counts) < 2400


def test_sgtin96_serials_are_numeric_and_fit() -> None:
    serials = random_serials(2000, Target.SGTIN_96)
    assert len(set(serials)) == 2000
    assert all(serial_fits_sgtin96(s) and 1 <= int(s) <= SGTIN96_MAX_SERIAL for s in serials)


@pytest.mark.parametrize(
    ("serial", "target", "fragment"),
    [
        ("A" * 21, Target.QR, "at most 20"),
        ("AB CD", Target.QR, "character set 82"),
        ("", Target.QR, "character set 82"),
        ("ÄBC", Target.SGTIN_198, "character set 82"),
        ("ABC123", Target.SGTIN_96, "does not fit SGTIN-96"),
        ("0123", Target.SGTIN_96, "leading"),
        (str(SGTIN96_MAX_SERIAL + 1), Target.SGTIN_96, "does not fit SGTIN-96"),
    ],
)
def test_bad_serials_are_rejected_precisely(serial: str, target: Target, fragment: str) -> None:
    with pytest.raises(SerialError, match=fragment) as caught:
        validate_serial(serial, target, index=3)
    assert caught.value.field == "serials" and caught.value.details["index"] == 3
    assert "serial #4" in caught.value.message


@given(st.integers(min_value=1, max_value=300))
def test_alphanumeric_serials_have_the_requested_count_and_shape(count: int) -> None:
    serials = alphanumeric_serials(count)
    assert len(serials) == count
    assert all(len(s) == SERIAL_LENGTH and set(s) <= set(ALPHABET) for s in serials)
