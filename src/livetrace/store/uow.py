"""The unit of work: the one place that commits. Services only add and flush."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from livetrace.store.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE_INTENT

_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def rows_connection(session: Session) -> Connection:
    """The session's connection, for statements that return plain columns.

    The ORM's execution layer adds nothing to plain rows but its own cost (a third of a scan's),
    so repositories run such statements on the connection; pending objects are flushed first,
    as `Session.execute` would.
    """
    if session.autoflush:
        session.flush()
    return session.connection()


def begin_for_write(session: Session) -> None:
    """Start the session's transaction as one that will write (SQLite: `BEGIN IMMEDIATE`).

    Concurrent writers then queue on SQLite's busy timeout instead of failing when a transaction
    that read first tries to write. A no-op when the session's transaction has already begun;
    PostgreSQL ignores it (row locks and MVCC need no declaration).
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITE_INTENT: True})


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A short transaction that writes: begun for write, committed when the block ends (rolled
    back if it raises). The session must have no transaction open.

    On SQLite the writers of this process first queue on a lock of their own. SQLite's busy
    handler polls a held write lock with sleeps of 1, 2, 5, 10… up to 100 ms, so under a burst
    of concurrent writers the lock sat idle between sleeps and a 0.2 ms insert could wait for
    seconds; a thread lock hands over at once. Writers in other processes still meet at
    SQLite's lock. PostgreSQL needs no such queue: its writers do not exclude each other.
    """
    lock = _write_lock(session)
    held = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) if lock is not None else False
    try:
        begin_for_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        if held and lock is not None:
            lock.release()


def _write_lock(session: Session) -> threading.Lock | None:
    """The process's write queue for the session's SQLite database (None on other databases)."""
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return None
    with _LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.Lock()
        return lock


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
