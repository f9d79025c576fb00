"""PostgreSQL-specific behaviour: JSONB columns and concurrent uniqueness."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from conftest import DEFAULT_PG_URL, drop_schema, migrated, reachable_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of its own, whatever database the suite runs on."""
    url = os.environ.get("LIVETRACE_TEST_PG_URL", DEFAULT_PG_URL)
    schema = f"livetrace_pg_only_{os.getpid()}"
    engine = migrated(reachable_postgres(url, schema))
    yield engine
    engine.dispose()
    drop_schema(url, schema)


def test_json_columns_are_jsonb(pg: Engine) -> None:
    with pg.connect() as conn:
        kinds = dict(conn.execute(text(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name IN ('attributes', 'scopes')"
        )).all())  # fmt: skip
    assert kinds["product.attributes"] == "jsonb"
    assert kinds["api_token.scopes"] == "jsonb"


def test_timestamps_are_timestamptz(pg: Engine) -> None:
    with pg.connect() as conn:
        kind = conn.execute(text(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'party' AND column_name = 'created_at'"
        )).scalar()  # fmt: skip
    assert kind == "timestamp with time zone"


def test_only_one_active_key_per_owner_is_enforced_by_the_database(pg: Engine) -> None:
    insert = text(
        "INSERT INTO signing_key (id, owner_kind, owner_id, name, algorithm, public_key, "
        "sealed_private_key, status, created_at, updated_at) VALUES (gen_random_uuid(), 'party', "
        "'00000000-0000-0000-0000-000000000001', 'k', 'ed25519', '\\x00', '\\x00', 'active', now(), now())"
    )
    with pg.connect() as conn, conn.begin() as tx:
        conn.execute(insert)
        with pytest.raises(Exception, match="uq_signing_key_one_active"):
            conn.execute(insert)
        tx.rollback()
