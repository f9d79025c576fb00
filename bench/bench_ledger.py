"""The verifiable log against pymerkle 7 on the same machine, data and run.

Each measurement runs in a fresh process (so peak memory is per implementation):

* durable append of N entries (32 random bytes each, the same for both): livetrace sequences them
  in batches of B, one transaction and one signed checkpoint per batch, storing the entries and
  every subtree hash; pymerkle's ``SqliteTree.append_entries`` inserts them in one transaction;
* inclusion and consistency proofs at size N for 1,000 random leaves/sizes: the first pass
  fills caches (cold); warm is the best of three further passes, for both;
* peak RSS of each process;
* full-database verification (``livetrace verify --database``: every statement decoded and its
  Ed25519 signature checked, every leaf and subtree hash recomputed, checkpoints checked) on a
  log of real signed statements, in leaves per second.

Each side runs ``LIVETRACE_BENCH_REPEAT`` times (default 2), interleaved, and the best time of each
is reported, so a busy moment on a shared machine does not decide a ratio.

Environment: ``LIVETRACE_BENCH_N`` (default 1,000,000), ``LIVETRACE_BENCH_BATCH`` (10,000),
``LIVETRACE_BENCH_VERIFY_N`` (20,000 signed statements), ``LIVETRACE_BENCH_REPEAT`` (2).
Run: ``python -m bench bench_ledger``.
pymerkle is a benchmark-only dependency: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SEED = 20261121
DEFAULT_BATCH = 10_000
PROOFS = 1000
WARM_PASSES = 3
ORIGIN = "bench.livetrace.example/log"
SECRET = "bench-secret-that-is-long-enough-for-the-settings"


def _entries(n: int) -> Iterator[bytes]:
    rng = random.Random(SEED)
    for _ in range(n):
        yield rng.randbytes(32)


def _sample(n: int) -> tuple[list[int], list[int]]:
    rng = random.Random(SEED + 1)
    return [rng.randrange(n) for _ in range(PROOFS)], [rng.randrange(1, n) for _ in range(PROOFS)]


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _warm(fn: Callable[[], object]) -> float:
    """The best of ``WARM_PASSES`` timed passes over the same proofs (after a cold pass)."""
    return min(_timed(fn) for _ in range(WARM_PASSES))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- workers (each in its own process) -----------------------------------------------------------


def worker_pymerkle(folder: Path, n: int) -> dict[str, float]:
    """pymerkle SqliteTree: bulk append, then cold and warm proofs."""
    from pymerkle import SqliteTree  # noqa: PLC0415 - benchmark-only dependency

    tree = SqliteTree(str(folder / "pymerkle.sqlite3"))
    append = _timed(lambda: tree.append_entries(_entries(n)))
    indices, sizes = _sample(n)
    root = _timed(lambda: tree.get_root(n))
    # pymerkle indexes leaves from 1.
    cold = _timed(lambda: [tree.prove_inclusion(i + 1, n) for i in indices])
    warm = _warm(lambda: [tree.prove_inclusion(i + 1, n) for i in indices])
    consistency_cold = _timed(lambda: [tree.prove_consistency(m, n) for m in sizes])
    consistency = _warm(lambda: [tree.prove_consistency(m, n) for m in sizes])
    tree.close()
    return {"append_s": append, "first_root_s": root, "inclusion_cold_s": cold,
            "inclusion_s": warm, "consistency_cold_s": consistency_cold,
            "consistency_s": consistency, "peak_mb": _peak_mb()}  # fmt: skip


def worker_migrate(folder: Path, name: str) -> dict[str, float]:
    """Create a migrated, empty livetrace database (outside the measured processes)."""
    from livetrace.migrations import runner  # noqa: PLC0415
    from livetrace.store.engine import make_engine  # noqa: PLC0415

    engine = make_engine(f"sqlite:///{folder / name}")
    runner.upgrade(engine)
    engine.dispose()
    return {}


def worker_livetrace(folder: Path, n: int) -> dict[str, float]:
    """livetrace: durable batched append with a checkpoint per batch, then proofs."""
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from livetrace.crypto.keys import KeyEncryptor  # noqa: PLC0415
    from livetrace.ledger.appender import grow  # noqa: PLC0415
    from livetrace.ledger.merkle import consistency_proof, inclusion_proof  # noqa: PLC0415
    from livetrace.ledger.repository import LogRepository  # noqa: PLC0415
    from livetrace.ledger.service import LogService  # noqa: PLC0415
    from livetrace.store.engine import make_engine  # noqa: PLC0415

    batch = int(os.environ.get("LIVETRACE_BENCH_BATCH", str(DEFAULT_BATCH)))
    engine = make_engine(f"sqlite:///{folder / 'livetrace.sqlite3'}")
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    encryptor = KeyEncryptor.from_secret(SECRET)
    source = _entries(n)

    def append_all() -> None:
        done = 0
        while done < n:
            chunk = [next(source) for _ in range(min(batch, n - done))]
            with sessions.begin() as session:
                # The sequencing half of LogService.append (statement checks are measured by the
                # verification figure), then the real checkpoint step.
                repo = LogRepository(session)
                state = repo.lock_state(ORIGIN)
                leaves = [hashlib.sha256(b"\0" + entry).digest() for entry in chunk]
                compact = [state.compact[i : i + 32] for i in range(0, len(state.compact), 32)]
                growth = grow(state.size, compact, leaves)
                repo.write_batch(growth, chunk)
                repo.save_state(state, growth)
                LogService(session, encryptor, ORIGIN).issue_checkpoint()
            done += len(chunk)

    append = _timed(append_all)
    indices, sizes = _sample(n)
    with sessions() as session:
        reader = LogRepository(session).hash_reader(n)
        cold = _timed(lambda: [inclusion_proof(i, n, reader) for i in indices])
        warm = _warm(lambda: [inclusion_proof(i, n, reader) for i in indices])
        consistency_cold = _timed(lambda: [consistency_proof(m, n, reader) for m in sizes])
        consistency = _warm(lambda: [consistency_proof(m, n, reader) for m in sizes])
    engine.dispose()
    return {"append_s": append, "inclusion_cold_s": cold, "inclusion_s": warm,
            "consistency_cold_s": consistency_cold, "consistency_s": consistency,
            "peak_mb": _peak_mb(), "db_mb": (folder / "livetrace.sqlite3").stat().st_size / 2**20}  # fmt: skip


def worker_verify(folder: Path, m: int) -> dict[str, float]:
    """Append m real signed statements, then verify the whole database."""
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from livetrace.crypto.keys import KeyEncryptor  # noqa: PLC0415
    from livetrace.crypto.models import KeyOwnerKind  # noqa: PLC0415
    from livetrace.crypto.service import KeyService  # noqa: PLC0415
    from livetrace.identity.policy import SYSTEM  # noqa: PLC0415
    from livetrace.identity.schemas import PartyCreate  # noqa: PLC0415
    from livetrace.identity.service import IdentityService  # noqa: PLC0415
    from livetrace.ledger.service import LogService  # noqa: PLC0415
    from livetrace.ledger.statements import new_statement, sign_statement  # noqa: PLC0415
    from livetrace.ledger.verifier import DatabaseVerifier  # noqa: PLC0415
    from livetrace.store.engine import make_engine  # noqa: PLC0415

    engine = make_engine(f"sqlite:///{folder / 'verify.sqlite3'}")
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    encryptor = KeyEncryptor.from_secret(SECRET)
    with sessions.begin() as session:
        party = IdentityService(session, encryptor).create_party(
            SYSTEM, PartyCreate(name="Bench Farm", roles=["farm"])
        )
        signer = KeyService(session, encryptor).signer(KeyOwnerKind.PARTY, party.id)
    for start in range(0, m, 5000):
        body = [{"n": start + i, "lot": "WC-2026-10", "step": "harvesting"} for i in range(min(5000, m - start))]  # fmt: skip
        statements = [sign_statement(new_statement("epcis.event", party.id, signer.public_key, b), signer) for b in body]  # fmt: skip
        with sessions.begin() as session:
            LogService(session, encryptor, ORIGIN).append_batch(statements)
    with sessions() as session:
        verifiers = LogService(session, encryptor, ORIGIN).log_keys.verifiers()
        started = time.perf_counter()
        report = DatabaseVerifier(session, ORIGIN, log_verifiers=verifiers).run()
        elapsed = time.perf_counter() - started
    engine.dispose()
    if not report.ok or report.signatures != m:
        raise SystemExit(f"verification failed: {report.problems[:3]}")
    return {"verify_s": elapsed, "leaves": float(report.leaves)}


WORKERS: dict[str, Callable[[Path, Any], dict[str, float]]] = {
    "pymerkle": worker_pymerkle,
    "livetrace": worker_livetrace,
    "verify": worker_verify,
}


def _run(kind: str, folder: Path, arg: str | int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_ledger", "--worker", kind, str(folder), str(arg)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- report --------------------------------------------------------------------------------------


def main() -> None:
    """Run every measurement and print the figures with their ratios."""
    n = int(os.environ.get("LIVETRACE_BENCH_N", "1000000"))
    m = int(os.environ.get("LIVETRACE_BENCH_VERIFY_N", "20000"))
    batch = int(os.environ.get("LIVETRACE_BENCH_BATCH", str(DEFAULT_BATCH)))
    repeat = int(os.environ.get("LIVETRACE_BENCH_REPEAT", "2"))
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for round_ in range(repeat):
        # Alternate the order so that neither side always runs on a warmer (or busier) machine.
        for kind in ("livetrace", "pymerkle") if round_ % 2 == 0 else ("pymerkle", "livetrace"):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                if kind == "livetrace":
                    _run("migrate", folder, "livetrace.sqlite3")
                    ours.append(_run(kind, folder, n))
                else:
                    theirs.append(_run(kind, folder, n))
    with tempfile.TemporaryDirectory() as tmp:
        _run("migrate", Path(tmp), "verify.sqlite3")
        verify = _run("verify", Path(tmp), m)
    _report(n, m, batch, repeat, _best(ours), _best(theirs), verify)


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest time of each measurement over the repeats, and the highest peak memory."""
    return {
        key: (max if key in {"peak_mb", "db_mb"} else min)(run[key] for run in runs)
        for key in runs[0]
    }


def _report(  # noqa: PLR0917 - one figure per argument
    n: int,
    m: int,
    batch: int,
    repeat: int,
    ours: dict[str, float],
    theirs: dict[str, float],
    verify: dict[str, float],
) -> None:
    out = sys.stdout.write

    def per_proof(seconds: float) -> str:
        return f"{seconds / PROOFS * 1000:.3f} ms"

    def line(
        what: str, mine: float, other: float, target: str, unit: Callable[[float], str]
    ) -> None:
        out(f"{what:<44} livetrace {unit(mine):>12}  pymerkle {unit(other):>12}  "
            f"ratio {other / mine:6.2f}x  (target {target})\n")  # fmt: skip

    out(f"N = {n:,} entries of 32 random bytes (same data); livetrace batches of {batch:,}, "
        "one commit and one signed checkpoint per batch; pymerkle one bulk transaction; "
        f"best of {repeat} interleaved runs each (peak memory: the highest)\n")  # fmt: skip
    line("durable append", ours["append_s"], theirs["append_s"], ">= 1.5x", lambda s: f"{s:.2f} s")
    out(f"{'':<44} livetrace {n / ours['append_s']:>10,.0f}/s  pymerkle {n / theirs['append_s']:>10,.0f}/s"
        f"  (pymerkle's first root afterwards: {theirs['first_root_s']:.2f} s)\n")  # fmt: skip
    line(
        "inclusion proof, warm (1,000 random leaves)",
        ours["inclusion_s"],
        theirs["inclusion_s"],
        ">= 5x",
        per_proof,
    )
    line(
        "inclusion proof, cold",
        ours["inclusion_cold_s"],
        theirs["inclusion_cold_s"],
        "-",
        per_proof,
    )
    line(
        "consistency proof, warm (1,000 random sizes)",
        ours["consistency_s"],
        theirs["consistency_s"],
        ">= 5x",
        per_proof,
    )
    line(
        "consistency proof, cold",
        ours["consistency_cold_s"],
        theirs["consistency_cold_s"],
        "-",
        per_proof,
    )
    out(f"{'peak RSS (whole process)':<44} livetrace {ours['peak_mb']:>9.1f} MB  pymerkle {theirs['peak_mb']:>9.1f} MB  "
        f"ratio {ours['peak_mb'] / theirs['peak_mb']:6.2f}   (target <= 1.00)\n")  # fmt: skip
    out(f"{'full-database verification':<44} {verify['leaves'] / verify['verify_s']:,.0f} leaves/s "
        f"({m:,} signed statements, Ed25519 signatures included, {verify['verify_s']:.2f} s)\n")  # fmt: skip
    out(f"{'livetrace database size':<44} {ours['db_mb']:.1f} MB\n")


def _worker_main(argv: list[str]) -> None:
    kind, folder, arg = argv
    worker = WORKERS.get(kind)
    result = worker(Path(folder), int(arg)) if worker else worker_migrate(Path(folder), arg)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2:])
    else:
        main()
