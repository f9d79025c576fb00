"""RFC 8785 canonical JSON: the RFC's own examples, edge cases and properties."""

from __future__ import annotations

import enum
import json
import math
import struct
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.kit import canonical_json
from livetrace.kit.canonical_json import MAX_EXACT_INTEGER, canonicalize, parse
from livetrace.kit.errors import ValidationError

# RFC 8785 Appendix B, "Number Serialization Samples": IEEE-754 bit pattern -> canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]
# Appendix B's NaN and Infinity rows are errors; negative infinity added for symmetry.
APPENDIX_B_ERRORS = ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"]

# RFC 8785 §3.2.2 input, §3.2.3 canonical output and §3.2.4 UTF-8 bytes.
SECTION_3_2_2_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
SECTION_3_2_2_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)
SECTION_3_2_4_UTF8 = (
    "7b226c69746572616c73223a5b6e756c6c2c747275652c66616c73655d2c226e756d62657273223a"
    "5b3333333333333333332e333333333333332c31652b33302c342e352c302e3030322c31652d3237"
    "5d2c22737472696e67223a22e282ac245c75303030665c6e4127425c225c5c5c5c5c222f227d"
)

# RFC 8785 §3.2.3 sorting example: names sort by UTF-16 code units, so the emoji (D83D DE00)
# comes before U+FB33 although its code point is larger.
SECTION_3_2_3_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
SECTION_3_2_3_OUTPUT = (
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
    '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
    '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
)
SECTION_3_2_3_ORDER = [
    "Carriage Return",
    "One",
    "Control",
    "Latin Small Letter O With Diaeresis",
    "Euro Sign",
    "Emoji: Grinning Face",
    "Hebrew Letter Dalet With Dagesh",
]


def double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


# --- The RFC's examples --------------------------------------------------------------------------


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_number_samples(bits: str, expected: str) -> None:
    assert canonicalize(double(bits)) == expected.encode("ascii")


@pytest.mark.parametrize("bits", APPENDIX_B_ERRORS)
def test_appendix_b_nan_and_infinity_are_errors(bits: str) -> None:
    with pytest.raises(ValidationError, match="not a JSON number"):
        canonicalize(double(bits))


def test_section_3_2_2_example_and_its_utf8_bytes() -> None:
    for value in (json.loads(SECTION_3_2_2_INPUT), parse(SECTION_3_2_2_INPUT)):
        output = canonicalize(value)
        assert output == SECTION_3_2_2_OUTPUT.encode("utf-8")
        assert output == bytes.fromhex(SECTION_3_2_4_UTF8)


def test_section_3_2_3_sorting_example() -> None:
    output = canonicalize(json.loads(SECTION_3_2_3_INPUT))
    assert output == SECTION_3_2_3_OUTPUT.encode("utf-8")
    assert list(json.loads(output).values()) == SECTION_3_2_3_ORDER


# --- Strings -------------------------------------------------------------------------------------


def test_control_characters_use_short_escapes_or_lowercase_unicode_escapes() -> None:
    text = "".join(chr(code) for code in range(0x20))
    expected = (
        r'"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f'
        r"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c"
        r'\u001d\u001e\u001f"'
    )
    assert canonicalize(text) == expected.encode("ascii")


def test_everything_else_is_written_as_is_in_utf8() -> None:
    text = "/\x7f\u2028\u2029<>&'é中文\U0001f600"
    assert canonicalize(text) == ('"' + text + '"').encode("utf-8")
    assert canonicalize('a"b\\c') == b'"a\\"b\\\\c"'


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("\ud800", None),
        (["ok", "\udfff"], "/1"),
        ({"\ud83d\ude00": 1}, "/\ud83d\ude00"),  # a pair held as two code points
        ({"a": {"b": "x\udc00y"}}, "/a/b"),
    ],
)
def test_surrogate_code_points_are_rejected(value: object, field: str | None) -> None:
    with pytest.raises(ValidationError, match="surrogate") as failure:
        canonicalize(value)
    assert failure.value.field == field


# --- Numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (100.0, "100"),
        (0.1, "0.1"),
        (1e-6, "0.000001"),
        (1.5e-6, "0.0000015"),
        (1e-7, "1e-7"),
        (1.25e-7, "1.25e-7"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (MAX_EXACT_INTEGER, "9007199254740992"),
        (-MAX_EXACT_INTEGER, "-9007199254740992"),
        (2.0**60, "1152921504606847000"),  # shortest digits, zero-padded
    ],
)
def test_number_layout(value: float, expected: str) -> None:
    assert canonicalize(value) == expected.encode("ascii")


@pytest.mark.parametrize("value", [MAX_EXACT_INTEGER + 1, -MAX_EXACT_INTEGER - 1, 2**60, 10**30])
def test_integers_beyond_double_exactness_raise(value: int) -> None:
    with pytest.raises(ValidationError, match=r"outside ±2\*\*53") as failure:
        canonicalize({"n": [value]})
    assert failure.value.field == "/n/0"


def test_booleans_and_int_subclasses() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    assert canonicalize([True, False, None, Level.HIGH]) == b"[true,false,null,3]"


# --- Structure and types -------------------------------------------------------------------------


def test_nested_members_sorted_at_every_level_without_whitespace() -> None:
    value = {"b": [{"z": 1, "a": (2, 3)}], "a": {"d": True, "c": None}, "": {}}
    assert canonicalize(value) == b'{"":{},"a":{"c":null,"d":true},"b":[{"a":[2,3],"z":1}]}'


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({1: "x"}, None),
        ({"a": {None: 1}}, "/a"),
        ({"a/b": {("t",): 1}}, "/a~1b"),
        ({"s": {1, 2}}, "/s"),
        ({"b": b"bytes"}, "/b"),
        ([Decimal("1.5")], "/0"),
        ({"x~y": [0, math.nan]}, "/x~0y/1"),
        (object(), None),
    ],
)
def test_unsupported_values_raise_with_a_json_pointer(value: object, field: str | None) -> None:
    with pytest.raises(ValidationError) as failure:
        canonicalize(value)
    assert failure.value.field == field
    assert failure.value.code == "invalid-input"


def test_too_deep_nesting_raises_a_validation_error() -> None:
    value: list[Any] = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(ValidationError, match="nested too deeply"):
        canonicalize(value)


# --- parse ---------------------------------------------------------------------------------------


def test_parse_reads_numbers_as_ecmascript_does() -> None:
    assert parse('{"a": 1, "b": 9007199254740993, "c": 1.0}') == {
        "a": 1,
        "b": 9007199254740992.0,
        "c": 1.0,
    }
    assert canonicalize(parse("[10000000000000000]")) == b"[10000000000000000]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate"),
        ("[NaN]", "NaN is not a JSON number"),
        ("[-Infinity]", "Infinity is not a JSON number"),
        ("[1e400]", "beyond the range"),
        ("[1, ]", "not JSON"),
        (b"\xff[]", "not UTF-8"),
        ("\ufeff[]", "not JSON"),
        ("[" + "1" * 5000 + "]", "not JSON"),
    ],
)
def test_parse_rejects_what_i_json_excludes(text: str | bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse(text)


# --- Properties ----------------------------------------------------------------------------------

keys = st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_EXACT_INTEGER, max_value=MAX_EXACT_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_output_parses_back_to_an_equal_value(value: object) -> None:
    output = canonicalize(value)
    # Every JSON number is a double (ECMAScript). Plain json.loads would read a large integral
    # double, written as zero-padded shortest digits (4.960765351737763e16 as 49607653517377630),
    # as an exact int that differs from it, so integers are read as doubles here.
    assert json.loads(output, parse_int=float) == value
    assert parse(output) == value


@given(json_values)
def test_canonical_text_recanonicalises_to_itself(value: object) -> None:
    output = canonicalize(value)
    assert canonicalize(parse(output)) == output
    assert canonicalize(parse(output.decode("utf-8"))) == output


@given(
    st.dictionaries(keys, json_values, max_size=8).flatmap(
        lambda members: st.tuples(st.just(members), st.permutations(list(members.items())))
    )
)
def test_member_order_of_the_input_does_not_matter(case: tuple[dict[str, Any], list[Any]]) -> None:
    members, shuffled = case
    assert canonicalize(dict(shuffled)) == canonicalize(members)


bmp_keys = st.text(alphabet=st.characters(max_codepoint=0xFFFF, codec="utf-8"), max_size=8)
exact_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_EXACT_INTEGER, max_value=MAX_EXACT_INTEGER)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(bmp_keys, children, max_size=4)
    ),
    max_leaves=20,
)


@given(exact_values)
def test_agrees_with_json_dumps_where_their_rules_coincide(value: object) -> None:
    # Without floats and with names inside the BMP, code-point order equals UTF-16 order and the
    # standard library's compact, sorted, non-ASCII output is the same text.
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonicalize(value) == expected.encode("utf-8")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_and_use_exponents_only_outside_plain_range(value: float) -> None:
    text = canonicalize(value).decode("ascii")
    assert float(text) == value
    assert ("e" in text) == (value != 0 and not 1e-6 <= abs(value) < 1e21)
    assert text == text.strip() and not text.startswith("+") and ".e" not in text


# --- The fast writer against the careful one -------------------------------------------------

control_text = st.text(
    alphabet=st.characters(codec="utf-8", max_codepoint=0x3F) | st.characters(codec="utf-8"),
    max_size=12,
)
any_scalars = (
    scalars
    | control_text
    | st.integers(min_value=-MAX_EXACT_INTEGER - 2, max_value=-MAX_EXACT_INTEGER + 2)
    | st.integers(min_value=MAX_EXACT_INTEGER - 2, max_value=MAX_EXACT_INTEGER + 2)
    | st.floats()
    | st.sampled_from(["\ud800", "a\udfffb", "\U0001f600", "\ufb33", "\u2028", "\x7f"])
)
any_values = st.recursive(
    any_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys | control_text, children, max_size=4)
    ),
    max_leaves=20,
)


def _outcome(write: Any, value: object) -> tuple[bytes | None, str | None, str | None]:
    try:
        return write(value), None, None
    except ValidationError as exc:
        return None, exc.message, exc.field


@given(any_values)
def test_fast_writer_gives_the_careful_writers_bytes_or_error(value: object) -> None:
    # `canonicalize` takes a fast path for plain values; `_careful` is the reference writer.
    assert _outcome(canonicalize, value) == _outcome(canonical_json._careful, value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fast_number_layout_is_the_ecmascript_one(value: float) -> None:
    assert canonicalize([value]) == canonical_json._careful([value])


def test_names_outside_ascii_sort_by_utf16_code_units_on_the_fast_path() -> None:
    value = {"\ufb33": [1.5], "\U0001f600": {"b": 2.0, "a": "\x1f"}, "z": -0.0}
    assert canonicalize(value) == (
        '{"z":0,"\U0001f600":{"a":"\\u001f","b":2},"\ufb33":[1.5]}'.encode()
    )
