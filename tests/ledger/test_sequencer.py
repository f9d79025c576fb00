"""Several workers appending at once, each in its own transaction: one writer at a time.

Runs on a database of its own (committed data), on PostgreSQL when the suite does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from factories.ledger import ORIGIN, Stater, make_stater
from livetrace.crypto.keys import KeyEncryptor
from livetrace.ledger.merkle import root_of
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogService
from livetrace.ledger.verifier import DatabaseVerifier
from livetrace.migrations import runner
from livetrace.store.engine import make_engine
from livetrace.store.uow import unit_of_work

WORKERS = 4
BATCHES = 5
BATCH = 7
SCHEMA = "livetrace_ledger_workers"


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    url = os.environ.get("LIVETRACE_TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        admin = make_engine(url, pool_size=1)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        admin.dispose()
        sep = "&" if "?" in url else "?"
        engine = make_engine(f"{url}{sep}options=-csearch_path%3D{SCHEMA}", pool_size=WORKERS)
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'workers.sqlite3'}")
    runner.upgrade(engine)
    yield engine
    engine.dispose()


def test_concurrent_workers_append_one_consistent_log(
    own_engine: Engine, encryptor: KeyEncryptor
) -> None:
    sessions = sessionmaker(bind=own_engine, expire_on_commit=False)
    with unit_of_work(sessions) as session:
        stater = make_stater(session, encryptor)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(BATCHES):
                statements = [stater.state() for _ in range(BATCH)]
                with unit_of_work(sessions) as session:
                    LogService(session, encryptor, ORIGIN).append_batch(statements)
        except Exception as exc:  # noqa: BLE001 - reported below; a thread cannot raise into the test
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    _check(sessions, stater, encryptor, WORKERS * BATCHES * BATCH)


def _check(
    sessions: sessionmaker[Session], stater: Stater, encryptor: KeyEncryptor, size: int
) -> None:
    with unit_of_work(sessions) as session:
        service = LogService(session, encryptor, ORIGIN)
        report = DatabaseVerifier(session, ORIGIN, log_verifiers=service.log_keys.verifiers()).run()
        assert report.ok, report.problems
        assert report.leaves == size and report.checkpoints == WORKERS * BATCHES
        reader = LogReader(session)
        leaves = [reader.entry(i).leaf_hash for i in range(size)]
        assert reader.latest_checkpoint().checkpoint.root_hash == root_of(leaves)
        assert stater.party.id
