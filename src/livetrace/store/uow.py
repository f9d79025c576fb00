"""The unit of work: the one place that commits. Services only add and flush."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from livetrace.store.engine import WRITE_INTENT


def begin_for_write(session: Session) -> None:
    """Start the session's transaction as one that will write (SQLite: `BEGIN IMMEDIATE`).

    Concurrent writers then queue on SQLite's busy timeout instead of failing when a transaction
    that read first tries to write. A no-op when the session's transaction has already begun;
    PostgreSQL ignores it (row locks and MVCC need no declaration).
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITE_INTENT: True})


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """Open a session, commit if the block succeeds, roll back if it raises.

    `write` (the default) takes SQLite's write lock when the transaction begins; read-only work
    passes False so it never waits for writers.
    """
    session = factory()
    if write:
        begin_for_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
