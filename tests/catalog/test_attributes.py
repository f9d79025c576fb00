"""Template attribute specs and value validation (pure)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.catalog.attributes import (
    AttributeSpec,
    AttrType,
    Level,
    TemplateSpec,
    validate_values,
)
from livetrace.catalog.builtin import BUILTIN_TEMPLATES, RICE
from livetrace.catalog.errors import InvalidCatalogDataError, MissingAttributeError

LOT_OK: dict[str, Any] = {
    "plot_code": "A07",
    "plot_coordinates": {"lat": 44.9, "lon": 127.1},
    "grower": "王",
    "harvest_date": "2026-10-02",
    "paddy_lot": "P1",
}


def test_builtin_templates_cover_three_layers_and_required_trace_data() -> None:
    codes = {t.code for t in BUILTIN_TEMPLATES}
    assert codes == {"rice", "dairy", "cosmetics", "apparel", "tea"}
    for t in BUILTIN_TEMPLATES:
        assert {a.layer for a in t.attributes} == {"origin", "production", "circulation"}
        trace_required = {a.key for a in t.attributes if a.level is Level.TRACE and a.required}
        assert "waybill_no" in trace_required


def test_valid_lot_values_pass_and_are_normalised() -> None:
    out = validate_values(
        RICE.attributes, Level.LOT, LOT_OK | {"plot_coordinates": {"lat": 44, "lon": 127}}
    )
    assert out["plot_coordinates"] == {"lat": 44.0, "lon": 127.0}


def test_missing_required_attribute_names_the_field() -> None:
    values = {k: v for k, v in LOT_OK.items() if k != "grower"}
    with pytest.raises(MissingAttributeError) as info:
        validate_values(RICE.attributes, Level.LOT, values)
    assert info.value.field == "attributes.grower"
    assert info.value.details["missing"] == ["grower"]


def test_blank_string_counts_as_missing() -> None:
    with pytest.raises(MissingAttributeError):
        validate_values(RICE.attributes, Level.LOT, LOT_OK | {"grower": "  "})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("harvest_date", "2026-13-01", "ISO date"),
        ("plot_coordinates", {"lat": 95, "lon": 1}, "out of range"),
        ("plot_coordinates", [44, 127], "lat"),
        ("grower", 12, "string"),
        ("colour", "red", "unknown lot attribute"),
    ],
)
def test_wrong_types_and_unknown_keys_are_refused(key: str, value: object, message: str) -> None:
    with pytest.raises(InvalidCatalogDataError, match=message) as info:
        validate_values(RICE.attributes, Level.LOT, LOT_OK | {key: value})
    assert info.value.field == f"attributes.{key}"


def test_choice_values_must_be_listed() -> None:
    with pytest.raises(InvalidCatalogDataError, match="not one of"):
        validate_values(RICE.attributes, Level.PRODUCT, {"variety": "x", "grade": "特级"})


def test_template_spec_rejects_repeated_keys_and_bad_names() -> None:
    a = {"key": "k", "label": "K", "layer": "origin", "level": "lot", "type": "string"}
    with pytest.raises(ValueError, match="repeat"):
        TemplateSpec(code="x1", name="X", attributes=[AttributeSpec(**a), AttributeSpec(**a)])
    with pytest.raises(ValueError, match="snake_case"):
        AttributeSpec(**(a | {"key": "Bad Key"}))


@given(st.dictionaries(st.text(min_size=1, max_size=10), st.integers(), max_size=4))
def test_validation_only_raises_domain_errors(values: dict[str, int]) -> None:
    with contextlib.suppress(InvalidCatalogDataError):
        validate_values(RICE.attributes, Level.LOT, values)


def test_every_builtin_template_offers_optional_follow_and_coupon_links() -> None:
    for t in BUILTIN_TEMPLATES:
        links = {a.key: a for a in t.attributes if a.type is AttrType.URL}
        assert set(links) == {"follow_url", "coupon_url"}, t.code
        for spec in links.values():
            assert spec.level is Level.PRODUCT and not spec.required
            assert spec.label and spec.label_zh


@pytest.mark.parametrize(
    "url",
    ["https://brand.example/follow", "https://shop.example.cn/c?id=1&from=scan"],
)
def test_link_attributes_take_https_urls(url: str) -> None:
    out = validate_values(
        RICE.attributes, Level.PRODUCT, {"variety": "稻花香2号", "coupon_url": url}
    )
    assert out["coupon_url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "http://brand.example/follow",  # not https
        "javascript:alert(1)",
        "https://",  # no host
        "//brand.example/follow",
        "https://brand.example/a b",
        "https://brand.example/" + "x" * 500,
        42,
    ],
)
def test_link_attributes_refuse_anything_else(url: object) -> None:
    with pytest.raises(InvalidCatalogDataError) as caught:
        validate_values(RICE.attributes, Level.PRODUCT, {"variety": "稻花香2号", "follow_url": url})
    assert caught.value.field == "attributes.follow_url"
