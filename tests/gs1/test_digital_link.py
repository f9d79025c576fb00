"""GS1 Digital Link URIs against the Syntax Engine and digital-link.js vectors, plus properties."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1.ai import Element, build_element_string, parse_bracketed
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.digital_link import (
    DEFAULT_STEM,
    DlOptions,
    build_digital_link,
    digital_link_to_element_string,
    element_string_to_digital_link,
    escape_path,
    escape_query,
    parse_digital_link,
    unescape,
)
from livetrace.gs1.errors import DigitalLinkError, Gs1Error
from livetrace.gs1.keys import with_check_digit

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"


def load(name: str) -> Any:
    return json.loads((ASSETS / name).read_text("utf-8"))


PARSE = load("dl_parse_uri.json")["cases"]
GENERATE = load("dl_generate_uri.json")["cases"]
ESCAPE = load("dl_uri_escape.json")
DLJS = load("digital-link.js_test_vectors.json")
LENIENT = DlOptions(permit_zero_suppressed_gtin=True, permit_convenience_alphas=True)

# digital-link.js follows the DL 1.1 grammar and differs from GS1's current engine on these.
DLJS_DIFFERENCES = {
    "https://dlnkd.tn.gg/ARHKVAdpQg": "compressed Digital Links are not supported",
    "https://example.com/01/01234565/": "a trailing '/' is rejected, as by GS1's syntax engine",
    "https://example.com/giai/0801234126": "digital-link.js rejects a GIAI the dictionary allows",
    "https://example.com/giai/0801234127": "digital-link.js rejects a GIAI the dictionary allows",
}


def _options(raw: dict[str, bool]) -> DlOptions:
    return DlOptions(
        permit_zero_suppressed_gtin=raw["permit_zero_suppressed_gtin_in_dl_uris"],
        permit_convenience_alphas=raw["permit_convenience_alphas"],
        permit_unknown_ais=raw["permit_unknown_ais"],
        validate_unknown_ai_not_dl_attr=raw["validate_unknown_ai_not_dl_attr"],
    )


@pytest.mark.parametrize("case", PARSE, ids=lambda c: c["uri"])
def test_parse_uri_vectors(case: dict[str, Any]) -> None:
    options = _options(case["options"])
    if case["ok"]:
        data = digital_link_to_element_string(case["uri"], separator="^", options=options)
        assert "^" + data == case["expect_element_string"]
    else:
        with pytest.raises(Gs1Error):
            parse_digital_link(case["uri"], options)


@pytest.mark.parametrize("case", GENERATE, ids=lambda c: c["bracketed_ai_data"])
def test_generate_uri_vectors(case: dict[str, Any]) -> None:
    options = _options(case["options"])
    elements = parse_bracketed(
        case["bracketed_ai_data"], permit_unknown_ais=options.permit_unknown_ais
    )
    stem = case["stem"] or DEFAULT_STEM
    if case["ok"]:
        assert build_digital_link(elements, stem=stem, options=options) == case["expect_uri"]
    else:
        with pytest.raises(Gs1Error):
            build_digital_link(elements, stem=stem, options=options)


@pytest.mark.parametrize("case", ESCAPE["unescape"], ids=lambda c: repr(c["in"]))
def test_unescape_vectors(case: dict[str, str]) -> None:
    assert unescape(case["in"]) == case["path_component"]
    assert unescape(case["in"], query=True) == case["query_component"]


@pytest.mark.parametrize("case", ESCAPE["escape"], ids=lambda c: repr(c["in"]))
def test_escape_vectors(case: dict[str, str]) -> None:
    assert escape_path(case["in"]) == case["path_component"]
    assert escape_query(case["in"]) == case["query_component"]


@pytest.mark.parametrize("case", DLJS["validity"], ids=lambda c: f"{c['check']}:{c['uri']}")
def test_digital_link_js_validity(case: dict[str, Any]) -> None:
    if case["uri"] in DLJS_DIFFERENCES:
        pytest.skip(DLJS_DIFFERENCES[case["uri"]])
    if case["expect"]:
        parse_digital_link(case["uri"], LENIENT)
    else:
        with pytest.raises(Gs1Error):
            parse_digital_link(case["uri"], LENIENT)


GRAMMAR_AIS = {"gtin": "01", "ser": "21", "cpv": "22"}


@pytest.mark.parametrize("case", DLJS["grammar_rules"], ids=lambda c: f"{c['rule']}:{c['value']}")
def test_digital_link_js_grammar_rules(case: dict[str, Any]) -> None:
    if case["rule"] == "extensionParameter":
        uri = f"https://example.com/01/09520123456788?{case['value']}"
    elif case["rule"] == "gtin":
        uri = f"https://example.com/01/{case['value']}"
    else:
        ai = GRAMMAR_AIS[case["rule"]]
        uri = f"https://example.com/01/09520123456788/{ai}/{case['value']}"
    if case["expect"]:
        parse_digital_link(uri, LENIENT)
    else:
        with pytest.raises(Gs1Error):
            parse_digital_link(uri, LENIENT)


def _expected_value(raw: str) -> str:
    """digital-link.js fixtures: 'DATA.domain' or a quoted literal."""
    return "https://gs1.evrythng.com" if raw == "DATA.domain" else raw.strip("'")


@pytest.mark.parametrize("case", DLJS["parse"], ids=lambda c: c["uri"])
def test_digital_link_js_parse(case: dict[str, Any]) -> None:
    if case["uri"].endswith("d"):
        with pytest.raises(Gs1Error):
            parse_digital_link(case["uri"], LENIENT)
        return
    link = parse_digital_link(case["uri"], LENIENT)
    qualifiers = dict(link.qualifiers)
    attributes = dict(link.attributes) | dict(link.other_params)
    for expect in case["expects"]:
        getter, arg, value = expect["getter"], expect["arg"], _expected_value(expect["value"])
        if getter == "getDomain":
            assert link.stem == value
        elif getter == "getIdentifier":
            # digital-link.js keeps the GTIN-13 as written; we normalise it to GTIN-14.
            assert link.primary_key == Element("01", "09780345418913")
        elif getter == "getKeyQualifier":
            assert qualifiers[arg] == value
        elif getter == "getAttribute":
            assert attributes[arg] == value
        elif getter == "getLinkType":
            assert dict(link.other_params)["linkType"] == value


def test_custom_stem_and_other_params_are_kept() -> None:
    uri = "https://brand.example.cn/qr/v1/01/09520123456788/10/ABC1/21/12345?17=180426&linkType=gs1:pip"
    link = parse_digital_link(uri)
    assert link.stem == "https://brand.example.cn/qr/v1"
    assert link.primary_key == Element("01", "09520123456788")
    assert link.qualifiers == (Element("10", "ABC1"), Element("21", "12345"))
    assert link.attributes == (Element("17", "180426"),)
    assert link.to_uri() == uri.replace("gs1:pip", "gs1%3Apip")


def test_errors_name_the_problem() -> None:
    with pytest.raises(DigitalLinkError, match=r"22,10,21 or 235"):
        parse_digital_link("https://id.gs1.org/01/09520123456788/21/1/10/2")
    with pytest.raises(DigitalLinkError, match="14 digits"):
        parse_digital_link("https://id.gs1.org/01/9520123456788")
    with pytest.raises(DigitalLinkError, match=r"must be in the path"):
        parse_digital_link("https://id.gs1.org/01/09520123456788?10=A")


def test_element_string_conversions() -> None:
    data = "010952012345678810ABC1\x1d2112345\x1d17180426"
    uri = element_string_to_digital_link(data)
    assert uri == "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426"
    assert digital_link_to_element_string(uri) == data


def _x(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=sorted(CSET82), min_size=1, max_size=max_size)


@st.composite
def gtin_links(draw: st.DrawFn) -> list[Element]:
    gtin = with_check_digit(draw(st.text(alphabet="0123456789", min_size=13, max_size=13)))
    elements = [Element("01", gtin)]
    for ai in draw(st.sets(st.sampled_from(["22", "10", "21"]))):
        elements.append(Element(ai, draw(_x(20))))
    if draw(st.booleans()):
        elements.append(Element("17", draw(st.dates()).strftime("%y%m%d")))
    if draw(st.booleans()):
        elements.append(Element("99", draw(_x(90))))
    return draw(st.permutations(elements))


STEMS = st.sampled_from(["https://id.gs1.org", "HTTPS://ID.EXAMPLE.CN", "http://a:8080/x/y"])


@given(gtin_links(), STEMS)
def test_build_parse_round_trip(elements: list[Element], stem: str) -> None:
    uri = build_digital_link(elements, stem=stem)
    link = parse_digital_link(uri)
    assert link.stem == stem
    assert sorted(link.elements()) == sorted(elements)
    assert link.to_uri() == uri
    element_string = build_element_string(link.elements())
    assert element_string_to_digital_link(element_string, stem=stem) == uri


@given(st.text(max_size=80))
def test_parser_raises_only_package_errors(text: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_digital_link(text)


@given(st.text(alphabet="/?&=%0123456789ABab+#.:", max_size=60))
def test_parser_raises_only_package_errors_on_near_misses(tail: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_digital_link("https://id.gs1.org/01/09520123456788" + tail, LENIENT)
