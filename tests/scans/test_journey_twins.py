"""Twin journeys: items with the same trace footprint share one traced journey.

Every demo item's page is built twice, once through a cache that hands out twins and once from
scratch, and the two must be equal: a footprint that missed something an item has of its own
(a sale, a case, a recall of that item alone) would show one buyer another item's journey.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.service import keyring_for
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo.loader import load_demo
from livetrace.identity.policy import SYSTEM
from livetrace.scans.journey import JourneyCache, JourneyService
from livetrace.scans.resolver_views import Journey
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin
from livetrace.trace.service import TraceService


def _codes(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(ItemCode.gtin, ItemCode.lot, ItemCode.serial)
        .join(CodeRun, CodeRun.id == ItemCode.run_id)
        .where(ItemCode.serial.is_not(None))
        .order_by(ItemCode.gtin, ItemCode.lot, ItemCode.serial)
    )
    return [(g, lot, s) for g, lot, s in rows if s is not None]


def _twins(cache: JourneyCache) -> int:
    return sum(1 for key in cache._items if key[0] == "twin")


def _fresh(session: Session, settings: Settings, encryptor: KeyEncryptor,
           code: tuple[str, str, str]) -> Journey | None:  # fmt: skip
    return JourneyService(session, settings, encryptor, cache=None).journey(*code)


def test_every_demo_item_gets_the_journey_built_for_it(
    session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    load_demo(session, settings, encryptor)
    cache = JourneyCache(max_entries=100_000)
    shared = JourneyService(session, settings, encryptor, cache=cache)
    codes = _codes(session)
    traced = 0
    for code in codes:
        twin = shared.journey(*code)
        assert twin == _fresh(session, settings, encryptor, code), code
        traced += twin is not None and twin.traced
    assert traced >= 10  # the demo's bags, bottles and jars with events
    assert 0 < _twins(cache) < traced  # some items were answered from a twin


def test_a_twin_is_the_other_items_journey_with_its_own_id(
    session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    load_demo(session, settings, encryptor)
    tracer = TraceService(session)
    by_footprint: dict[object, list[tuple[str, str, str]]] = {}
    for code in _codes(session):
        key = f"https://id.gs1.org/01/{code[0]}/21/{code[2]}"
        footprint = TraceService(session).footprint(key)
        if footprint is not None:
            by_footprint.setdefault(footprint, []).append(code)
    pairs = [codes for codes in by_footprint.values() if len(codes) > 1]
    assert pairs, "the demo packs several items alike"
    first, second = pairs[0][:2]
    one = _fresh(session, settings, encryptor, first)
    other = _fresh(session, settings, encryptor, second)
    assert one is not None and other is not None
    assert one != other and one.serial != other.serial
    steps = tuple(replace(s, subject=one.key) if s.subject == other.key else s
                  for s in other.timeline)  # fmt: skip
    assert replace(other, key=one.key, serial=one.serial, timeline=steps) == one
    assert tracer.footprint(f"https://id.gs1.org/01/{first[0]}") is None  # not an item


def test_a_recall_of_one_item_is_not_lent_to_its_twin(
    session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    load_demo(session, settings, encryptor)
    groups: dict[object, list[tuple[str, str, str]]] = {}
    for code in _codes(session):
        footprint = TraceService(session).footprint(f"https://id.gs1.org/01/{code[0]}/21/{code[2]}")
        if footprint is not None:
            groups.setdefault(footprint, []).append(code)
    first, second = next(codes for codes in groups.values() if len(codes) > 1)[:2]
    brand = session.execute(
        select(CodeRun.brand_party_id).join(ItemCode, ItemCode.run_id == CodeRun.id)
        .where(ItemCode.serial == first[2])
    ).scalar_one()  # fmt: skip
    RecallService(session, encryptor, settings.log_origin).open(SYSTEM, brand, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.ITEM, id=f"https://id.gs1.org/01/{first[0]}/21/{first[2]}"),
        reason="包装破损 damaged pack"))  # fmt: skip
    cache = JourneyCache()
    shared = JourneyService(session, settings, encryptor, cache=cache)
    recalled = shared.journey(*first)
    twin = shared.journey(*second)
    assert recalled is not None and recalled.recall is not None
    assert twin is not None and twin.recall is None
    assert twin == _fresh(session, settings, encryptor, second)


def test_twin_pages_share_their_sections_but_link_their_own_proofs(
    client: TestClient, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    load_demo(session, settings, encryptor)
    session.commit()
    groups: dict[object, list[tuple[str, str, str]]] = {}
    for code in _codes(session):
        footprint = TraceService(session).footprint(f"https://id.gs1.org/01/{code[0]}/21/{code[2]}")
        if footprint is not None:
            groups.setdefault(footprint, []).append(code)
    pair = next(codes for codes in groups.values() if len(codes) > 1)[:2]
    other = next(codes[0] for codes in groups.values()
                 if codes[0][0] == pair[0][0] and pair[0] not in codes)  # fmt: skip
    keyring = keyring_for(settings)
    pages = []
    for gtin, lot, serial in [*pair, other]:
        signer = keyring.signer(gtin, lot)
        link = signer.links(signer.link_prefix(settings.base_url), [serial],
                            signer.tags([serial]))[0]  # fmt: skip
        parts = urlsplit(link)
        pages.append(
            client.get(f"{parts.path}?{parts.query}", headers={"Accept": "text/html"}).text
        )
    sections = []
    for page, (_, _, serial) in zip(pages, [*pair, other], strict=True):
        proofs = re.findall(r'class="download" href="([^"]+)"', page)
        assert proofs and all(f"/21/{serial}?" in unescape(href) for href in proofs)
        shared = page[page.index('id="origin"') : page.index('id="follow"')]
        sections.append(re.sub(r'class="download" href="[^"]+"', "", shared))
    assert sections[0] == sections[1]
    assert sections[2] != sections[0]  # the same product traced otherwise: its own sections
    assert pair[0][2] in pages[0] and pair[0][2] not in pages[1]
