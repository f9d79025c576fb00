"""EPCIS query latency with N stored events.

Fills a database with N realistic events (commissioning, packing, shipping, receiving, storing,
selling, sensor readings; items recurring across their life cycle; 400 locations; business
transactions) through the real writer, in batches of set-based inserts, then measures the first
page (perPage=30) of:

* `MATCH_epc` for one item (a different random item each run);
* `EQ_bizStep=receiving` with a one-day `GE_eventTime`/`LT_eventTime` window (random day);

through `EventQueryService` (parse, SQL, render), reporting p50/p95 against a baseline measured in
the same run: a plain indexed lookup (`SELECT … FROM epcis_event WHERE event_id = ?`).

Env: LIVETRACE_BENCH_EPCIS_EVENTS (default 1,000,000); LIVETRACE_BENCH_EPCIS_DB (a SQLAlchemy
URL; default a SQLite file in a temporary folder); LIVETRACE_BENCH_EPCIS_KEEP=1 reuses an
already-filled database at that URL. Filling 1,000,000 events takes minutes.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis import model as m
from livetrace.epcis.models import EpcisEventRow
from livetrace.epcis.paging import PageTokens
from livetrace.epcis.query import page_controls, parse_query
from livetrace.epcis.query_repository import EVERYTHING
from livetrace.epcis.query_service import EventQueryService
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import PartyCreate
from livetrace.identity.service import IdentityService
from livetrace.migrations import runner
from livetrace.store.engine import make_engine

N = int(os.environ.get("LIVETRACE_BENCH_EPCIS_EVENTS", "1000000"))
KEEP = os.environ.get("LIVETRACE_BENCH_EPCIS_KEEP") == "1"
SECRET = "benchmark-secret-that-is-long-enough-for-settings"
CP = "6970042"
BATCH = 5_000
RUNS = 200
START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 24 * 3600
STEPS = [("commissioning", "active", "ADD"), ("packing", "in_progress", "ADD"),
         ("shipping", "in_transit", "OBSERVE"), ("receiving", "in_progress", "OBSERVE"),
         ("storing", "sellable_accessible", "OBSERVE"), ("retail_selling", "retail_sold", "OBSERVE")]  # fmt: skip


def _items(n: int) -> int:
    """Distinct items: each appears in about six events over its life."""
    return max(10, n // 6)


def _epc(i: int) -> str:
    return f"urn:epc:id:sgtin:{CP}.{100000 + i % 900000}.{i}"


def _location(i: int) -> str:
    gln = with_check_digit(f"{CP}{i:05d}")
    return f"https://id.gs1.org/414/{gln}"


def _event(i: int, rng: random.Random) -> tuple[m.EpcisEvent, dict[str, Any]]:
    step, disposition, action = STEPS[rng.randrange(len(STEPS))]
    when = START + timedelta(seconds=int(i * YEAR_SECONDS / N))
    stamp = when.isoformat().replace("+00:00", "Z")
    epcs = tuple(_epc(rng.randrange(_items(N))) for _ in range(rng.choice((1, 1, 2, 3))))
    where = m.Location(id=_location(rng.randrange(400)))
    kwargs: dict[str, Any] = {
        "event_time": stamp, "event_time_zone_offset": "+08:00", "action": action,
        "biz_step": step, "disposition": disposition, "epc_list": epcs, "read_point": where,
        "biz_location": where,
    }  # fmt: skip
    if step == "shipping":
        kwargs["biz_transaction_list"] = (
            m.BizTransaction(type="po", biz_transaction=f"urn:epcglobal:cbv:bt:{CP}:PO{i}"),
        )
    if i % 10 == 0:
        report = m.SensorReport(type="Temperature", value=round(rng.uniform(2, 8), 1), uom="CEL")
        kwargs["sensor_element_list"] = (m.SensorElement(sensor_report=(report,)),)
    doc = {"type": "ObjectEvent", "eventID": f"urn:uuid:bench-{i}", "eventTime": stamp,
           "eventTimeZoneOffset": "+08:00", "action": action, "bizStep": step,
           "disposition": disposition, "epcList": list(epcs), "readPoint": {"id": where.id},
           "bizLocation": {"id": where.id}}  # fmt: skip
    return m.ObjectEvent(**kwargs), doc


def _accepted(party: Any, start: int, stop: int, rng: random.Random) -> Iterator[AcceptedEvent]:
    recorded = datetime.now(UTC)
    for i in range(start, stop):
        event, doc = _event(i, rng)
        yield AcceptedEvent(event=event, event_id=doc["eventID"], event_hash=f"bench:{i}",
                            document=doc, party_id=party, log_index=i, record_time=recorded)  # fmt: skip


def _fill(sessions: sessionmaker[Session]) -> float:
    started = time.perf_counter()
    with sessions.begin() as session:
        data = PartyCreate(name="Bench brand", roles=["brand"], company_prefix=CP)
        party = IdentityService(session, KeyEncryptor.from_secret(SECRET)).create_party(
            SYSTEM, data
        )
        party_id = party.id
    rng = random.Random(7)
    for start in range(0, N, BATCH):
        with sessions.begin() as session:
            write_events(session, list(_accepted(party_id, start, min(N, start + BATCH), rng)))
        if start % 100_000 == 0:
            print(f"  filled {start + BATCH:>9,} events ({time.perf_counter() - started:.0f} s)")
    return time.perf_counter() - started


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    return f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms"


def _measure(fn: Callable[[int], object]) -> list[float]:
    samples = []
    for run in range(RUNS):
        started = time.perf_counter()
        fn(run)
        samples.append(time.perf_counter() - started)
    return samples


def _queries(session: Session) -> dict[str, Callable[[int], object]]:
    svc = EventQueryService(session, PageTokens(SECRET))
    page = page_controls({"perPage": ["30"]})
    rng = random.Random(11)
    items = [rng.randrange(_items(N)) for _ in range(RUNS)]
    days = [rng.randrange(360) for _ in range(RUNS)]

    def by_epc(run: int) -> object:
        query = parse_query({"MATCH_epc": [_epc(items[run])]})
        return svc.run(EVERYTHING, query, page)

    def by_step_window(run: int) -> object:
        day = START + timedelta(days=days[run])
        query = parse_query({"EQ_bizStep": ["receiving"], "GE_eventTime": [day.isoformat()],
                             "LT_eventTime": [(day + timedelta(days=1)).isoformat()]})  # fmt: skip
        return svc.run(EVERYTHING, query, page)

    def baseline(run: int) -> object:
        stmt = select(EpcisEventRow.document).where(
            EpcisEventRow.event_id == f"urn:uuid:bench-{items[run] % N}"
        )
        return session.execute(stmt).all()

    return {"baseline: indexed lookup by eventID": baseline,
            "MATCH_epc (one item), first page": by_epc,
            "EQ_bizStep + 1-day eventTime window, first page": by_step_window}  # fmt: skip


def main() -> None:
    """Fill (unless kept), then time the queries."""
    url = os.environ.get("LIVETRACE_BENCH_EPCIS_DB")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench_epcis.sqlite3'}"
        engine = make_engine(url)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        runner.upgrade(engine)
        with sessions() as session:
            have = 0
            if KEEP:
                have = session.scalar(select(func.count()).select_from(EpcisEventRow)) or 0
        if not have:
            print(f"filling {N:,} events on {engine.dialect.name} …")
            print(f"  filled in {_fill(sessions):.0f} s")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"{N:,} events on {engine.dialect.name}; {RUNS} runs each, perPage=30")
        with sessions() as session:
            for label, fn in _queries(session).items():
                fn(0)  # warm the statement cache
                print(f"  {label:<50} {_percentiles(_measure(fn))}")
        engine.dispose()


if __name__ == "__main__":
    main()
