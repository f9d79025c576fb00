"""GS1 linksets: validated against the resolver standard's linkset schema and its rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.kit.errors import ValidationError
from livetrace.scans.linkset import (
    GS1_VOC,
    LINK_TYPES,
    Link,
    Linkset,
    LinkTypeError,
    LinkTypeNotFoundError,
    link_header,
    parse_link_type,
)

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "assets" / "linkset" / "gs1-linkset-schema.json").read_text()
)
ANCHOR = "https://id.example.cn/01/06970002000011/10/L2026A/21/K7RM9WQ3TXHBZ"


def conformance_errors(document: dict[str, Any]) -> list[str]:
    """Everything in `document` that breaks the schema or the resolver standard's rules."""
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = [f"schema: {e.message}" for e in validator.iter_errors(document)]
    for context in document.get("linkset", []):
        if len(context.get(GS1_VOC + "defaultLink", [])) != 1:
            errors.append("not exactly one gs1:defaultLink")
        for key in context:
            if key in ("anchor", "description", "itemDescription"):
                continue
            if not key.startswith(GS1_VOC) or key.removeprefix(GS1_VOC) not in LINK_TYPES:
                errors.append(f"{key} is not a GS1 link type URI")
    return errors


def item_links() -> tuple[Link, ...]:
    page = f"{ANCHOR}?auth=1.0123456789ABCDEF0123"
    return (
        Link("pip", f"{page}&lang=zh", "产品信息 Product page", hreflang=("zh",)),
        Link("pip", f"{page}&lang=en", "Product page", hreflang=("en",)),
        Link("verificationService", f"{page}&format=json", "Verdict", "application/json"),
        Link("recallStatus", f"{page}#recall", "Recall status", hreflang=("zh", "en")),
    )


def test_an_item_linkset_conforms() -> None:
    document = Linkset(ANCHOR, item_links(), description="五常大米 <5kg>").to_json()
    assert conformance_errors(document) == []
    context = document["linkset"][0]
    assert context["anchor"] == ANCHOR
    assert context["description"] == "五常大米 <5kg>"
    assert [x["hreflang"] for x in context[GS1_VOC + "pip"]] == [["zh"], ["en"]]
    assert context[GS1_VOC + "defaultLink"] == [context[GS1_VOC + "pip"][0]]
    assert context[GS1_VOC + "verificationService"][0]["type"] == "application/json"


def test_the_checks_catch_what_the_standard_forbids() -> None:
    good = Linkset(ANCHOR, item_links()).to_json()
    context = good["linkset"][0]
    broken = [
        {"linkset": [{**context, GS1_VOC + "defaultLink": []}]},
        {"linkset": [{**context, "gs1:pip": context[GS1_VOC + "pip"]}]},
        {"linkset": [{**context, GS1_VOC + "pip": [{"href": "/relative", "title": "x"}]}]},
        {"linkset": [{**context, GS1_VOC + "pip": [{"href": ANCHOR}]}]},
        {"linkset": [{**context, GS1_VOC + "pip": [{"href": ANCHOR, "title": "x", "lang": "zh"}]}]},
        {
            "linkset": [
                {
                    **context,
                    GS1_VOC + "pip": [{"href": ANCHOR, "title": "x", "hreflang": ["zh-Hans-CN"]}],
                }
            ]
        },
        {"linkset": [{k: v for k, v in context.items() if k != "anchor"}]},
        {"linkset": [{**context, GS1_VOC + "notAType": context[GS1_VOC + "pip"]}]},
    ]
    for document in broken:
        assert conformance_errors(document), document


def test_selection_prefers_the_asked_language_and_falls_back() -> None:
    linkset = Linkset(ANCHOR, item_links())
    assert linkset.select("pip", "en").hreflang == ("en",)
    assert linkset.select("pip", "en-GB").hreflang == ("en",)
    assert linkset.select("pip", "fr").hreflang == ("zh",)
    assert linkset.default(None).hreflang == ("zh",)
    assert linkset.select("defaultLink", "en").hreflang == ("en",)


def test_a_missing_link_type_is_not_found_and_lists_what_exists() -> None:
    with pytest.raises(LinkTypeNotFoundError) as failure:
        Linkset(ANCHOR, item_links()).select("certificationInfo", None)
    assert "gs1:pip" in failure.value.details["available"]


def test_linksets_refuse_bad_construction() -> None:
    with pytest.raises(LinkTypeError, match="not GS1 link types"):
        Linkset(ANCHOR, (Link("pip", ANCHOR, "x"), Link("madeUp", ANCHOR, "y")))
    with pytest.raises(LinkTypeError, match="default link type"):
        Linkset(ANCHOR, (Link("traceability", ANCHOR, "x"),))
    with pytest.raises(ValidationError, match="anchor"):
        Linkset(ANCHOR + "?auth=1.x", item_links())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("gs1:pip", "pip"),
        ("https://gs1.org/voc/verificationService", "verificationService"),
        ("http://gs1.org/voc/recallStatus", "recallStatus"),
        ("https://ref.gs1.org/voc/traceability", "traceability"),
        (" gs1:certificationInfo ", "certificationInfo"),
        ("all", "all"),
        ("linkset", "all"),
    ],
)
def test_link_types_are_read_as_curies_or_uris(given: str, expected: str) -> None:
    assert parse_link_type(given) == expected


@pytest.mark.parametrize(
    "given", ["pip", "gs1:", "gs1:madeUp", "schema:Product", "ALL", "<script>"]
)
def test_unknown_link_types_are_refused(given: str) -> None:
    with pytest.raises(LinkTypeError, match="not a GS1 link type"):
        parse_link_type(given)


@given(st.text(max_size=60))
def test_parse_link_type_only_ever_answers_a_known_type_or_refuses(text: str) -> None:
    try:
        name = parse_link_type(text)
    except LinkTypeError:
        return
    assert name == "all" or name in LINK_TYPES


@given(
    st.lists(st.sampled_from(sorted(LINK_TYPES - {"defaultLink", "defaultLinkMulti"})), min_size=1),
    st.lists(st.sampled_from(["zh", "en", "zh-CN", "en-GB"]), max_size=2, unique=True),
)
def test_every_buildable_linkset_conforms(types: list[str], langs: list[str]) -> None:
    links = tuple(Link(t, f"{ANCHOR}?linkType=gs1:{t}", t, hreflang=tuple(langs)) for t in types)
    assert conformance_errors(Linkset(ANCHOR, links, default_type=types[0]).to_json()) == []


def test_the_link_header_points_to_the_linkset() -> None:
    header = link_header(f"{ANCHOR}?linkType=all", ANCHOR)
    assert f'<{ANCHOR}?linkType=all>; rel="linkset"; type="application/linkset+json"' in header
    assert f'<{ANCHOR}>; rel="owl:sameAs"' in header
