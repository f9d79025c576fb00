"""Two database connections racing to accept taps of one tag: one acceptance per counter value.

Runs on committed data in a database of its own, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from conftest import DEFAULT_PG_URL, drop_schema, migrated, reachable_postgres
from factories.codes import code_service, issue_run, make_catalog, tap_params
from livetrace.codes.errors import (
    NfcTapConflictError,
    SunCounterError,
    SunCounterRollbackError,
    SunReplayError,
)
from livetrace.codes.models import ItemCode, NfcTag
from livetrace.codes.nfc import NfcService, TagKeys
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.store.engine import make_engine
from livetrace.store.uow import unit_of_work

UID = "04DE5F1EACC0AA"
ROUNDS = 12


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def own_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of the test's own, so two connections see each other's commits."""
    if request.param == "sqlite":
        engine = migrated(make_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}"))
        yield engine
        engine.dispose()
        return
    url = os.environ.get("LIVETRACE_TEST_PG_URL", DEFAULT_PG_URL)
    schema = f"livetrace_nfc_race_{os.getpid()}"
    engine = migrated(reachable_postgres(url, schema))
    yield engine
    engine.dispose()
    drop_schema(url, schema)


@pytest.fixture
def sessions(own_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=own_engine, expire_on_commit=False)


@pytest.fixture
def keys(sessions: sessionmaker[Session], encryptor: KeyEncryptor) -> TagKeys:
    """A committed brand, code, key set and tag; the keys written onto the tag."""
    with unit_of_work(sessions) as session:
        catalog = make_catalog(session, encryptor)
        run = issue_run(session, catalog, count=1)
        code = session.scalars(select(ItemCode).where(ItemCode.run_id == run.id)).one()
        nfc = NfcService(session, encryptor, code_service(session))
        nfc.create_key_set(SYSTEM, catalog.brand.id)
        nfc.register_tag(SYSTEM, UID, code.id)
        return nfc.tag_keys(SYSTEM, UID)


@dataclass
class Outcome:
    """What one tap attempt came to: the accepted counter, or the error."""

    counter: int
    accepted: bool = False
    error: BaseException | None = None


def _tap(keys: TagKeys, counter: int) -> dict[str, str]:
    # A fresh genuine read each time: the PICC data carries new random bytes.
    return tap_params(bytes.fromhex(keys.uid), counter, keys.meta_read_key, keys.file_read_key)


def _attempt(
    sessions: sessionmaker[Session], encryptor: KeyEncryptor, params: dict[str, str]
) -> Callable[[Outcome], None]:
    def run(outcome: Outcome) -> None:
        try:
            with unit_of_work(sessions) as session:
                NfcService(session, encryptor, code_service(session)).verify_tap(**params)
            outcome.accepted = True
        except Exception as error:  # noqa: BLE001 - reported to the test thread
            outcome.error = error

    return run


def _race(
    sessions: sessionmaker[Session], encryptor: KeyEncryptor, taps: list[tuple[int, dict[str, str]]]
) -> list[Outcome]:
    """Run the taps at once, each in its own thread, session and connection."""
    outcomes = [Outcome(counter) for counter, _ in taps]
    barrier = threading.Barrier(len(taps))

    def start(index: int) -> None:
        barrier.wait()
        _attempt(sessions, encryptor, taps[index][1])(outcomes[index])

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(taps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _stored(sessions: sessionmaker[Session]) -> tuple[int | None, int]:
    with sessions() as session:
        tag = session.scalars(select(NfcTag).where(NfcTag.uid == UID)).one()
        return tag.last_counter, tag.tap_count


def test_the_loser_waits_for_the_winner_and_is_told_it_replayed(
    sessions: sessionmaker[Session], encryptor: KeyEncryptor, keys: TagKeys
) -> None:
    """Connection A accepts counter 5 and holds its transaction open; B then taps counter 5."""
    loser = Outcome(5)
    with unit_of_work(sessions) as session:
        NfcService(session, encryptor, code_service(session)).verify_tap(**_tap(keys, 5))
        thread = threading.Thread(
            target=_attempt(sessions, encryptor, _tap(keys, 5)), args=(loser,)
        )
        thread.start()
        time.sleep(0.3)  # let B reach the conditional UPDATE and wait behind A's uncommitted row
    thread.join()
    assert not loser.accepted and isinstance(loser.error, SunReplayError), loser.error
    assert _stored(sessions) == (5, 1)


def test_same_counter_taps_race_and_exactly_one_is_accepted(
    sessions: sessionmaker[Session], encryptor: KeyEncryptor, keys: TagKeys
) -> None:
    for counter in range(1, ROUNDS + 1):
        outcomes = _race(sessions, encryptor, [(counter, _tap(keys, counter)) for _ in range(2)])
        assert sum(o.accepted for o in outcomes) == 1, outcomes
        loser = next(o for o in outcomes if not o.accepted)
        assert isinstance(loser.error, SunReplayError), loser.error
    assert _stored(sessions) == (ROUNDS, ROUNDS)


def test_rising_counter_taps_race_and_each_value_is_accepted_at_most_once(
    sessions: sessionmaker[Session], encryptor: KeyEncryptor, keys: TagKeys
) -> None:
    accepted: list[int] = []
    for base in range(1, 3 * ROUNDS, 3):
        taps = [(base, _tap(keys, base)), (base + 1, _tap(keys, base + 1))]
        outcomes = _race(sessions, encryptor, taps)
        low, high = outcomes
        # The higher counter always wins; the lower one only if it got there first.
        assert high.accepted, high.error
        assert low.accepted or isinstance(low.error, SunCounterRollbackError), low.error
        accepted += [o.counter for o in outcomes if o.accepted]
        for outcome in outcomes:
            assert outcome.accepted or isinstance(outcome.error, SunCounterError)
    assert len(accepted) == len(set(accepted)) and accepted == sorted(accepted)
    assert _stored(sessions) == (3 * ROUNDS - 1, len(accepted))


def test_a_tap_in_a_transaction_that_read_before_a_concurrent_commit_is_refused_precisely(
    own_engine: Engine, sessions: sessionmaker[Session], encryptor: KeyEncryptor, keys: TagKeys
) -> None:
    """The caller read earlier (SQLite: an old snapshot); another tap commits; then this one."""
    with unit_of_work(sessions, write=False) as session:  # began as a reader, not a writer
        assert session.scalars(select(NfcTag.last_counter).where(NfcTag.uid == UID)).one() is None
        winner = Outcome(7)
        _attempt(sessions, encryptor, _tap(keys, 7))(winner)
        assert winner.accepted, winner.error
        expected = NfcTapConflictError if own_engine.dialect.name == "sqlite" else SunReplayError
        with pytest.raises(expected):
            NfcService(session, encryptor, code_service(session)).verify_tap(**_tap(keys, 7))
    assert _stored(sessions) == (7, 1)
