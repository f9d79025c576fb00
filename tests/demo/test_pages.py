"""The landing page's "try it" section, followed link by link like a newcomer's browser would."""

from __future__ import annotations

from html import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo.catalogue import CASES, NFC_TAP_PATH, CaseLink, case_links
from livetrace.demo.loader import load_demo


@pytest.fixture
def links(
    sessions: sessionmaker[Session], settings: Settings, encryptor: KeyEncryptor
) -> list[CaseLink]:
    """The demo, committed to the test transaction (so the app sees it), and its case links."""
    with sessions() as session:
        load_demo(session, settings, encryptor)
        session.commit()
        return case_links(session, settings, encryptor)


def _json(client: TestClient, path: str) -> str:
    """The verdict the resolver gives for a scan link (NFC: after the tap's redirect)."""
    if path == NFC_TAP_PATH:
        tap = client.get(path, follow_redirects=False)
        assert tap.status_code == 303
        path = tap.headers["location"]
    response = client.get(path + ("&" if "?" in path else "?") + "format=json")
    assert response.status_code == 200, response.text
    verdict: str = response.json()["verdict"]
    return verdict


def test_the_home_page_lists_every_case_with_its_links(
    links: list[CaseLink], client: TestClient
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for link in links:
        assert f'data-case="{link.case.key}"' in page.text
        assert f'href="{escape(link.scan_path)}"' in page.text
        assert f'data-verdict="{link.case.verdict.value}"' in page.text
    paired = next(link for link in links if link.hidden_code)
    assert paired.hidden_code is not None and paired.hidden_code in page.text


def test_the_home_page_of_an_empty_database_has_no_cases(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="try"' not in page.text and "data-case=" not in page.text


def test_following_each_case_link_shows_the_promised_verdict_every_time(
    links: list[CaseLink], client: TestClient
) -> None:
    assert len(links) == len(CASES)
    for link in links:
        seen = [_json(client, link.scan_path) for _ in range(3)]
        assert seen == [link.case.verdict.value] * 3, link.case.key


def test_each_nfc_tap_is_a_fresh_one(links: list[CaseLink], client: TestClient) -> None:
    first = client.get(NFC_TAP_PATH, follow_redirects=False).headers["location"]
    assert _json(client, first) == "genuine"
    second = client.get(NFC_TAP_PATH, follow_redirects=False).headers["location"]
    assert second != first and "picc_data=" in second
    assert _json(client, first) == "suspect"  # the old link, opened again, is a replay
