"""Shaping trace data for buyers: labelled facts, readable transactions, places and units."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livetrace.scans import labels
from livetrace.scans.resolver_views import (
    SHIPPING_STEPS,
    Step,
    fact,
    transaction_of,
    transactions_of,
)

BT = "urn:epcglobal:cbv:bt:6970008000019:PO-XY-2611-031"


def test_a_cbv_transaction_shows_its_type_in_words_and_its_number() -> None:
    order = transaction_of(BT, "po")
    assert order.number == "PO-XY-2611-031" and order.raw == BT
    assert (order.label("zh"), order.label("en")) == ("采购订单", "Purchase order")
    assert not order.waybill
    waybill = transaction_of("urn:epcglobal:cbv:bt:6970007000010:SD2611000417", "bol")
    assert waybill.waybill and waybill.label("zh") == "运单" and waybill.label("en") == "Waybill"
    advice = transaction_of("urn:epcglobal:cbv:bt:6970002000011:DA-JH-0417", "desadv")
    assert advice.waybill and advice.label("zh") == "发货通知"
    # CBV types may be written as full vocabulary URIs.
    assert (
        transaction_of("x", "https://ref.gs1.org/cbv/BTT-recadv").label("en") == "Receiving advice"
    )
    # Anything that is not a CBV URN is shown as written, typed in generic words.
    other = transaction_of("https://orders.example/4711", None)
    assert other.number == "https://orders.example/4711" and other.label("en") == "Document"


@pytest.mark.parametrize("kind", sorted(labels.TRANSACTION_TYPES))
def test_every_cbv_transaction_type_has_words_in_both_languages(kind: str) -> None:
    zh, en = labels.transaction_type(kind)
    assert zh and en and zh != kind and en != kind


def _step(step: str, *txs: tuple[str, str | None]) -> Step:
    return Step(
        time=datetime(2026, 11, 1, tzinfo=UTC), step=step, subject="s", party=None, place=None,
        region=None, transactions=tuple(transaction_of(r, k) for r, k in txs), event_id=step,
    )  # fmt: skip


def test_waybills_list_only_consignment_papers_and_orders_go_apart() -> None:
    bol = "urn:epcglobal:cbv:bt:6970007000010:SD1"
    steps = [
        _step("shipping", (BT, "po"), (bol, "bol")),
        _step("receiving", (BT, "po"), (bol, "bol")),
        _step("retail_selling", ("urn:epcglobal:cbv:bt:6970008000019:ZB-1", "po")),
        _step("shipping", ("SH-9", None)),  # untyped on a shipping step: the consignment's paper
        _step("inspecting", ("T-1", None)),
    ]
    waybills, documents = transactions_of(steps)
    assert [t.number for t in waybills] == ["SD1", "SH-9"]
    assert [t.number for t in documents] == ["PO-XY-2611-031", "ZB-1", "T-1"]
    assert "shipping" in SHIPPING_STEPS


def test_template_labels_win_and_event_keys_get_the_pages_own() -> None:
    spec = {"label": "Grower", "label_zh": "种植户"}
    assert fact("grower", "王建国", spec).label("zh") == "种植户"
    for key, zh, en in [("plot_name", "地块名称", "Plot name"), ("area_mu", "地块面积", "Plot area"),
                        ("region_code", "所在地区", "Region")]:  # fmt: skip
        f = fact(key, "x", None)
        assert (f.label("zh"), f.label("en")) == (zh, en)
    area = fact("area_mu", 86, None)
    assert (area.text("zh"), area.text("en")) == ("86 亩", "86 mu")
    cold = fact("storage_max_c", 6, {"label": "Storage maximum", "label_zh": "储存最高温度",
                                     "unit": "Cel"})  # fmt: skip
    assert (cold.text("zh"), cold.text("en")) == ("6℃", "6°C")
    assert fact("milling_yield", 0.65, None).text("en") == "65%"
    unknown = fact("some_new_key", "v", None)
    assert unknown.label("en") == "Some new key" and unknown.label("zh") == "Some new key"


def test_region_codes_read_as_place_names() -> None:
    wuchang = fact("region_code", "230184", None)  # a county-level city of Harbin
    assert (wuchang.text("zh"), wuchang.text("en")) == ("黑龙江省哈尔滨", "Harbin, Heilongjiang")
    assert fact("region_code", "110105", None).text("en") == "Beijing"
    # A code outside the city table still names its province.
    assert labels.region_name("659001") == ("新疆维吾尔自治区", "Xinjiang")
    assert fact("region_code", "990000", None).text("zh") == "990000"  # no such province


def test_booleans_choices_and_coordinates_read_naturally() -> None:
    yes = fact("pesticide_test_passed", True, {"label": "Passed", "type": "boolean"})
    assert (yes.text("zh"), yes.text("en")) == ("是", "yes")
    heat = fact("pasteurisation", "pasteurised", {"label": "Heat", "type": "choice"})
    assert (heat.text("zh"), heat.text("en")) == ("巴氏杀菌", "pasteurised")
    plot = fact("plot_coordinates", {"lat": 44.9412, "lon": 127.1803}, None)
    assert plot.text("en") == "44.9412°N 127.1803°E"
