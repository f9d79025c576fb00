"""The scan page in Chromium: every verdict, the in-browser proof check, zh/en, and no JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser.conftest import Live
from factories.resolver import GROWER, PRODUCT_NAME, RECALL_REASON

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any, live: Live) -> Iterator[Any]:
    """A fresh context (its own cookies); any dialog or outside request fails the test."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    yield page
    context.close()
    assert dialogs == [], f"stored text ran as script: {dialogs}"
    assert requests and all(url.startswith(live.url + "/") for url in requests), requests


def verdict_of(page: Any) -> str:
    return str(page.locator("#verdict").get_attribute("data-verdict"))


def test_a_genuine_code(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.genuine))
    assert verdict_of(page) == "genuine"
    banner = "getComputedStyle(document.getElementById('verdict')).backgroundColor"
    assert page.evaluate(banner) == "rgb(27, 127, 59)"  # scan.css loaded and applied
    assert page.evaluate("document.scripts.length") == 1
    assert page.locator("#verdict h1").inner_text() == "正品"
    assert page.locator("#first-scan").is_visible()
    assert page.locator("#product .name").inner_text() == PRODUCT_NAME  # shown as text, not run
    assert GROWER in page.locator("#origin").inner_text()
    assert "WC-007" in page.locator("#origin").inner_text()
    assert "mill-1" in page.locator("#production").inner_text()
    assert page.locator("#journey li").count() >= 2
    assert page.locator("#follow").is_visible()


def test_a_forged_code(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.forged))
    assert verdict_of(page) == "counterfeit"
    assert "疑似假冒" in page.locator("#verdict h1").inner_text()
    assert page.locator("#origin").count() == 0 and page.locator("#proof").count() == 0


def test_a_recalled_code(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.recalled))
    assert verdict_of(page) == "recalled"
    notice = page.locator("#recall")
    assert notice.is_visible() and RECALL_REASON in notice.inner_text()
    assert live.world.recall_number in notice.inner_text()


def test_a_cloned_code(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.cloned))
    assert verdict_of(page) == "suspect"
    assert "疑似仿冒" in page.locator("#verdict h1").inner_text()
    assert page.locator(".reasons li").count() >= 1


def _check(article: Any) -> str:
    article.locator("button.check").click()
    result = article.locator("output.result")
    result.locator("xpath=.").wait_for()
    article.page.wait_for_function(
        "el => el.hasAttribute('data-state')", arg=result.element_handle()
    )
    return str(result.get_attribute("data-state"))


def test_the_proof_check_passes_and_fails_when_tampered(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.untraced.replace("?", "?lang=en&", 1)))  # no proofs there
    assert page.locator("article.proof").count() == 0
    page.goto(live.at(live.world.genuine))
    articles = page.locator("article.proof[data-included=yes]")
    assert articles.count() >= 1
    for n in range(articles.count()):
        assert _check(articles.nth(n)) == "pass"
    first = articles.nth(0)
    assert "通过" in first.locator("output.result").inner_text()
    # alter one character of the signed statement shown on the page, then check again
    first.locator(".entry").evaluate(
        "el => { el.textContent = el.textContent.replace('\"kind\"', '\"kinD\"'); }"
    )
    assert _check(first) == "fail"
    assert "失败" in first.locator("output.result").inner_text()


def test_a_tampered_proof_served_by_the_network_fails(page: Any, live: Live) -> None:
    def tamper(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        start = body.index('<ol class="path"><li><code>') + len('<ol class="path"><li><code>')
        flipped = "A" if body[start] != "A" else "B"
        route.fulfill(response=response, body=body[:start] + flipped + body[start + 1 :])

    page.route(lambda url: "/01/" in url, tamper)
    page.goto(live.at(live.world.genuine))
    assert _check(page.locator("article.proof[data-included=yes]").nth(0)) == "fail"


def test_english_and_the_language_switch(page: Any, live: Live) -> None:
    page.goto(live.at(live.world.second + "&lang=en"))  # a code no other test scans
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#verdict h1").inner_text() == "Genuine"
    assert page.locator("#origin h2").inner_text() == "Origin"
    page.locator("a.lang").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#verdict h1").inner_text() == "正品"


def _scans(page: Any) -> int:
    return int(page.locator(".counts").inner_text().split(":", 1)[1].split("·")[0])


def test_the_page_works_without_javascript(browser: Any, live: Live) -> None:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(live.at(live.world.genuine))
        assert verdict_of(page) in ("genuine", "caution")
        assert page.locator("#origin").is_visible() and page.locator("#proof").is_visible()
        assert page.locator("button.check").first.is_hidden()  # only the script reveals it
        assert page.locator("a.download").first.get_attribute("href")
        before = _scans(page)
        assert page.locator("#hidden-code").count() == 0  # an unpaired run has no hidden code
        page.locator("#location summary").click()
        page.locator("form.location select").select_option("230100")
        page.locator("form.location button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#verdict").is_visible()
        assert _scans(page) == before + 1  # the form was one more scan, with its place
    finally:
        context.close()
