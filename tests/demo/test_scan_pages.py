"""The demo's scan pages as a buyer reads them: words not keys, papers not URNs, cold chain."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import data
from livetrace.demo.catalogue import CaseLink, case_links
from livetrace.demo.loader import load_demo
from livetrace.demo.repository import DemoRepository
from livetrace.scans.journey import JourneyCache, JourneyService


@pytest.fixture
def cases(
    sessions: sessionmaker[Session], settings: Settings, encryptor: KeyEncryptor
) -> dict[str, CaseLink]:
    """The demo, committed to the test transaction, and its cases by key."""
    with sessions() as session:
        load_demo(session, settings, encryptor)
        session.commit()
        return {link.case.key: link for link in case_links(session, settings, encryptor)}


def section(html: str, name: str) -> str:
    """One `<section id=…>` of the page."""
    found = re.search(rf'<section[^>]*id="{name}".*?</section>', html, re.S)
    assert found is not None, name
    return found.group(0)


def visible(html: str) -> str:
    """The page's text, without tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


def page(client: TestClient, link: CaseLink, lang: str = "zh") -> str:
    response = client.get(f"{link.scan_path}&lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def test_the_genuine_rice_page_shows_papers_and_labels_in_words(
    cases: dict[str, CaseLink], client: TestClient
) -> None:
    html = page(client, cases["genuine"])
    text = visible(html)
    assert "urn:epcglobal" not in text  # only in title attributes, for the curious
    waybills = visible(section(html, "circulation"))
    assert "运单" in waybills and "SD2611000417" in waybills and "发货通知" in waybills
    documents = re.search(r'<ul class="docs" id="documents">.*?</ul>', html, re.S)
    assert documents is not None and "采购订单" in documents.group(0)
    assert "PO-XY-2611-031" in documents.group(0)
    waybill_list = re.search(r'<ul class="docs" id="waybills">.*?</ul>', html, re.S)
    assert waybill_list is not None and "PO-XY" not in waybill_list.group(0)
    origin = visible(section(html, "origin"))
    for shown in ("地块名称", "地块面积", "86 亩", "所在地区", "黑龙江省哈尔滨"):
        assert shown in origin, shown
    for raw in ("plot name", "area mu", "region code", "plot_name", "230184"):
        assert raw not in text, raw
    production = visible(section(html, "production"))
    assert production.count("班次") == 1 and production.count("早班") == 1
    assert production.count("MILL-1") == 1 and "产线" not in production
    assert 'id="hidden-code"' not in html  # the rice run has no hidden codes
    assert 'id="cold-chain"' not in html  # no sensor readings on rice
    english = visible(page(client, cases["genuine"], "en"))
    for shown in ("Plot name", "86 mu", "Harbin, Heilongjiang", "Purchase order", "Waybill"):
        assert shown in english, shown


def test_brand_links_leave_the_site_visibly_and_without_a_referrer(
    cases: dict[str, CaseLink], client: TestClient
) -> None:
    follow = section(page(client, cases["genuine"]), "follow")
    links = re.findall(r"<a [^>]*>", follow)
    assert len(links) == 2
    for tag in links:
        assert 'rel="noopener noreferrer"' in tag and "https://jinhe-rice.example/" in tag
    assert "将离开本站" in follow and "jinhe-rice.example" in follow
    assert "暂未开通" not in follow
    linkset = client.get(f"{cases['genuine'].scan_path}&linkType=all").json()
    anchor = next(iter(linkset["linkset"]))
    assert "https://gs1.org/voc/loyaltyProgram" in anchor
    assert "https://gs1.org/voc/promotion" in anchor


def test_only_paired_runs_offer_the_scratch_off_form(
    cases: dict[str, CaseLink], client: TestClient
) -> None:
    assert 'id="hidden-code"' in page(client, cases["paired"])
    assert 'id="hidden-code"' in page(client, cases["on-camera"])
    for key in ("genuine", "recalled", "diverted", "cloned"):
        assert 'id="hidden-code"' not in page(client, cases[key]), key


def test_the_recalled_milk_shows_its_cold_chain_per_leg(
    cases: dict[str, CaseLink], client: TestClient
) -> None:
    html = page(client, cases["recalled"])
    cold = section(html, "cold-chain")
    assert cold.count('<article class="leg"') == 2
    assert cold.count('<svg class="spark"') == 2 and "<polyline" in cold
    assert '<dd class="count">17</dd>' in cold
    assert "3.2 / 5.1 ℃" in cold and '<dd class="range">2–6 ℃</dd>' in cold
    assert "全程在要求范围内" in cold and 'data-excursions="0"' in cold
    assert "Within the required range" in page(client, cases["recalled"], "en")


def test_a_journey_takes_transactions_and_sensor_data_from_the_events_its_trace_read(
    cases: dict[str, CaseLink], session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    serial = DemoRepository(session).serials(data.MILK_RUN)[0]
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        svc = JourneyService(session, settings, encryptor, cache=JourneyCache())
        journey = svc.journey(data.MILK_GTIN, data.MILK_LOT, serial)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert journey is not None and journey.cold_chain is not None
    assert len(journey.cold_chain.legs) == 2 and journey.cold_chain.count == 17
    assert [t.number for t in journey.waybills][:2] == ["SD2611000688", "SD2611000702"]
    sensor_reads = [s for s in seen if "epcis_sensor_report" in s]
    assert sensor_reads == []  # the events carrying the readings were read by the trace
    assert len(seen) < 60, len(seen)
