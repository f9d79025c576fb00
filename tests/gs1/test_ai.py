"""Application Identifier element strings against GS1 Syntax Engine vectors, plus properties."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1.ai import (
    Element,
    build_element_string,
    format_bracketed,
    parse_bracketed,
    parse_element_string,
    validate_associations,
)
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.errors import (
    AIValueError,
    AssociationError,
    ElementStringError,
    Gs1Error,
    UnknownAIError,
)
from livetrace.gs1.keys import with_check_digit

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"


def load(name: str) -> Any:
    return json.loads((ASSETS / name).read_text("utf-8"))


BRACKETED = load("ai_parse_bracketed.json")["cases"]
PROCESS = load("ai_process_element_string.json")["cases"]
ASSOCIATIONS = load("ai_validate_associations.json")["cases"]
LINTERS = load("ai_linters.json")["cases"]


def _engine_form(elements: tuple[Element, ...]) -> str:
    """The Syntax Engine's notation: leading '^' for FNC1, '^' as separator."""
    return "^" + build_element_string(elements, separator="^", permit_unknown_ais=True)


@pytest.mark.parametrize("case", BRACKETED, ids=lambda c: c["bracketed"])
def test_parse_bracketed_vectors(case: dict[str, Any]) -> None:
    if case["ok"]:
        assert _engine_form(parse_bracketed(case["bracketed"])) == case["expect_element_string"]
    else:
        with pytest.raises(Gs1Error):
            parse_bracketed(case["bracketed"])


@pytest.mark.parametrize("case", PROCESS, ids=lambda c: repr(c["element_string"]))
def test_process_element_string_vectors(case: dict[str, Any]) -> None:
    data: str = case["element_string"]
    if data == "buf":
        pytest.skip("built in a C loop in the engine's tests (placeholder 'buf'); no literal data")
    if not data.startswith("^"):
        # Without a leading FNC1 the data is not GS1 element-string data at all.
        assert not case["ok"]
        return
    if case["ok"]:
        elements = parse_element_string(data[1:], separator="^")
        # Rebuilding drops superfluous FNC1s and nothing else.
        assert parse_element_string(_engine_form(elements)[1:], separator="^") == elements
        assert "".join(ai + value for ai, value in elements) == data.replace("^", "")
    else:
        with pytest.raises(Gs1Error):
            parse_element_string(data[1:], separator="^")


@pytest.mark.parametrize("case", ASSOCIATIONS, ids=lambda c: f"{c['validation']}:{c['bracketed']}")
def test_validate_associations_vectors(case: dict[str, Any]) -> None:
    elements = parse_bracketed(
        case["bracketed"], permit_unknown_ais=case["options"]["permit_unknown_ais"]
    )
    if case["ok"]:
        validate_associations(elements)
    else:
        with pytest.raises(AssociationError):
            validate_associations(elements)


@pytest.mark.parametrize("case", LINTERS, ids=lambda c: c["bracketed"])
def test_linter_vectors(case: dict[str, Any]) -> None:
    expected: str = case["linter_result"]
    if expected.startswith("GS1_LINTER_COUPON_"):
        pytest.skip("coupon linters (AIs 8110/8112, North American coupons) are not implemented")
    if expected == "GS1_LINTER_OK":
        parse_bracketed(case["bracketed"])
        return
    with pytest.raises(AIValueError) as info:
        parse_bracketed(case["bracketed"])
    assert "GS1_LINTER_" + info.value.lint == expected


def test_value_errors_name_ai_and_position() -> None:
    with pytest.raises(AIValueError) as info:
        parse_bracketed("(01)12345678901234")
    assert info.value.ai == "01"
    assert info.value.lint == "INCORRECT_CHECK_DIGIT"
    assert info.value.field == "(01)"
    with pytest.raises(AIValueError, match="position 3") as info:
        parse_bracketed("(10)AB CD")
    assert info.value.position == 2


def test_unknown_ai_and_syntax_errors() -> None:
    with pytest.raises(UnknownAIError):
        parse_bracketed("(89)ABC")
    assert parse_bracketed("(89)ABC", permit_unknown_ais=True) == (Element("89", "ABC"),)
    with pytest.raises(UnknownAIError):
        parse_element_string("891234")
    with pytest.raises(ElementStringError):
        parse_bracketed("(10")


def test_fnc1_only_after_variable_length_ais() -> None:
    elements = parse_bracketed("(01)09520123456788(10)ABC1(21)12345(17)180426")
    assert build_element_string(elements) == "010952012345678810ABC1\x1d2112345\x1d17180426"
    assert format_bracketed(elements) == "(01)09520123456788(10)ABC1(21)12345(17)180426"
    assert format_bracketed([Element("10", "A(B")]) == "(10)A\\(B"


def _x(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=sorted(CSET82), min_size=1, max_size=max_size)


def _gtin() -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=13, max_size=13).map(with_check_digit)


def _date() -> st.SearchStrategy[str]:
    return st.dates().map(lambda d: d.strftime("%y%m%d"))


ELEMENT = st.one_of(
    _gtin().map(lambda v: Element("01", v)),
    _x(20).map(lambda v: Element("10", v)),
    _x(20).map(lambda v: Element("21", v)),
    _date().map(lambda v: Element("17", v)),
    st.text(alphabet="0123456789", min_size=6, max_size=6).map(lambda v: Element("3103", v)),
    _x(30).map(lambda v: Element("400", v)),
    _x(90).map(lambda v: Element("99", v)),
)


@given(st.lists(ELEMENT, min_size=1, max_size=6).map(tuple))
def test_unbracketed_round_trip(elements: tuple[Element, ...]) -> None:
    assert parse_element_string(build_element_string(elements)) == elements


@given(st.lists(ELEMENT, min_size=1, max_size=6).map(tuple))
def test_bracketed_round_trip(elements: tuple[Element, ...]) -> None:
    assert parse_bracketed(format_bracketed(elements)) == elements


@given(st.text(max_size=60))
def test_parsers_raise_only_package_errors(text: str) -> None:
    for parse in (parse_bracketed, parse_element_string):
        with contextlib.suppress(Gs1Error):
            parse(text)


@given(st.text(alphabet="()0123456789ABC\\^\x1d", max_size=40))
def test_parsers_raise_only_package_errors_on_near_misses(text: str) -> None:
    for parse in (parse_bracketed, parse_element_string):
        with contextlib.suppress(Gs1Error):
            parse(text)
