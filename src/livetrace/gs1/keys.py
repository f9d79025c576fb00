"""GS1 keys: the mod-10 check digit, GTIN/GLN/SSCC validation and GS1 Company Prefix helpers.

Choices where the GS1 General Specifications leave room:

* Every validator raises (`KeyFormatError`, `CheckDigitError`); nothing returns False.
* GTIN-8/12/13 are normalised to GTIN-14 by left-padding with zeros; the check digit is
  unchanged by the padding, so it is verified once on the 14-digit form.
* A GS1 Company Prefix is 4 to 12 digits (GS1-8 prefixes excepted); the EPC Tag Data Standard
  only encodes prefixes of 6 to 12 digits, which `validate_company_prefix` accepts by default.
"""

from __future__ import annotations

from enum import Enum

from livetrace.gs1.errors import CheckDigitError, KeyFormatError

GTIN_LENGTHS = (8, 12, 13, 14)
EPC_COMPANY_PREFIX_LENGTHS = range(6, 13)


class KeyKind(Enum):
    """A fixed-length, all-numeric GS1 key with a trailing check digit."""

    GTIN8 = ("GTIN-8", 8)
    GTIN12 = ("GTIN-12", 12)
    GTIN13 = ("GTIN-13", 13)
    GTIN14 = ("GTIN-14", 14)
    GLN = ("GLN", 13)
    SSCC = ("SSCC", 18)
    GSRN = ("GSRN", 18)
    GSIN = ("GSIN", 17)

    def __init__(self, label: str, length: int) -> None:
        self.label = label
        self.length = length


def _require_digits(value: str, field: str) -> None:
    """Raise unless `value` is a non-empty string of ASCII digits."""
    if value.isascii() and value.isdigit():  # the common case, checked in C
        return
    if not value:
        raise KeyFormatError(f"{field} is empty", field=field)
    for position, char in enumerate(value, start=1):
        if not ("0" <= char <= "9"):
            raise KeyFormatError(
                f"{field} {value!r} has non-digit {char!r} at position {position}",
                field=field,
                details={"value": value, "position": position},
            )


def compute_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for `body` (all digits, check digit excluded)."""
    _require_digits(body, "digits")
    # Weights run 3,1,3,1... from the rightmost digit, whatever the key's length.
    total = 3 * sum(map(int, body[::-1][::2])) + sum(map(int, body[::-1][1::2]))
    return (10 - total % 10) % 10


def with_check_digit(body: str) -> str:
    """`body` followed by its GS1 mod-10 check digit."""
    return body + str(compute_check_digit(body))


def validate_check_digit(value: str, *, key: str = "GS1 key") -> str:
    """Raise unless the last digit of `value` is its GS1 check digit; return `value`."""
    _require_digits(value, key)
    if len(value) < 2:
        raise KeyFormatError(f"{key} {value!r} is too short to carry a check digit", field=key)
    expected = compute_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise CheckDigitError(key, value, expected=expected, actual=value[-1])
    return value


def validate_key(value: str, kind: KeyKind) -> str:
    """Raise unless `value` is a well-formed key of `kind` (length, digits, check digit)."""
    _require_digits(value, kind.label)
    if len(value) != kind.length:
        raise KeyFormatError(
            f"{kind.label} {value!r} has {len(value)} digits, expected {kind.length}",
            field=kind.label,
            details={"value": value, "expected_length": kind.length, "length": len(value)},
        )
    return validate_check_digit(value, key=kind.label)


def normalize_gtin(value: str) -> str:
    """Validate a GTIN-8, -12, -13 or -14 and return it as GTIN-14."""
    _require_digits(value, "GTIN")
    if len(value) not in GTIN_LENGTHS:
        raise KeyFormatError(
            f"GTIN {value!r} has {len(value)} digits, expected one of 8, 12, 13 or 14",
            field="GTIN",
            details={"value": value, "length": len(value)},
        )
    return validate_check_digit(value.zfill(14), key="GTIN")


def shorten_gtin(gtin14: str, length: int) -> str:
    """Return a valid GTIN-14 in its `length`-digit form (8, 12, 13 or 14).

    Raises if the digits dropped from the left are not all zeros.
    """
    validate_key(gtin14, KeyKind.GTIN14)
    if length not in GTIN_LENGTHS:
        raise KeyFormatError(f"GTIN length {length} is not one of 8, 12, 13, 14", field="GTIN")
    dropped = gtin14[: 14 - length]
    if dropped.strip("0"):
        raise KeyFormatError(
            f"GTIN {gtin14!r} cannot be written with {length} digits: it starts with {dropped!r}",
            field="GTIN",
        )
    return gtin14[14 - length :]


def validate_gln(value: str) -> str:
    """Raise unless `value` is a 13-digit GLN with a correct check digit."""
    return validate_key(value, KeyKind.GLN)


def validate_sscc(value: str) -> str:
    """Raise unless `value` is an 18-digit SSCC with a correct check digit."""
    return validate_key(value, KeyKind.SSCC)


def validate_company_prefix(prefix: str, *, lengths: range = EPC_COMPANY_PREFIX_LENGTHS) -> str:
    """Raise unless `prefix` is all digits with a length in `lengths`; return it."""
    _require_digits(prefix, "company prefix")
    if len(prefix) not in lengths:
        raise KeyFormatError(
            f"company prefix {prefix!r} has {len(prefix)} digits, "
            f"expected {lengths.start} to {lengths.stop - 1}",
            field="company prefix",
            details={"value": prefix, "length": len(prefix)},
        )
    return prefix


def gtin_from_parts(company_prefix: str, indicator_item_ref: str) -> str:
    """Build a GTIN-14 from a company prefix and the indicator digit + item reference (EPC order).

    The indicator digit leads the item reference in EPC URIs but leads the GTIN itself.
    """
    validate_company_prefix(company_prefix)
    _require_digits(indicator_item_ref, "indicator/item reference")
    _require_total(company_prefix, indicator_item_ref, 13, "GTIN")
    return with_check_digit(indicator_item_ref[0] + company_prefix + indicator_item_ref[1:])


def split_gtin(gtin14: str, company_prefix_length: int) -> tuple[str, str]:
    """Split a GTIN-14 into (company prefix, indicator digit + item reference)."""
    validate_key(gtin14, KeyKind.GTIN14)
    _require_prefix_length(company_prefix_length)
    prefix = gtin14[1 : 1 + company_prefix_length]
    return prefix, gtin14[0] + gtin14[1 + company_prefix_length : 13]


def sscc_from_parts(company_prefix: str, extension_serial_ref: str) -> str:
    """Build an SSCC from a company prefix and the extension digit + serial reference."""
    validate_company_prefix(company_prefix)
    _require_digits(extension_serial_ref, "extension/serial reference")
    _require_total(company_prefix, extension_serial_ref, 17, "SSCC")
    return with_check_digit(extension_serial_ref[0] + company_prefix + extension_serial_ref[1:])


def split_sscc(sscc: str, company_prefix_length: int) -> tuple[str, str]:
    """Split an SSCC into (company prefix, extension digit + serial reference)."""
    validate_sscc(sscc)
    _require_prefix_length(company_prefix_length)
    prefix = sscc[1 : 1 + company_prefix_length]
    return prefix, sscc[0] + sscc[1 + company_prefix_length : 17]


def key_from_parts(company_prefix: str, reference: str, total: int, label: str) -> str:
    """Company prefix + reference (together `total` digits) + check digit: GLN, GRAI, GSRN..."""
    validate_company_prefix(company_prefix)
    _require_digits(reference, f"{label} reference")
    _require_total(company_prefix, reference, total, label)
    return with_check_digit(company_prefix + reference)


def split_key(key: str, company_prefix_length: int) -> tuple[str, str]:
    """Split a key that starts with its company prefix into (prefix, reference), check digit dropped."""
    _require_digits(key, "key")
    _require_prefix_length(company_prefix_length)
    if len(key) <= company_prefix_length:
        raise KeyFormatError(f"key {key!r} is not longer than its company prefix", field="key")
    return key[:company_prefix_length], key[company_prefix_length:-1]


def _require_total(prefix: str, reference: str, total: int, label: str) -> None:
    """Raise unless company prefix and reference together have `total` digits."""
    if len(prefix) + len(reference) != total:
        raise KeyFormatError(
            f"{label}: company prefix {prefix!r} and reference {reference!r} have "
            f"{len(prefix) + len(reference)} digits together, expected {total}",
            field=label,
        )


def _require_prefix_length(length: int) -> None:
    """Raise unless `length` is a company prefix length the EPC standard supports."""
    if length not in EPC_COMPANY_PREFIX_LENGTHS:
        raise KeyFormatError(
            f"company prefix length {length} is outside 6..12", field="company prefix length"
        )
