"""Real databases through the real migrations; one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when LIVETRACE_TEST_DATABASE_URL names one.
Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from livetrace.api.app import create_app
from livetrace.catalog.service import CatalogService
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.crypto.keys import KeyEncryptor
from livetrace.migrations import runner
from livetrace.store.engine import make_engine

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_SECRET = "test-secret-that-is-long-enough-for-the-settings-check"


def reachable_postgres(url: str, schema: str) -> Engine:
    """An engine on `url` whose search_path is `schema` (made empty), or skip/fail."""
    engine = make_engine(url, pool_size=5)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        engine.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at {url} is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {url}: {exc.orig}")
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return make_engine(f"{url}{sep}options=-csearch_path%3D{schema}", pool_size=5)


def drop_schema(url: str, schema: str) -> None:
    """Remove a test schema after the run."""
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def migrated(engine: Engine) -> Engine:
    """Run the real migrations and install the built-in templates."""
    runner.upgrade(engine)
    factory = sessionmaker(bind=engine)
    with factory.begin() as session:
        CatalogService(session).install_builtin_templates()
    return engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The suite's database, migrated once."""
    url = os.environ.get("LIVETRACE_TEST_DATABASE_URL")
    # A schema per test process, so parallel runs against one PostgreSQL never clobber each other.
    schema = f"livetrace_test_{os.getpid()}"
    postgres = bool(url and url.startswith("postgresql"))
    if url:
        eng = reachable_postgres(url, schema) if postgres else make_engine(url)
    else:
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    yield migrated(eng)
    eng.dispose()
    if postgres and url:
        drop_schema(url, schema)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits become savepoints of the test's transaction."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for service-level tests."""
    with sessions() as s:
        yield s


@pytest.fixture
def encryptor() -> KeyEncryptor:
    """The key encryptor the test settings produce."""
    return KeyEncryptor.from_secret(TEST_SECRET)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings with a private data directory."""
    return Settings(environment="test", data_dir=tmp_path, secret_key=TEST_SECRET)


@pytest.fixture
def ctx(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], encryptor: KeyEncryptor
) -> AppContext:
    """An app context whose sessions live in the test transaction."""
    return AppContext(settings=settings, engine=engine, sessions=sessions, encryptor=encryptor)


@pytest.fixture
def client(ctx: AppContext) -> Iterator[TestClient]:
    """The HTTP API on the test transaction."""
    with TestClient(create_app(ctx=ctx)) as c:
        yield c


@pytest.fixture
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file URL (for CLI tests that run whole commands)."""
    with tempfile.TemporaryDirectory() as d:
        yield f"sqlite:///{Path(d) / 'cli.sqlite3'}"
