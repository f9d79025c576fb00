"""The demo's scan pages in Chromium, as a buyer's phone (420 px) and a desktop (1200 px) show them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser.conftest import DemoLive

pytestmark = pytest.mark.browser

# The widest right edge of any element on the page, to catch anything overflowing the screen.
RIGHTMOST = """() => Math.max(...[...document.querySelectorAll('main *')]
    .map(e => e.getBoundingClientRect().right))"""


@pytest.fixture
def browse(browser: Any, demo_live: DemoLive) -> Iterator[Any]:
    """A page of one fresh context (one device) opening demo cases; no outside request allowed."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def open_case(key: str, *, lang: str = "zh", width: int = 420) -> Any:
        page.set_viewport_size({"width": width, "height": 900})
        path = demo_live.cases[key].scan_path
        page.goto(demo_live.at(f"{path}{'&' if '?' in path else '?'}lang={lang}"))
        return page

    yield open_case
    context.close()
    assert requests and all(url.startswith(demo_live.url + "/") for url in requests), requests


@pytest.mark.parametrize("key", ["genuine", "recalled", "cloned", "forged", "diverted"])
@pytest.mark.parametrize(("lang", "width"), [("zh", 420), ("en", 420), ("zh", 1200), ("en", 1200)])
def test_nothing_overflows_the_screen(browse: Any, key: str, lang: str, width: int) -> None:
    page = browse(key, lang=lang, width=width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(RIGHTMOST) <= width + 0.5
    assert page.locator("#verdict").is_visible()


def test_papers_are_words_and_numbers_that_wrap(browse: Any) -> None:
    page = browse("genuine")
    waybills = page.locator("#waybills").inner_text()
    assert "运单 SD2611000417" in waybills and "urn:" not in waybills
    assert "采购订单 PO-XY-2611-031" in page.locator("#documents").inner_text()
    assert "urn:epcglobal" not in page.locator("main").inner_text()
    wrap = "getComputedStyle(document.querySelector('#waybills li')).overflowWrap"
    assert page.evaluate(wrap) == "anywhere"
    english = browse("genuine", lang="en")
    assert "Waybill SD2611000417" in english.locator("#waybills").inner_text()


def test_the_rice_page_labels_every_attribute_and_offers_no_scratch_off_form(browse: Any) -> None:
    page = browse("genuine")
    origin = page.locator("#origin").inner_text()
    assert "地块名称" in origin and "86 亩" in origin and "黑龙江省哈尔滨" in origin
    assert "plot name" not in origin and "area mu" not in origin
    assert page.locator("#production").inner_text().count("班次") == 1
    assert page.locator("#hidden-code").count() == 0
    assert page.locator("#location").count() == 1


def test_the_display_code_page_opens_the_scratch_off_form(browse: Any) -> None:
    page = browse("on-camera")
    assert page.locator("#verdict").get_attribute("data-verdict") == "caution"
    assert page.locator("#hidden-code input[name=hidden_code]").is_visible()
    assert browse("paired").locator("#hidden-code").count() == 1


def test_brand_links_are_marked_as_leaving_the_site(browse: Any) -> None:
    page = browse("genuine")
    links = page.locator("#follow a.button")
    assert links.count() == 2
    for i in range(2):
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer"
        assert "external" in str(links.nth(i).get_attribute("class"))
    assert "将离开本站" in page.locator("#follow .leaving").inner_text()


def test_the_cold_chain_draws_a_line_per_leg(browse: Any) -> None:
    page = browse("recalled", width=420)
    cold = page.locator("#cold-chain")
    assert cold.is_visible()
    assert cold.locator("svg.spark").count() == 2
    box = cold.locator("svg.spark").first.bounding_box()
    assert box is not None and 0 < box["width"] <= 420 and box["height"] > 10
    assert "17" in cold.locator("dd.count").inner_text()
    english = browse("recalled", lang="en")
    assert "Within the required range" in english.locator("#cold-chain").inner_text()
