"""RFC 8785 JSON Canonicalization Scheme (JCS): one exact byte string per JSON value.

`canonicalize` writes UTF-8 with no whitespace. Object members are sorted by the UTF-16 code units
of their names. Strings are escaped as ECMAScript's JSON.stringify escapes them (RFC 8785 §3.2.2.2),
and numbers are written as ECMAScript's Number.prototype.toString writes them (§3.2.2.3): the
shortest digits that round-trip, plain notation from 1e-6 up to but excluding 1e21, exponent
notation outside that range, and -0 as 0. Python's float repr already yields the shortest
round-trip digits (the ones nearest the exact value when several qualify), as ECMAScript
requires. Only the layout is redone here.

Choices where the RFC leaves room, or where Python values differ from JSON:

- Input is Python data as `json.loads` produces it: dict (any Mapping) with str keys, list or
  tuple, str, int, float, bool and None. Anything else (bytes, Decimal, datetime, set, non-str
  keys) raises `ValidationError` and is never coerced: coercion would let two different values
  share a signature.
- Integers must be exact as IEEE-754 doubles, so |n| <= 2**53. Larger ints raise, even ones a
  double happens to hold (2**60), so the rule stays simple to state. JavaScript would silently
  round them.
- NaN and the infinities raise (§3.2.2.3).
- A str holding a surrogate code point raises. I-JSON (RFC 7493) requires well-formed Unicode,
  and such a str has no UTF-8 form. This covers a surrogate pair held as two code points; decode
  it first.
- Nesting deeper than Python's recursion limit raises `ValidationError`.
- `parse` reads JSON text the way RFC 8785 assumes (I-JSON with ECMAScript numbers). Duplicate
  names, NaN and Infinity raise. An integer literal beyond 2**53 becomes the nearest double, as in
  ECMAScript. This is what makes canonical text re-canonicalise to itself: 1e16 is written as
  `10000000000000000`, which plain `json.loads` would return as an int beyond the exact range.

Errors name the offending value with a JSON Pointer (RFC 6901) in `field`.

Speed: `canonicalize` first tries a writer for the plain shapes (exact dict, list, tuple, str, int,
float, bool, None) that tracks no pointers and escapes strings with the standard library's C
escaper, whose escapes are JSON.stringify's: `\\b \\t \\n \\f \\r \\" \\\\` and
lower-case `\\u00xx` for the other control characters, everything else as is. Anything it does
not take for certain (another type, an integer out of range, a non-finite number, a name that is not
ASCII, a surrogate) sends the whole value through the careful writer, which gives the same bytes
or the precise error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any

from livetrace.kit.errors import ValidationError

MAX_EXACT_INTEGER = 2**53
_PLAIN_NOTATION_MAX_EXPONENT = 21  # ECMAScript prints integers below 1e21 without an exponent
_PLAIN_NOTATION_MIN_EXPONENT = -6  # ... and fractions from 1e-6 up without one
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def canonicalize(value: object) -> bytes:
    """Serialise a JSON value to its RFC 8785 canonical UTF-8 bytes; raise if it is not I-JSON."""
    try:
        parts: list[str] = []
        _fast(value, parts)
        # A surrogate passes the escaper unchanged and fails here, in the UTF-8 encoding.
        return "".join(parts).encode("utf-8")
    except (_NotPlainError, UnicodeEncodeError, RecursionError):
        return _careful(value)


def _careful(value: object) -> bytes:
    """The careful writer: any Mapping, int and str subclasses, errors with JSON Pointers."""
    parts: list[str] = []
    try:
        _write(value, parts, "")
    except RecursionError as exc:
        raise ValidationError("value is nested too deeply to canonicalise") from exc
    return "".join(parts).encode("utf-8")


def parse(text: str | bytes) -> Any:
    """Read JSON text as RFC 8785 assumes: I-JSON, numbers as doubles, no duplicate names."""
    try:
        # Decode here: json.loads would also guess UTF-16 and UTF-32, which I-JSON excludes.
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        return json.loads(
            decoded,
            object_pairs_hook=_object_without_duplicates,
            parse_int=_parse_integer,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(f"JSON bytes are not UTF-8: {exc.reason}") from exc
    except ValueError as exc:  # e.g. an integer literal longer than Python's digit limit
        raise ValidationError(f"not JSON: {exc}") from exc


# --- Writing plain shapes fast ------------------------------------------------------------------


class _NotPlainError(Exception):
    """A value the fast writer leaves to the careful one."""


def _fast(value: Any, out: list[str]) -> None:  # Any: dispatched on its exact type below
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        _fast_object(value, out)
    elif kind is list or kind is tuple:
        _fast_array(value, out)
    elif kind is int:
        if not -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
            raise _NotPlainError
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(_fast_number(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        raise _NotPlainError


def _fast_array(items: list[Any] | tuple[Any, ...], out: list[str]) -> None:
    out.append("[")
    first = True
    for item in items:
        if not first:
            out.append(",")
        first = False
        if type(item) is str:  # inline the commonest case: one call less per string
            out.append(encode_basestring(item))
        else:
            _fast(item, out)
    out.append("]")


def _fast_object(members: dict[Any, object], out: list[str]) -> None:
    try:
        names = sorted(members)
    except TypeError:  # names of types that do not compare
        raise _NotPlainError from None
    for name in names:
        # ASCII names sort the same by code point and by UTF-16 code unit.
        if type(name) is not str or not name.isascii():
            raise _NotPlainError
    out.append("{")
    first = True
    for name in names:
        out.append(encode_basestring(name) + ":" if first else "," + encode_basestring(name) + ":")
        first = False
        member = members[name]
        if type(member) is str:  # inline the commonest case: one call less per string
            out.append(encode_basestring(member))
        else:
            _fast(member, out)
    out.append("}")


def _fast_number(value: float) -> str:
    text = float.__repr__(value)
    # repr writes 1e-4 <= |x| < 1e16 without an exponent and with ECMAScript's digits and layout,
    # except that an integral value ends in ".0". Other magnitudes (and nan, inf) go the long way.
    if "e" in text or "n" in text:
        if not math.isfinite(value):
            raise _NotPlainError
        return _format_number(value, "")
    if text.endswith(".0"):
        text = text[:-2]
        return "0" if text == "-0" else text
    return text


# --- Writing ---------------------------------------------------------------------------------


def _write(value: object, out: list[str], path: str) -> None:
    match value:
        case None:
            out.append("null")
        case bool():
            out.append("true" if value else "false")
        case str():
            out.append(_format_string(value, path))
        case int():
            out.append(_format_integer(value, path))
        case float():
            out.append(_format_number(value, path))
        case Mapping():
            _write_object(value, out, path)
        case list() | tuple():
            _write_array(value, out, path)
        case _:
            raise ValidationError(
                f"cannot canonicalise a {type(value).__name__}: JSON has only objects, arrays, "
                "strings, numbers, booleans and null",
                field=path or None,
            )


def _write_array(items: Iterable[object], out: list[str], path: str) -> None:
    out.append("[")
    for index, item in enumerate(items):
        if index:
            out.append(",")
        _write(item, out, f"{path}/{index}")
    out.append("]")


def _write_object(members: Mapping[Any, object], out: list[str], path: str) -> None:
    entries = [_object_entry(name, member, path) for name, member in members.items()]
    entries.sort(key=lambda entry: entry[0])
    out.append("{")
    for index, (_, encoded_name, member_path, member) in enumerate(entries):
        out.append(f"{',' if index else ''}{encoded_name}:")
        _write(member, out, member_path)
    out.append("}")


def _object_entry(name: object, member: object, path: str) -> tuple[bytes, str, str, object]:
    """Sort key, encoded name, JSON Pointer and value of one object member."""
    if not isinstance(name, str):
        raise ValidationError(
            f"object member names must be str, got {type(name).__name__} {name!r}",
            field=path or None,
        )
    member_path = f"{path}/{_pointer_token(name)}"
    return _utf16_units(name, member_path), _format_string(name, member_path), member_path, member


def _utf16_units(name: str, path: str) -> bytes:
    """A sort key equal to the name's UTF-16 code units: big-endian bytes compare unit by unit."""
    _reject_surrogates(name, path)
    return name.encode("utf-16-be")


def _pointer_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _reject_surrogates(text: str, path: str) -> None:
    found = _SURROGATE.search(text)
    if found:
        raise ValidationError(
            f"string holds the surrogate code point U+{ord(found.group()):04X} at index "
            f"{found.start()}: I-JSON requires well-formed Unicode",
            field=path or None,
        )


def _format_string(text: str, path: str) -> str:
    """A JSON string literal escaped as ECMAScript's JSON.stringify escapes it."""
    _reject_surrogates(text, path)
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


# --- Numbers ---------------------------------------------------------------------------------


def _format_integer(value: int, path: str) -> str:
    if abs(value) > MAX_EXACT_INTEGER:
        raise ValidationError(
            f"integer {value} is outside ±2**53, so an IEEE-754 double cannot hold it exactly; "
            "send it as a string",
            field=path or None,
        )
    # int.__repr__ rather than str(): subclasses such as IntEnum may override __str__.
    return int.__repr__(value)


def _format_number(value: float, path: str) -> str:
    """A finite double as ECMAScript's Number.prototype.toString writes it."""
    if not math.isfinite(value):
        raise ValidationError(
            f"{value!r} is not a JSON number (RFC 8785 §3.2.2.3)", field=path or None
        )
    if value == 0:
        return "0"  # also for -0.0
    digits, exponent = _shortest_digits(abs(value))
    return ("-" if value < 0 else "") + _layout(digits, exponent)


def _shortest_digits(value: float) -> tuple[str, int]:
    """Digits d1..dk and n such that value = 0.d1..dk × 10**n, with k as small as possible."""
    mantissa, _, exponent = float.__repr__(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or "0")
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    return significant.rstrip("0"), point


def _layout(digits: str, n: int) -> str:
    """ECMAScript Number::toString steps 6-10 for k = len(digits) digits and exponent n."""
    k = len(digits)
    if k <= n <= _PLAIN_NOTATION_MAX_EXPONENT:
        return digits + "0" * (n - k)
    if 0 < n <= _PLAIN_NOTATION_MAX_EXPONENT:
        return f"{digits[:n]}.{digits[n:]}"
    if _PLAIN_NOTATION_MIN_EXPONENT < n <= 0:
        return "0." + "0" * -n + digits
    exponent = n - 1
    sign = "+" if exponent >= 0 else "-"
    mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{mantissa}e{sign}{abs(exponent)}"


# --- Parsing ---------------------------------------------------------------------------------


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValidationError(f"duplicate object member name {name!r} (I-JSON forbids it)")
        result[name] = value
    return result


def _parse_integer(literal: str) -> int | float:
    value = int(literal)
    # Beyond 2**53 an ECMAScript parser keeps the nearest double; do the same.
    return value if abs(value) <= MAX_EXACT_INTEGER else _parse_float(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValidationError(f"number {literal[:40]} is beyond the range of an IEEE-754 double")
    return value


def _reject_constant(name: str) -> float:
    raise ValidationError(f"{name} is not a JSON number (RFC 8785 §3.2.2.3)")
