"""Individual AI linters beyond the Syntax Engine's one-case-per-error vectors."""

from __future__ import annotations

import pytest

from livetrace.gs1.ai_lint import LINTERS, charset_error, csumalpha, iban
from livetrace.gs1.iso_codes import ISO3166_ALPHA2, ISO3166_NUMERIC, ISO4217_NUMERIC


def test_check_character_pair_genspecs_example() -> None:
    # GS1 General Specifications §7.9.5 example GMN.
    assert csumalpha("1987654Ad4X4bL5ttr2310c2K") is None
    assert csumalpha("1987654Ad4X4bL5ttr2310c2L") == "INCORRECT_CHECK_PAIR"


@pytest.mark.parametrize("value", ["GB82WEST12345698765432", "DE89370400440532013000"])
def test_valid_ibans(value: str) -> None:
    assert iban(value) is None


@pytest.mark.parametrize(
    ("linter", "value", "result"),
    [
        ("yymmd0", "240200", None),
        ("yymmd0", "240230", "ILLEGAL_DAY"),
        ("yymmdd", "240229", None),
        ("yymmdd", "230229", "ILLEGAL_DAY"),
        ("yyyymmdd", "19000229", "ILLEGAL_DAY"),
        ("hhmi", "2359", None),
        ("nozeroprefix", "0", None),
        ("posinseqslash", "1/2", None),
        ("pieceoftotal", "0202", None),
        ("iso3166", "156", None),
        ("iso3166alpha2", "CN", None),
        ("iso4217", "156", None),
        ("mediatype", "00", "INVALID_MEDIA_TYPE"),
        ("hasnondigit", "12345", "REQUIRES_NON_DIGIT_CHARACTER"),
        ("gcppos2", "09520123456788", None),
    ],
)
def test_linter_results(linter: str, value: str, result: str | None) -> None:
    assert LINTERS[linter](value) == result


def test_charsets() -> None:
    assert charset_error("X", "ABC-123") is None
    assert charset_error("X", "AB#") == ("INVALID_CSET82_CHARACTER", 2)
    assert charset_error("Y", "AB#/-") is None
    assert charset_error("Z", "AB-_") is None
    assert charset_error("N", "12a") == ("NON_DIGIT_CHARACTER", 2)


def test_code_lists() -> None:
    assert len(ISO3166_NUMERIC) == len(ISO3166_ALPHA2) == 249
    assert {"156", "528", "840"} <= ISO3166_NUMERIC
    assert {"978", "156", "840"} <= ISO4217_NUMERIC
