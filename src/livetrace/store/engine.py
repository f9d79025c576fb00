"""Engine factory: SQLite tuned for a single-file deployment, PostgreSQL with a pool."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_INTENT = "livetrace_write_intent"  # execution option: this transaction will write


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create an engine for `url` with the dialect's production settings applied."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # LIFO: a connection's page cache survives only its own writes (another connection's
        # commit empties it), so handing out the connection used last keeps reads warm; FIFO
        # rotated every request onto the coldest one.
        engine = create_engine(
            url, echo=echo, pool_use_lifo=True,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )  # fmt: skip
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        # psycopg 3 is the only PostgreSQL driver we install and test.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout; and real transactions (BEGIN emitted by SQLAlchemy).

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; taking it over is the
    documented SQLAlchemy recipe and gives SQLite the same semantics as PostgreSQL here.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        in_memory = engine.url.database in (None, "", ":memory:")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that has read cannot take the write lock once another writer
        # committed in between (WAL): it fails at once with "database is locked", busy timeout
        # or not. Transactions that will write take the lock up front and wait their turn.
        immediate = conn.get_execution_options().get(WRITE_INTENT, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (adapters render them afterwards)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
