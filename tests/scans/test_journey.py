"""The item journey: layers from the trace, recall, certificates, proofs, and the cache."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from factories.catalog import make_lot, make_product
from factories.ledger import ORIGIN
from factories.trace import Chain, Rice, at, build_rice, receive
from livetrace.catalog.models import Lot, Product
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.documents import ContentStore, DocumentService, Upload
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import LocationCreate
from livetrace.identity.service import IdentityService
from livetrace.ledger.checkpoint import parse_checkpoint
from livetrace.ledger.merkle import leaf_hash, verify_inclusion
from livetrace.ledger.note import parse_note
from livetrace.ledger.service import LogService
from livetrace.scans.journey import JourneyCache, JourneyService
from livetrace.scans.resolver_views import Coordinates, Summary, coordinates_of
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin


@dataclass
class World:
    """The rice chain with its product and lot in the catalog and a published checkpoint."""

    rice: Rice
    product: Product
    lot: Lot
    settings: Settings


@pytest.fixture
def world(session: Session, encryptor: KeyEncryptor, tmp_path: Path) -> World:
    rice = build_rice(session, encryptor)
    product = make_product(session, rice.brand, gtin=rice.rice_gtin, name="五常大米 <b>5kg</b>",
                           net_content="5 kg")  # fmt: skip
    lot = make_lot(session, product, lot_number="RICE-1")
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    settings = Settings(environment="test", data_dir=tmp_path, log_origin=ORIGIN,
                        secret_key="test-secret-that-is-long-enough-for-the-settings-check")  # fmt: skip
    return World(rice, product, lot, settings)


def service(session: Session, encryptor: KeyEncryptor, world: World) -> JourneyService:
    return JourneyService(session, world.settings, encryptor, cache=JourneyCache())


def test_a_sold_bag_shows_its_three_layers(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    journey = service(session, encryptor, world).journey(world.rice.rice_gtin, "RICE-1", "1")
    assert journey is not None
    assert journey.product_name == "五常大米 <b>5kg</b>"
    assert journey.brand_name == "五常大米品牌"
    assert journey.key == world.rice.items["r1"]
    # origin: the two paddy lots milled into RICE-1, with plots, growers and coordinates
    plots = {f.value for s in journey.sources for f in s.facts if f.key == "plot_code"}
    assert plots == {"WC-001", "WC-002"}
    growers = {f.value for s in journey.sources for f in s.facts if f.key == "grower"}
    assert growers == {"张三", "李四"}
    assert Coordinates(44.92, 127.15) in journey.coordinates
    assert {f.key for f in journey.origin} >= {"variety", "plot_code", "grower"}
    labels = {f.key: f.label("zh") for f in journey.origin}
    assert labels["grower"] == "种植户"
    # production: the lot, its line and its raw-material lots (PAD-C was declared erroneous)
    assert ("lot_number", "RICE-1") in {(f.key, f.value) for f in journey.production}
    assert journey.production_lot is not None and journey.production_lot.line == "mill-1"
    assert {s.id for s in journey.raw_materials} == {world.rice.pad["A"], world.rice.pad["B"]}
    # circulation: the pallet's shipment and receipt, the sale, and the paddy's QC certificate
    steps = [s.step for s in journey.timeline]
    assert "shipping" in steps and "receiving" in steps
    waybills = {t.number for t in journey.waybills}
    assert "SH-1" in waybills and "SH-2" not in waybills
    certificate = next(c for c in journey.certificates if c.reference == "QC-PAD-A")
    assert (certificate.status, certificate.verification) == ("passed", "reference")
    assert journey.recall is None
    assert journey.traced


def test_proofs_verify_against_the_published_checkpoint(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    journey = service(session, encryptor, world).journey(world.rice.rice_gtin, "RICE-1", "1")
    assert journey is not None and journey.checkpoint is not None
    checkpoint = parse_checkpoint(parse_note(journey.checkpoint).text)
    assert journey.checkpoint_size == checkpoint.size
    assert 1 <= len(journey.proofs) <= 3
    steps = {p.step for p in journey.proofs}
    assert "commissioning" in steps  # the item's first event
    for proof in journey.proofs:
        assert proof.included
        leaf = leaf_hash(proof.entry.encode("utf-8"))
        assert base64.b64decode(proof.leaf_hash) == leaf
        path = [base64.b64decode(h) for h in proof.hashes]
        verify_inclusion(proof.index, checkpoint.size, leaf, path, checkpoint.root_hash)
        assert '"kind":"epcis.event"' in proof.entry


def test_events_after_the_checkpoint_are_shown_as_pending(
    session: Session, encryptor: KeyEncryptor, tmp_path: Path
) -> None:
    rice = build_rice(session, encryptor)  # no checkpoint issued at all
    make_product(session, rice.brand, gtin=rice.rice_gtin)
    settings = Settings(environment="test", data_dir=tmp_path, log_origin=ORIGIN)
    journey = JourneyService(session, settings, encryptor, cache=None).journey(
        rice.rice_gtin, "RICE-2", "7"
    )
    assert journey is not None
    assert journey.checkpoint is None and journey.proofs
    assert all(not p.included and p.hashes == () for p in journey.proofs)


def test_a_recall_of_the_lot_appears_at_once(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    svc = service(session, encryptor, world)
    assert svc.journey(world.rice.rice_gtin, "RICE-1", "1").recall is None  # type: ignore[union-attr]
    RecallService(session, encryptor, ORIGIN).open(SYSTEM, world.rice.brand.id, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.LOT, id=world.rice.rice["1"]), reason="重金属镉超标"))  # fmt: skip
    journey = svc.journey(world.rice.rice_gtin, "RICE-1", "1")  # same cache: the log grew
    assert journey is not None and journey.recall is not None
    assert journey.recall.reason == "重金属镉超标"
    other = svc.journey(world.rice.rice_gtin, "RICE-2", "7")
    assert other is not None and other.recall is None


def test_unknown_products_and_uncaptured_items(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    svc = service(session, encryptor, world)
    assert svc.journey("09506000134352", None, "X1") is None
    fresh = svc.journey(world.rice.rice_gtin, "RICE-1", "99999")  # issued, never captured
    assert fresh is not None and not fresh.traced
    assert fresh.timeline == () and fresh.proofs == () and fresh.sources == ()
    assert fresh.product_name == world.product.name


def test_stored_documents_are_verified_and_tampering_is_reported(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    store = ContentStore(world.settings.data_dir)
    documents = DocumentService(session, encryptor, ORIGIN, store)
    row = documents.upload(world.rice.brand.id, Upload(
        data=b"%PDF-1.4 lab report", kind="lab_result", title="镉含量检测报告",
        filename="report.pdf", media_type="application/pdf",
        links=[("lot", str(world.lot.id))]), max_bytes=1 << 20)  # fmt: skip
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    svc = service(session, encryptor, world)
    journey = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    assert journey is not None
    found = next(c for c in journey.certificates if c.sha256 == row.sha256)
    assert (found.title, found.verification) == ("镉含量检测报告", "verified")
    store.path_for(row.sha256).write_bytes(b"%PDF-1.4 forged")
    tampered = JourneyService(session, world.settings, encryptor, cache=None).journey(
        world.rice.rice_gtin, "RICE-1", "1"
    )
    assert tampered is not None
    assert (
        next(c for c in tampered.certificates if c.sha256 == row.sha256).verification == "tampered"
    )


@pytest.fixture
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_cached_journey_costs_a_few_queries(
    session: Session, encryptor: KeyEncryptor, world: World, statements: list[str]
) -> None:
    svc = service(session, encryptor, world)
    first = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    built = len(statements)
    statements.clear()
    assert svc.journey(world.rice.rice_gtin, "RICE-1", "1") == first
    assert len(statements) <= 7  # log head, footprint (4 reads), recall (2): the group is kept
    assert built < 60, built  # set-based reads, not one query per event
    lot = svc.journey(world.rice.rice_gtin, "RICE-1", None)  # a lot's page is kept whole
    statements.clear()
    assert svc.journey(world.rice.rice_gtin, "RICE-1", None) is lot
    assert len(statements) <= 1


def test_the_summary_is_the_journeys_without_building_it(
    session: Session, encryptor: KeyEncryptor, world: World, statements: list[str]
) -> None:
    svc = service(session, encryptor, world)
    summary = svc.summary(world.rice.rice_gtin, "RICE-1", "1")
    assert len(statements) <= 4  # log state, names, recall lookup
    journey = JourneyService(session, world.settings, encryptor, cache=None).journey(
        world.rice.rice_gtin, "RICE-1", "1"
    )
    assert journey is not None and summary == Summary.of(journey)
    assert (summary.product_name, summary.brand_name) == ("五常大米 <b>5kg</b>", "五常大米品牌")
    assert svc.summary("09506000134352", None, "X1") is None


def test_a_new_recall_shows_in_the_next_summary(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    svc = service(session, encryptor, world)
    assert svc.summary(world.rice.rice_gtin, "RICE-1", "1") == Summary(
        world.product.name, "五常大米品牌", None
    )
    RecallService(session, encryptor, ORIGIN).open(SYSTEM, world.rice.brand.id, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.LOT, id=world.rice.rice["1"]), reason="重金属镉超标"))  # fmt: skip
    summary = svc.summary(world.rice.rice_gtin, "RICE-1", "1")
    assert summary is not None and summary.recall is not None
    assert summary.recall.reason == "重金属镉超标"
    assert svc.summary(world.rice.rice_gtin, "RICE-2", "7").recall is None  # type: ignore[union-attr]


def test_a_new_event_and_checkpoint_show_on_the_next_page(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    svc = service(session, encryptor, world)
    before = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    assert before is not None
    Chain(session, encryptor).capture(
        world.rice.brand, receive([world.rice.items["r1"]], at(20), 5)
    )
    grown = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    assert grown is not None and len(grown.timeline) == len(before.timeline) + 1
    assert grown.checkpoint_size == before.checkpoint_size  # not yet under a new checkpoint
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    after = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    assert after is not None and after.checkpoint_size is not None
    assert after.checkpoint_size > (before.checkpoint_size or 0)


def test_document_checks_are_reused_until_the_log_grows(
    session: Session, encryptor: KeyEncryptor, world: World, statements: list[str]
) -> None:
    store = ContentStore(world.settings.data_dir)
    row = DocumentService(session, encryptor, ORIGIN, store).upload(world.rice.brand.id, Upload(
        data=b"%PDF-1.4 lab report", kind="lab_result", title="镉含量检测报告",
        filename="report.pdf", media_type="application/pdf",
        links=[("lot", str(world.lot.id))]), max_bytes=1 << 20)  # fmt: skip
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    svc = service(session, encryptor, world)
    statements.clear()
    first = svc.journey(world.rice.rice_gtin, "RICE-1", "1")
    checked = len(statements)
    statements.clear()
    second = svc.journey(world.rice.rice_gtin, "RICE-1", "2")  # another bag of the same lot
    assert first is not None and second is not None
    assert len(statements) < checked
    for journey in (first, second):
        found = next(c for c in journey.certificates if c.sha256 == row.sha256)
        assert found.verification == "verified"
    other = DocumentService(session, encryptor, ORIGIN, store).upload(world.rice.brand.id, Upload(
        data=b"%PDF-1.4 second report", kind="lab_result", title="农残检测报告",
        filename="second.pdf", media_type="application/pdf",
        links=[("lot", str(world.lot.id))]), max_bytes=1 << 20)  # fmt: skip
    grown = svc.journey(world.rice.rice_gtin, "RICE-1", "2")
    assert grown is not None
    fresh = JourneyService(session, world.settings, encryptor, cache=None).journey(
        world.rice.rice_gtin, "RICE-1", "2"
    )
    assert other.sha256 in {c.sha256 for c in grown.certificates}
    assert fresh is not None and grown.certificates == fresh.certificates


def test_the_cache_forgets_old_entries_and_expires_them() -> None:
    now = [0.0]
    cache = JourneyCache(max_entries=2, ttl=10, clock=lambda: now[0])
    marker = object()
    for n in range(3):
        cache.put((n,), marker)  # type: ignore[arg-type]
    assert cache.get((0,)) is None and cache.get((2,)) is marker
    now[0] = 11
    assert cache.get((2,)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"lat": 44.94, "lon": 127.18}, Coordinates(44.94, 127.18)),
        ("127.15,44.92", Coordinates(44.92, 127.15)),
        ("44.92,127.15", Coordinates(44.92, 127.15)),
        ("200,300", None),
        ("a,b", None),
        ({"lat": "x"}, None),
        (42, None),
    ],
)
def test_coordinates_are_read_leniently(value: object, expected: Coordinates | None) -> None:
    assert coordinates_of(value) == expected


def test_registered_locations_name_the_timeline_places(
    session: Session, encryptor: KeyEncryptor, world: World
) -> None:
    IdentityService(session, encryptor).create_location(SYSTEM, world.rice.farm.id, LocationCreate(
        gln=with_check_digit("690123400003"), name="五常品牌仓", region_code="230184"))  # fmt: skip
    journey = JourneyService(session, world.settings, encryptor, cache=None).journey(
        world.rice.rice_gtin, "RICE-1", "1"
    )
    assert journey is not None
    received = next(s for s in journey.timeline if s.step == "receiving")
    assert (received.place, received.region) == ("五常品牌仓", "230184")
    shipped = next(s for s in journey.timeline if s.step == "shipping")
    assert shipped.place == "urn:epc:id:sgln:6901234.00002.0"  # not registered: shown as captured
