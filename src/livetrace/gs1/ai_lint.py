"""Content checks ("linters") that the Syntax Dictionary names for AI value components.

Each linter takes one component's text and returns None when it passes, or the name of the
GS1 Syntax Engine linter result (without `GS1_LINTER_`), e.g. `INCORRECT_CHECK_DIGIT`.

Choices:

* `gcppos1`/`gcppos2` cannot know real GS1 Company Prefix allocations offline; they check that
  at least four characters follow the position and that those are digits.
* Two-digit years (`yymmdd`) are taken as 20YY for the leap-year test; GS1's sliding century
  window only differs for 2100, so the test is the same for every year it can yield.
* `Z` (base64url) values are unpadded: any `=` is reported as padding, not as a bad character.
* `couponcode`, `couponposoffer` (North American coupons, AIs 8110/8112) and `packagetype`
  (UN/ECE Rec. 21 list) are not checked: they are outside livetrace's scope.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

from livetrace.gs1.iso_codes import ISO3166_ALPHA2, ISO3166_NUMERIC, ISO4217_NUMERIC
from livetrace.gs1.keys import compute_check_digit

Linter = Callable[[str], str | None]

CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
CSET39 = frozenset("#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
CSET64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_CSET82_ORDER = (
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)
_IMPORTER_INDEX = frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[0-9A-Z]+$")
IBAN_MIN_LENGTH = 15


def charset_error(charset: str, text: str) -> tuple[str, int] | None:
    """(lint name, 0-based offset) of the first character outside `charset`, or None."""
    if charset == "Z":
        return _cset64_error(text)
    allowed, lint = {
        "N": (frozenset("0123456789"), "NON_DIGIT_CHARACTER"),
        "X": (CSET82, "INVALID_CSET82_CHARACTER"),
        "Y": (CSET39, "INVALID_CSET39_CHARACTER"),
    }[charset]
    for offset, char in enumerate(text):
        if char not in allowed:
            return lint, offset
    return None


def _cset64_error(text: str) -> tuple[str, int] | None:
    for offset, char in enumerate(text):
        if char == "=":
            return "INVALID_CSET64_PADDING", offset
        if char not in CSET64:
            return "INVALID_CSET64_CHARACTER", offset
    return None


def csum(text: str) -> str | None:
    """The last digit is the GS1 mod-10 check digit of the others."""
    if int(text[-1]) != compute_check_digit(text[:-1]):
        return "INCORRECT_CHECK_DIGIT"
    return None


def csumalpha(text: str) -> str | None:
    """The last two characters are the GS1 check character pair (GMN, MUDI)."""
    if len(text) < 3:
        return "TOO_SHORT_FOR_CHECK_PAIR"
    data = text[:-2]
    if any(c not in _CSET82_ORDER for c in data) or len(data) > len(_PRIMES):
        return "INCORRECT_CHECK_PAIR"
    # Weights are ascending primes from the rightmost data character leftwards.
    total = sum(_CSET82_ORDER.index(c) * p for c, p in zip(reversed(data), _PRIMES, strict=False))
    total %= 1021
    if text[-2:] != _CSET32[total // 32] + _CSET32[total % 32]:
        return "INCORRECT_CHECK_PAIR"
    return None


def _gcp_at(offset: int) -> Linter:
    def check(text: str) -> str | None:
        prefix = text[offset : offset + 4]
        if len(prefix) < 4:
            return "TOO_SHORT_FOR_GCP"
        if not prefix.isdigit() or not prefix.isascii():
            return "INVALID_GCP_PREFIX"
        return None

    return check


def _date(text: str, *, century: bool, day_zero: bool) -> str | None:
    year = int(text[:4]) if century else 2000 + int(text[:2])
    month, day = int(text[-4:-2]), int(text[-2:])
    if not 1 <= month <= 12:
        return "ILLEGAL_MONTH"
    last = calendar.monthrange(year, month)[1]
    if day > last or (day == 0 and not day_zero):
        return "ILLEGAL_DAY"
    return None


def _in_range(lint: str, low: int, high: int) -> Linter:
    return lambda text: None if low <= int(text) <= high else lint


def _member(lint: str, allowed: frozenset[str] | set[str]) -> Linter:
    return lambda text: None if text in allowed else lint


def hhmi(text: str) -> str | None:
    """Hours 00-23 then minutes 00-59."""
    return _in_range("ILLEGAL_HOUR", 0, 23)(text[:2]) or _in_range("ILLEGAL_MINUTE", 0, 59)(
        text[2:]
    )


def pieceoftotal(text: str) -> str | None:
    """Piece number then total count (two digits each), 1 <= piece <= total."""
    piece, total = int(text[:2]), int(text[2:])
    if piece == 0:
        return "ZERO_PIECE_NUMBER"
    if total == 0:
        return "ZERO_TOTAL_PIECES"
    return "PIECE_NUMBER_EXCEEDS_TOTAL" if piece > total else None


def pcenc(text: str) -> str | None:
    """Every `%` starts a two-hex-digit escape."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        return "INVALID_PERCENT_SEQUENCE"
    return None


def iban(text: str) -> str | None:
    """An IBAN: country, check digits, account; mod-97 check (ISO 13616)."""
    if len(text) < IBAN_MIN_LENGTH:
        return "IBAN_TOO_SHORT"
    if not _IBAN.match(text):
        return "INVALID_IBAN_CHARACTER"
    if text[:2] not in ISO3166_ALPHA2:
        return "ILLEGAL_IBAN_COUNTRY_CODE"
    rearranged = text[4:] + text[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return None if int(number) % 97 == 1 else "INCORRECT_IBAN_CHECKSUM"


def posinseqslash(text: str) -> str | None:
    """`position/end`, both positive numbers without leading zeros, position <= end."""
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if match is None:
        return "POSITION_IN_SEQUENCE_MALFORMED"
    position, end = match.groups()
    if position.startswith("0") or end.startswith("0"):
        return "ILLEGAL_ZERO_PREFIX"
    return "POSITION_EXCEEDS_END" if int(position) > int(end) else None


def _no_zero_prefix(text: str) -> str | None:
    return "ILLEGAL_ZERO_PREFIX" if len(text) > 1 and text.startswith("0") else None


def _has_non_digit(text: str) -> str | None:
    return None if not text.isdigit() else "REQUIRES_NON_DIGIT_CHARACTER"


def _not_checked(text: str) -> str | None:
    return None


LINTERS: dict[str, Linter] = {
    "csum": csum,
    "csumalpha": csumalpha,
    "gcppos1": _gcp_at(0),
    "gcppos2": _gcp_at(1),
    "yymmd0": lambda t: _date(t, century=False, day_zero=True),
    "yymmdd": lambda t: _date(t, century=False, day_zero=False),
    "yyyymmdd": lambda t: _date(t, century=True, day_zero=False),
    "hhmi": hhmi,
    "hh": _in_range("ILLEGAL_HOUR", 0, 23),
    "mi": _in_range("ILLEGAL_MINUTE", 0, 59),
    "ss": _in_range("ILLEGAL_SECOND", 0, 59),
    "iso3166": _member("NOT_ISO3166", ISO3166_NUMERIC),
    "iso3166999": _member("NOT_ISO3166_OR_999", ISO3166_NUMERIC | {"999"}),
    "iso3166alpha2": _member("NOT_ISO3166_ALPHA2", ISO3166_ALPHA2),
    "iso4217": _member("NOT_ISO4217", ISO4217_NUMERIC),
    "iso5218": _member("INVALID_BIOLOGICAL_SEX_CODE", {"0", "1", "2", "9"}),
    "iban": iban,
    "zero": _member("NOT_ZERO", {"0"}),
    "nonzero": lambda t: "ILLEGAL_ZERO_VALUE" if not t.strip("0") else None,
    "nozeroprefix": _no_zero_prefix,
    "yesno": _member("NOT_ZERO_OR_ONE", {"0", "1"}),
    "winding": _member("INVALID_WINDING_DIRECTION", {"0", "1", "9"}),
    "pieceoftotal": pieceoftotal,
    "pcenc": pcenc,
    "latitude": _in_range("INVALID_LATITUDE", 0, 1_800_000_000),
    "longitude": _in_range("INVALID_LONGITUDE", 0, 3_600_000_000),
    "hyphen": _member("NOT_HYPHEN", {"-"}),
    "posinseqslash": posinseqslash,
    "importeridx": lambda t: None if t in _IMPORTER_INDEX else "INVALID_IMPORT_IDX_CHARACTER",
    "mediatype": lambda t: (
        None if 1 <= int(t) <= 10 or 80 <= int(t) <= 99 else "INVALID_MEDIA_TYPE"
    ),
    "hasnondigit": _has_non_digit,
    "couponcode": _not_checked,
    "couponposoffer": _not_checked,
    "packagetype": _not_checked,
}

UNCHECKED_LINTERS = frozenset({"couponcode", "couponposoffer", "packagetype"})
