"""Console pages for scans: alerts, heat by region (SVG), per-code history; escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories.scans import (
    GUANGZHOU,
    HARBIN,
    Issued,
    commission_and_ship,
    issue_codes,
    make_destination,
    scan,
    scan_service,
)
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.scans.models import ScanRecord
from livetrace.scans.reads import RegionHeat
from livetrace.web.scan_console import BAR_WIDTH, LABEL_WIDTH, bars

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def scanned(session: Session, encryptor: KeyEncryptor, settings: Settings) -> Issued:
    """Codes shipped to Heilongjiang, scanned there, in Guangzhou (a diversion) and forged."""
    issued = issue_codes(session, encryptor)
    to = make_destination(session, encryptor, "230184")
    commission_and_ship(session, encryptor, issued, issued.codes[:2], to=to)
    svc = scan_service(session, settings)
    scan(svc, issued.links[0], where=HARBIN)
    scan(svc, issued.links[1], where=GUANGZHOU)
    scan(svc, issued.links[1], device="d2", where=GUANGZHOU, minutes=5)
    scan(svc, issued.links[0] + "F")
    session.commit()
    return issued


def no_outside_assets(html: str) -> None:
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url


def test_alerts_page_lists_and_filters(client: TestClient, scanned: Issued) -> None:
    page = client.get("/console/scans/alerts")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "diversion" in page.text and scanned.codes[1].gtin in page.text
    assert f"<td>{scanned.catalog.brand.name}</td>" in page.text
    assert f'href="/console/scans/codes/{scanned.codes[1].id}"' in page.text
    no_outside_assets(page.text)
    travel_only = client.get("/console/scans/alerts", params={"kind": "travel"}).text
    assert "没有预警 No alerts" in travel_only
    closed = client.get("/console/scans/alerts", params={"status": "closed"}).text
    assert "没有预警 No alerts" in closed
    bad = client.get("/console/scans/alerts", params={"kind": "<b>x</b>"})
    assert bad.status_code == 200 and "<b>x</b>" not in bad.text
    assert "kind must be one of" in bad.text


def test_heat_page_draws_an_svg_bar_per_region(client: TestClient, scanned: Issued) -> None:
    page = client.get("/console/scans/heat")
    assert page.status_code == 200
    no_outside_assets(page.text)
    svg_text = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg_text is not None
    svg = ET.fromstring(svg_text.group(0))  # well-formed SVG
    labels = [t.text for t in svg.iter(f"{SVG_NS}text")]
    assert "广州 Guangzhou" in labels and "哈尔滨 Harbin" in labels
    titles = [t.text for t in svg.iter(f"{SVG_NS}title")]
    assert "广州 Guangzhou · genuine 2" in titles
    assert "<td>440100</td>" in page.text and "广东省" in page.text
    assert client.get("/console/scans/heat", params={"period": "day"}).status_code == 200


def test_bars_scale_to_the_busiest_region() -> None:
    heat = [
        RegionHeat("440100", "广州", "Guangzhou", "广东省", 4, {"genuine": 3, "suspect": 1}),
        RegionHeat("230100", "哈尔滨", "Harbin", "黑龙江省", 2, {"counterfeit": 2}),
        RegionHeat(None, None, None, None, 1, {"counterfeit": 1}),
    ]
    chart = bars(heat)
    first = chart[0].segments
    assert [s.verdict for s in first] == ["genuine", "suspect"]
    assert first[0].x == LABEL_WIDTH and first[0].width == pytest.approx(BAR_WIDTH * 3 / 4, 0.1)
    assert first[1].x == pytest.approx(LABEL_WIDTH + BAR_WIDTH * 3 / 4, 0.1)
    assert chart[1].segments[0].width == pytest.approx(BAR_WIDTH / 2, 0.1)
    assert [b.label for b in chart] == ["广州 Guangzhou", "哈尔滨 Harbin", "未知 unknown"]
    assert [b.y for b in chart] == [0, 26, 52]
    assert bars([]) == []


def test_history_page_by_id_and_by_link(
    client: TestClient, session: Session, scanned: Issued
) -> None:
    by_id = client.get(f"/console/scans/codes/{scanned.codes[1].id}")
    assert by_id.status_code == 200 and "2 次扫码" in by_id.text
    assert "diversion.outside_region" in by_id.text
    by_link = client.get("/console/scans/history", params={"code": scanned.links[1]})
    assert "2 次扫码" in by_link.text
    form = client.get("/console/scans/history")
    assert form.status_code == 200 and "次扫码" not in form.text
    missing = client.get("/console/scans/history", params={"code": "nothing-here"})
    assert "no code matches" in missing.text
    no_outside_assets(by_id.text)


def test_stored_text_is_escaped_on_every_page(
    client: TestClient, session: Session, scanned: Issued
) -> None:
    row = session.query(ScanRecord).filter(ScanRecord.code_id == scanned.codes[0].id).one()
    row.city = "<img src=x onerror=alert(1)>"
    row.reasons = ["<script>alert(1)</script>"]
    session.commit()
    page = client.get(f"/console/scans/codes/{scanned.codes[0].id}").text
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
