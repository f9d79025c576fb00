"""Backward and forward traces on a synthetic supply chain, on SQLite and PostgreSQL.

The chain (N items, default 1,000,000): 1,000 raw-material lots; N/100 production lots, each
made by a transformation from 10 raw lots (so one raw lot feeds 1% of production); 100 items
commissioned per production lot; cases of 20 items; pallets of 50 cases; one shipment per
pallet. By default the event, identifier and projection rows are bulk-inserted directly, as the
projector would write them (loading a million items through the projector takes tens of minutes
on a small machine; `LIVETRACE_BENCH_TRACE_VIA=projector` does exactly that, for smaller N). The
test suite checks that the projector produces such rows.

Measured, p50/p95 over forward traces from 10 raw lots and backward traces from 50 items (after
one untimed trace each way), with a baseline in the same run: fetching the same result set (item
states and lot facts of the known answer) by indexed key lookups without traversal. The load
average is printed with the figures: on a shared machine they move with it. Targets: backward
trace < 20 ms; forward trace to 10,000 items < 1 s.

Generating the chain takes minutes, so the loaded database is kept between runs: a SQLite file in
LIVETRACE_BENCH_CACHE (default `<tmp>/livetrace-bench`) and the `livetrace_bench_trace` schema on
PostgreSQL, both stamped with a fingerprint of N, the loading path, the generator version and the
DDL of the tables the chain fills; a mismatch (or LIVETRACE_BENCH_TRACE_FRESH=1) loads them afresh.

LIVETRACE_BENCH_TRACE_ITEMS sets N; LIVETRACE_BENCH_PG_URL a PostgreSQL URL (default the local
test server; skipped when unreachable); LIVETRACE_BENCH_TRACE_DB=sqlite or postgresql runs one.
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateIndex, CreateTable

from livetrace.epcis import model as m
from livetrace.epcis.models import EpcisEventEpc, EpcisEventLink, EpcisEventRow
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party
from livetrace.migrations import runner
from livetrace.store.engine import make_engine
from livetrace.trace.models import Containment, ItemState, LineageEdge, LotEvent, TransactionLink
from livetrace.trace.projector import TraceProjector
from livetrace.trace.repository import TraceRepository
from livetrace.trace.schemas import OriginKind, TraceOrigin
from livetrace.trace.service import TraceService

N = int(os.environ.get("LIVETRACE_BENCH_TRACE_ITEMS", "1000000"))
PG_URL = os.environ.get(
    "LIVETRACE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CACHE = Path(
    os.environ.get("LIVETRACE_BENCH_CACHE", Path(tempfile.gettempdir()) / "livetrace-bench")
)
FRESH = os.environ.get("LIVETRACE_BENCH_TRACE_FRESH") == "1"
ONLY = os.environ.get("LIVETRACE_BENCH_TRACE_DB")
GENERATOR = "1"  # bump when the generated chain changes
PG_SCHEMA = "livetrace_bench_trace"
RAW_LOTS, INPUTS, PER_LOT, PER_CASE, PER_PALLET = 1_000, 10, 100, 20, 50
FORWARD_LOTS, BACKWARD_ITEMS = 10, 50
RAW_GTIN, LOT_GTIN, PREFIX = "06901234000016", "06905678000029", "6905678"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
BATCH = 2_000


def _raw(i: int) -> str:
    return f"https://id.gs1.org/01/{RAW_GTIN}/10/RAW{i}"


def _lot(i: int) -> str:
    return f"https://id.gs1.org/01/{LOT_GTIN}/10/P{i}"


def _item(i: int) -> str:
    return f"https://id.gs1.org/01/{LOT_GTIN}/21/{i}"


def _sscc(kind: int, i: int) -> str:
    body = f"{kind}{PREFIX}{i:09d}"
    return f"https://id.gs1.org/00/{with_check_digit(body)}"


def _time(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _q(epc_class: str) -> m.QuantityElement:
    return m.QuantityElement(epc_class=epc_class, quantity=100, uom="KGM")


def _events() -> Iterator[m.EpcisEvent]:
    """The synthetic chain in log order."""
    lots = N // PER_LOT
    for r in range(RAW_LOTS):
        yield m.ObjectEvent(event_time=_time(0), event_time_zone_offset="+08:00", action="ADD",
                            biz_step="commissioning", quantity_list=(_q(_raw(r)),),
                            ilmd=(("lt:grower", f"grower {r}"), ("lt:plot_code", f"WC-{r}")))  # fmt: skip
    for p in range(lots):
        inputs = tuple(_q(_raw((p + k * (RAW_LOTS // INPUTS)) % RAW_LOTS)) for k in range(INPUTS))
        yield m.TransformationEvent(event_time=_time(60), event_time_zone_offset="+08:00",
                                    biz_step="transforming", input_quantity_list=inputs,
                                    output_quantity_list=(_q(_lot(p)),),
                                    ilmd=(("lt:line", f"line-{p % 4}"), ("lt:shift", "A")))  # fmt: skip
        first = p * PER_LOT
        yield m.ObjectEvent(event_time=_time(120), event_time_zone_offset="+08:00", action="ADD",
                            biz_step="commissioning",
                            epc_list=tuple(_item(first + i) for i in range(PER_LOT)),
                            ilmd=(("cbvmda:lotNumber", f"P{p}"),))  # fmt: skip
    for c in range(N // PER_CASE):
        yield m.AggregationEvent(event_time=_time(180), event_time_zone_offset="+08:00",
                                 action="ADD", biz_step="packing", parent_id=_sscc(1, c),
                                 child_epcs=tuple(_item(c * PER_CASE + i) for i in range(PER_CASE)))  # fmt: skip
    pallets = N // PER_CASE // PER_PALLET
    for pl in range(pallets):
        cases = tuple(_sscc(1, pl * PER_PALLET + i) for i in range(PER_PALLET))
        yield m.AggregationEvent(event_time=_time(240), event_time_zone_offset="+08:00",
                                 action="ADD", biz_step="packing", parent_id=_sscc(2, pl),
                                 child_epcs=cases)  # fmt: skip
        yield m.ObjectEvent(event_time=_time(300), event_time_zone_offset="+08:00",
                            action="OBSERVE", biz_step="shipping", epc_list=(_sscc(2, pl),),
                            biz_transaction_list=(m.BizTransaction(biz_transaction=f"SH-{pl}",
                                                                   type="desadv"),))  # fmt: skip


def _load(factory: sessionmaker[Session]) -> tuple[int, float]:
    projector = TraceProjector()
    started = time.perf_counter()
    with factory.begin() as session:
        party = Party(name="bench supplier", company_prefix=PREFIX, active=True)
        session.add(party)
        session.flush()
        party_id = party.id
    count, batch = 0, []
    now = datetime.now(UTC)
    for event in _events():
        batch.append(AcceptedEvent(event=event, event_id=f"urn:uuid:{uuid.uuid4()}",
                                   event_hash=f"bench:{count}", document={"type": event.event_type},
                                   party_id=party_id, log_index=count, record_time=now))  # fmt: skip
        count += 1
        if len(batch) == BATCH:
            _store(factory, projector, batch)
            batch = []
    _store(factory, projector, batch)
    return count, time.perf_counter() - started


def _bulk(factory: sessionmaker[Session]) -> tuple[int, float]:
    """Event, identifier and projection rows of the chain, inserted set-based."""
    started = time.perf_counter()
    with factory.begin() as session:
        party = Party(name="bench supplier", company_prefix=PREFIX, active=True)
        session.add(party)
        session.flush()
        rows = _Rows(party.id, session)
        rows.build()
        rows.flush()
    return rows.log, time.perf_counter() - started


class _Rows:
    """The rows the projector writes for the synthetic chain (and the event rows they need)."""

    MODELS = (EpcisEventRow, EpcisEventEpc, EpcisEventLink, ItemState, Containment, LineageEdge,
              LotEvent, TransactionLink)  # fmt: skip

    def __init__(self, party_id: uuid.UUID, session: Session) -> None:
        self.party_id = party_id
        self.session = session
        self.log = 0
        self.tables: dict[Any, list[dict[str, Any]]] = {t: [] for t in self.MODELS}

    def flush(self, at_least: int = 0) -> None:
        """Insert the rows gathered so far (events first: the other rows refer to them)."""
        if sum(len(v) for v in self.tables.values()) < at_least:
            return
        for table, values in self.tables.items():
            for start in range(0, len(values), 5_000):
                self.session.execute(insert(table), values[start : start + 5_000])
            values.clear()

    def event(self, kind: str, step: str, minutes: int, epcs: list[tuple[str, str]],
              action: str | None = "ADD") -> tuple[uuid.UUID, int, datetime]:  # fmt: skip
        pk, index, when = uuid.uuid4(), self.log, T0 + timedelta(minutes=minutes)
        self.log += 1
        self.tables[EpcisEventRow].append({
            "id": pk, "event_id": f"urn:uuid:{pk}", "event_hash": f"bench:{index}",
            "event_type": kind, "action": action, "biz_step": step, "disposition": None,
            "event_time": when, "event_time_zone_offset": "+08:00", "record_time": when,
            "party_id": self.party_id, "log_index": index, "document": {"type": kind},
        })  # fmt: skip
        self.tables[EpcisEventEpc] += [
            {"event_pk": pk, "role": role, "position": i, "epc": epc, "raw": epc,
             "is_class": "/10/" in epc}
            for i, (role, epc) in enumerate(epcs)
        ]  # fmt: skip
        return pk, index, when

    def build(self) -> None:
        for r in range(RAW_LOTS):
            pk, index, when = self.event("ObjectEvent", "commissioning", 0,
                                         [("quantityList", _raw(r))])  # fmt: skip
            self._lot_event(_raw(r), pk, index, when, "quantityList",
                            data={"ilmd": {"grower": f"grower {r}", "plot_code": f"WC-{r}"}})  # fmt: skip
        for p in range(N // PER_LOT):
            self._production_lot(p)
            self.flush(200_000)
        for c in range(N // PER_CASE):
            self.flush(200_000)
            self._pack(_sscc(1, c), [_item(c * PER_CASE + i) for i in range(PER_CASE)], 180)
        for pl in range(N // PER_CASE // PER_PALLET):
            self._pack(
                _sscc(2, pl), [_sscc(1, pl * PER_PALLET + i) for i in range(PER_PALLET)], 240
            )
            self._ship(_sscc(2, pl), f"SH-{pl}")

    def _production_lot(self, p: int) -> None:
        inputs = [_raw((p + k * (RAW_LOTS // INPUTS)) % RAW_LOTS) for k in range(INPUTS)]
        epcs = [("inputQuantityList", r) for r in inputs] + [("outputQuantityList", _lot(p))]
        pk, index, when = self.event("TransformationEvent", "transforming", 60, epcs, None)
        self.tables[LineageEdge] += [
            {"event_pk": pk, "role": "in" if role.startswith("input") else "out",
             "position": 100_000 + i, "epc": epc, "is_class": True, "quantity": 100.0,
             "uom": "KGM", "group_key": f"event:{pk}", "log_index": index, "event_time": when}
            for i, (role, epc) in enumerate(epcs)
        ]  # fmt: skip
        self._lot_event(_lot(p), pk, index, when, "outputQuantityList",
                        data={"ilmd": {"line": f"line-{p % 4}", "shift": "A"}}, line=f"line-{p % 4}")  # fmt: skip
        items = [_item(p * PER_LOT + i) for i in range(PER_LOT)]
        pk, index, when = self.event("ObjectEvent", "commissioning", 120,
                                     [("epcList", e) for e in items])  # fmt: skip
        self._lot_event(
            _lot(p), pk, index, when, "commission", data={"ilmd": {"lotNumber": f"P{p}"}}
        )
        self.tables[ItemState] += [
            self._state(e, index, when, "commissioning", _lot(p)) for e in items
        ]

    def _pack(self, parent: str, children: list[str], minutes: int) -> None:
        epcs = [("parentID", parent)] + [("childEPCs", c) for c in children]
        _pk, index, when = self.event("AggregationEvent", "packing", minutes, epcs)
        self.tables[Containment] += [
            {"parent_epc": parent, "child_epc": c, "pack_log_index": index,
             "child_is_class": False, "quantity": None, "pack_time": when}
            for c in children
        ]  # fmt: skip
        self.tables[ItemState].append(self._state(parent, index, when, "packing", None))

    def _ship(self, pallet: str, shipment: str) -> None:
        pk, index, when = self.event(
            "ObjectEvent", "shipping", 300, [("epcList", pallet)], "OBSERVE"
        )
        self.tables[EpcisEventLink].append({"event_pk": pk, "kind": "bizTransaction",
                                            "position": 0, "type": "desadv", "value": shipment})  # fmt: skip
        self.tables[TransactionLink].append({
            "event_pk": pk, "epc": pallet, "position": 0, "biz_transaction": shipment,
            "type": "desadv", "action": "OBSERVE", "biz_step": "shipping", "log_index": index,
            "event_time": when,
        })  # fmt: skip

    def _lot_event(self, lot: str, pk: uuid.UUID, index: int, when: datetime, role: str, *,
                   data: dict[str, Any], line: str | None = None) -> None:  # fmt: skip
        self.tables[LotEvent].append({
            "lot_class": lot, "event_pk": pk, "gtin": lot.split("/")[4], "lot": lot.rsplit("/", 1)[1],
            "role": role, "log_index": index, "event_time": when, "party_id": self.party_id,
            "biz_step": None, "disposition": None, "biz_location": None, "read_point": None,
            "line": line, "shift": "A" if line else None, "data": data,
        })  # fmt: skip

    def _state(
        self, epc: str, index: int, when: datetime, step: str, lot: str | None
    ) -> dict[str, Any]:
        return {
            "epc": epc, "gtin": None if "/00/" in epc else LOT_GTIN, "lot_class": lot,
            "status": "active", "disposition": None, "persistent_dispositions": [],
            "biz_location": None, "read_point": None, "owner": None, "last_biz_step": step,
            "last_party_id": self.party_id, "first_log_index": index, "last_log_index": index,
            "first_time": when, "last_time": when,
        }  # fmt: skip


def _store(
    factory: sessionmaker[Session], projector: TraceProjector, batch: list[AcceptedEvent]
) -> None:
    if batch:
        with factory.begin() as session:
            write_events(session, batch)
            projector.apply(session, batch)


def _timed(fn: Callable[[], Any], reps: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(reps):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def _pct(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):8.2f} ms  p95 {p95:8.2f} ms"


def _baseline(session: Session, units: list[str], lots: list[str]) -> None:
    repo = TraceRepository(session)
    repo.states(units)
    repo.lot_events(lots)


def _measure(label: str, factory: sessionmaker[Session]) -> None:
    rng = random.Random(7)
    with factory() as session:
        # One trace each way first: statement compilation and driver caches are not the subject.
        TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=_raw(RAW_LOTS - 1)))
        TraceService(session).backward(_item(N - 1))
        raws = [_raw(rng.randrange(RAW_LOTS)) for _ in range(FORWARD_LOTS)]
        fwd_times, fwd_base, items = [], [], 0
        for raw in raws:
            times, trace = _timed(
                lambda raw=raw: TraceService(session, max_nodes=2_000_000).forward(
                    TraceOrigin(kind=OriginKind.LOT, id=raw)
                ),
                1,
            )
            fwd_times += times
            units = [u.id for u in (*trace.items, *trace.containers)]
            base, _ = _timed(
                lambda units=units, trace=trace: _baseline(
                    session, units, [x.id for x in trace.lots]
                ),
                1,
            )
            fwd_base += base
            items = len(trace.items)
        picks = [_item(rng.randrange(N)) for _ in range(BACKWARD_ITEMS)]
        back_times, back_base = [], []
        for item in picks:
            times, trace = _timed(lambda item=item: TraceService(session).backward(item), 1)
            back_times += times
            units = [u.id for u in trace.units]
            base, _ = _timed(
                lambda units=units, trace=trace: _baseline(
                    session, units, [x.id for x in trace.lots]
                ),
                1,
            )
            back_base += base
        lots_back = len(trace.lots)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label}: load average {load} (uptime) after measuring")
    print(f"{label}: forward trace from a raw lot ({items} items, {FORWARD_LOTS} lots):  "
          f"{_pct(fwd_times)}")  # fmt: skip
    print(
        f"{label}:   baseline indexed lookup of the same result set:     {_pct(fwd_base)}"
        f"   ratio {statistics.median(fwd_times) / statistics.median(fwd_base):.1f}x"
    )
    print(f"{label}: backward trace from an item ({lots_back} lots, {BACKWARD_ITEMS} items): "
          f"{_pct(back_times)}")  # fmt: skip
    print(
        f"{label}:   baseline indexed lookup of the same result set:     {_pct(back_base)}"
        f"   ratio {statistics.median(back_times) / statistics.median(back_base):.1f}x"
    )


def _fingerprint() -> str:
    """What the cached database must match: size, loading path, generator, and the tables it
    fills with their indexes (a change to them loads afresh; other tables are never read)."""
    via = os.environ.get("LIVETRACE_BENCH_TRACE_VIA", "bulk")
    dialect = sqlite.dialect()
    tables = [cast("Table", m.__table__) for m in (Party, *_Rows.MODELS)]
    ddl = [
        str(CreateTable(t).compile(dialect=dialect))
        + "".join(sorted(str(CreateIndex(i).compile(dialect=dialect)) for i in t.indexes))
        for t in tables
    ]
    key = "|".join([str(N), via, GENERATOR, *ddl])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _stamp(engine: Engine) -> str | None:
    """The fingerprint a previous run left in the database, if any."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT value FROM bench_fingerprint")).scalar()
    except ProgrammingError:  # no stamp table: never loaded, or by an older version
        return None


def _fill(label: str, engine: Engine) -> None:
    """Load the chain into an empty database and stamp it."""
    runner.upgrade(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    via_projector = os.environ.get("LIVETRACE_BENCH_TRACE_VIA") == "projector"
    count, seconds = (_load if via_projector else _bulk)(factory)
    with engine.begin() as conn:  # fresh planner statistics, as autovacuum would gather
        conn.execute(text("ANALYZE"))
        conn.execute(text("CREATE TABLE bench_fingerprint (value VARCHAR(64) NOT NULL)"))
        conn.execute(text("INSERT INTO bench_fingerprint VALUES (:v)"), {"v": _fingerprint()})
    how = "write_events + projector" if via_projector else "bulk row inserts"
    print(f"{label}: loaded {count} events in {seconds:.1f} s via {how}")


def _run(label: str, engine: Engine) -> None:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        states = session.scalar(select(text("count(*)")).select_from(ItemState))
    print(f"{label}: {states} item/container states")
    _measure(label, factory)
    engine.dispose()


def _sqlite() -> Engine:
    """The cached SQLite database, loaded first when missing or stale."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bench_trace-{N}-{_fingerprint()}.sqlite3"
    if FRESH or not path.exists():
        partial = path.with_suffix(".partial")
        for stale in CACHE.glob(f"{partial.name}*"):
            stale.unlink()
        engine = make_engine(f"sqlite:///{partial}")
        _fill("sqlite", engine)
        with engine.begin() as conn:  # fold the WAL in, so the renamed file is complete
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        engine.dispose()
        partial.replace(path)
        return make_engine(f"sqlite:///{path}")
    print(f"sqlite: reusing {path}")
    return make_engine(f"sqlite:///{path}")


def _postgres() -> Engine | None:
    """The cached PostgreSQL schema, loaded first when missing or stale; None if unreachable."""
    sep = "&" if "?" in PG_URL else "?"
    engine = make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{PG_SCHEMA}", pool_size=2)
    try:
        stamp = _stamp(engine)
    except OperationalError as exc:
        print(f"postgresql: skipped ({exc.orig})")
        return None
    if FRESH or stamp != _fingerprint():
        admin = make_engine(PG_URL, pool_size=1)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        admin.dispose()
        engine.dispose()
        _fill("postgresql", engine)
    else:
        print(f"postgresql: reusing schema {PG_SCHEMA}")
    return engine


def main() -> None:
    """Run on SQLite, then PostgreSQL."""
    print(f"synthetic chain: {N} items, {N // PER_LOT} production lots, {RAW_LOTS} raw lots")
    if ONLY in (None, "sqlite"):
        _run("sqlite", _sqlite())
    if ONLY in (None, "postgresql"):
        engine = _postgres()
        if engine is not None:
            _run("postgresql", engine)


if __name__ == "__main__":
    main()
