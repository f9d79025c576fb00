"""EPCIS capture end to end against inserting the same rows, on SQLite and PostgreSQL.

A document of N realistic events (commissioning with ILMD, aggregation, shipping with business
transactions, sensor reports; the test factories' rice-mill scenario) is captured the way
`POST /capture`, file import and the CLI do it (`trace.wiring.capture_service`): read the JSON
bytes, document checks, schema + semantic validation, Event Hash ID, duplicate checks, one
Ed25519-signed statement per event, log append with a signed checkpoint, event and index rows,
the projectors (certificate links, trace projections), one commit, after one small warm-up capture
(as a running server has compiled its statements and loaded its keys). The time spent in the
projectors is reported as a share of the capture, and the CPU time of this process next to the
wall time (the machine is shared). Baseline, in the same run and database kind:
only `write_events` of the same accepted events (ids, hashes and log indexes computed
beforehand) and the commit. A breakdown times the CPU stages alone on the same events.

Environment: `LIVETRACE_BENCH_CAPTURE_N` (default 10,000); `LIVETRACE_BENCH_PG_URL` (default
`postgresql+psycopg://postgres@127.0.0.1:5432/test`; skipped when unreachable).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from factories.epcis import document, events
from livetrace.crypto import keys
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.bindings_json import event_to_json
from livetrace.epcis.capture import Behaviour, CaptureService
from livetrace.epcis.capture_input import (
    CaptureLimits,
    MediaKind,
    receive,
    screen,
)
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.interfaces import Projector
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import PartyCreate
from livetrace.identity.service import IdentityService
from livetrace.kit import canonical_json
from livetrace.kit.clock import utcnow
from livetrace.ledger.statements import new_statement, sign_statement
from livetrace.migrations import runner
from livetrace.store.engine import make_engine, make_sessionmaker
from livetrace.trace.wiring import capture_service

N = int(os.environ.get("LIVETRACE_BENCH_CAPTURE_N", "10000"))
PG_URL = os.environ.get(
    "LIVETRACE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "bench-secret-that-is-long-enough-for-the-settings"
ORIGIN = "bench.livetrace.example/log"
SCHEMA = "livetrace_bench_capture"
LIMITS = CaptureLimits(max_events=1 << 30, max_bytes=1 << 40)


def _timed(fn: Callable[[], object]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _party(engine: Engine, encryptor: KeyEncryptor) -> Any:
    with make_sessionmaker(engine).begin() as session:
        data = PartyCreate(
            name="五常稻花香米业", roles=["manufacturer"], company_prefix="6901234",
            gln=with_check_digit("690123400001"), region_code="230184",
        )  # fmt: skip
        return IdentityService(session, encryptor).create_party(SYSTEM, data).id


class _TimedProjector:
    """A projector of the real capture path, with the seconds it spent."""

    def __init__(self, inner: Projector) -> None:
        self.inner = inner
        self.seconds = 0.0

    def apply(self, session: Session, accepted: Sequence[AcceptedEvent]) -> None:
        """Run the wrapped projector and add up its time."""
        self.seconds += _timed(lambda: self.inner.apply(session, accepted))[0]


def _end_to_end(
    engine: Engine, encryptor: KeyEncryptor, body: bytes
) -> tuple[float, int, dict[str, float]]:
    party_id = _party(engine, encryptor)
    sessions = make_sessionmaker(engine)
    projectors: list[_TimedProjector] = []

    def run(document_body: bytes) -> int:
        with sessions.begin() as session:
            received = receive(document_body, MediaKind.JSON, LIMITS)
            real = capture_service(session, encryptor, ORIGIN)
            projectors[:] = [_TimedProjector(p) for p in real.projectors]
            service = CaptureService(session, encryptor, ORIGIN, projectors=projectors)
            outcome = service.capture(
                party_id, received.envelope, received.events, behaviour=Behaviour.ROLLBACK
            )
            if outcome.problems:
                raise RuntimeError(outcome.problems[0].message)
            return len(outcome.captured)

    run(_warm_up_body())  # a running server has compiled its statements and loaded its keys
    cpu = time.process_time()
    seconds, captured = _timed(lambda: run(body))
    # On a shared machine wall time counts other people's work too; the CPU time of this process
    # does not (for SQLite it is nearly all the capture costs; PostgreSQL's server work is extra).
    timings = {type(p.inner).__name__: p.seconds for p in projectors}
    timings["cpu"] = time.process_time() - cpu
    return seconds, captured, timings


def _warm_up_body() -> bytes:
    """A small document of other events than the measured one (serials and times after them)."""
    return json.dumps(document(events(8, start=N + 1)), ensure_ascii=False).encode("utf-8")


def _baseline(engine: Engine, encryptor: KeyEncryptor, body: bytes) -> float:
    party_id = _party(engine, encryptor)
    received = receive(body, MediaKind.JSON, LIMITS)
    parsed = screen(received.envelope, received.events).events
    now = utcnow()
    accepted = []
    for position, (_, event) in enumerate(parsed):
        hashed = event_hash(event)
        accepted.append(
            AcceptedEvent(
                event=event, event_id=hashed, event_hash=hashed,
                document=event_to_json(event, with_context=True), party_id=party_id,
                log_index=position, record_time=now,
            )
        )  # fmt: skip
    sessions = make_sessionmaker(engine)

    def run() -> None:
        with sessions.begin() as session:
            write_events(session, accepted)

    return _timed(run)[0]


def _breakdown(body: bytes, encryptor: KeyEncryptor) -> dict[str, float]:
    """Seconds of each CPU stage alone, on the same events."""
    received = receive(body, MediaKind.JSON, LIMITS)
    stages: dict[str, float] = {}
    stages["read + document checks"] = _timed(lambda: receive(body, MediaKind.JSON, LIMITS))[0]
    seconds, screened = _timed(lambda: screen(received.envelope, received.events))
    stages["validate + parse"] = seconds
    parsed = [e for _, e in screened.events]
    stages["event hash"] = _timed(lambda: [event_hash(e) for e in parsed])[0]
    docs = [event_to_json(e, with_context=True) for e in parsed]
    stages["RFC 8785 digest"] = _timed(lambda: [canonical_json.canonicalize(d) for d in docs])[0]
    signer = keys.Signer(key_id="bench", name="bench", private_key=keys.generate_private_key())
    party_id = uuid.uuid4()
    statement_body = {"eventID": "x", "eventHash": "y", "sha256": "0" * 64}
    statements = [
        new_statement("epcis.event", party_id, signer.public_key, statement_body) for _ in parsed
    ]
    stages["sign statements"] = _timed(lambda: [sign_statement(s, signer) for s in statements])[0]
    return stages


def _postgres() -> Engine | None:
    admin = make_engine(PG_URL, pool_size=1)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return make_engine(f"{PG_URL}{sep}options=-csearch_path%3D{SCHEMA}", pool_size=2)


def _fresh(kind: str, folder: Path, name: str) -> Engine | None:
    engine = make_engine(f"sqlite:///{folder / name}.sqlite3") if kind == "sqlite" else _postgres()
    if engine is None:
        return None
    runner.upgrade(engine)
    return engine


def _run(kind: str, folder: Path, body: bytes, encryptor: KeyEncryptor) -> None:
    engine = _fresh(kind, folder, "capture")
    if engine is None:
        sys.stdout.write(f"{kind}: skipped (not reachable at {PG_URL})\n")
        return
    seconds, captured, projectors = _end_to_end(engine, encryptor, body)
    cpu = projectors.pop("cpu")
    engine.dispose()
    base_engine = _fresh(kind, folder, "baseline")
    assert base_engine is not None
    base = _baseline(base_engine, encryptor, body)
    base_engine.dispose()
    rate, base_rate = captured / seconds, captured / base
    sys.stdout.write(
        f"{kind:10s} capture end to end {captured:>6} events {seconds:7.2f} s {rate:9.0f} ev/s | "
        f"insert-only baseline {base:6.2f} s {base_rate:9.0f} ev/s | ratio {base_rate / rate:5.1f}x\n"
    )
    shares = ", ".join(
        f"{name} {s:.2f} s ({100 * s / seconds:.0f} %)" for name, s in projectors.items()
    )
    outside = seconds - sum(projectors.values())
    sys.stdout.write(
        f"{'':10s} of which projectors: {shares}; capture without them {captured / outside:.0f} ev/s\n"
        f"{'':10s} CPU time of this process {cpu:.2f} s ({captured / cpu:.0f} ev/s)\n"
    )


def main() -> None:
    """Run on SQLite, then PostgreSQL if reachable; print rates and ratios."""
    body = json.dumps(document(events(N)), ensure_ascii=False).encode("utf-8")
    encryptor = KeyEncryptor.from_secret(SECRET)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    sys.stdout.write(
        f"{N} events, {len(body) / 1e6:.1f} MB of JSON-LD, {os.cpu_count()} CPUs, load {load}\n"
    )
    with tempfile.TemporaryDirectory() as d:
        for kind in ("sqlite", "postgresql"):
            _run(kind, Path(d), body, encryptor)
    stages = _breakdown(body, encryptor)
    sys.stdout.write("CPU stages alone (µs per event): ")
    sys.stdout.write(", ".join(f"{k} {1e6 * v / N:.0f}" for k, v in stages.items()) + "\n")


if __name__ == "__main__":
    main()
