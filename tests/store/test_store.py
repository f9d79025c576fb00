"""Column types, engine settings, migrations and the unit of work on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from livetrace.identity.models import Party
from livetrace.migrations import runner
from livetrace.store.base import NAMING_CONVENTION, Base
from livetrace.store.engine import make_engine
from livetrace.store.uow import unit_of_work


def test_utc_datetime_round_trips_as_aware_utc(session: Session) -> None:
    shanghai = timezone(timedelta(hours=8))
    party = Party(name="tz", created_at=datetime(2026, 11, 1, 8, 0, tzinfo=shanghai))
    session.add(party)
    session.flush()
    session.expire_all()
    loaded = session.get(Party, party.id)
    assert loaded is not None
    assert loaded.created_at == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_datetime_is_refused(session: Session) -> None:
    session.add(Party(name="naive", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_sqlite_engine_has_wal_foreign_keys_and_busy_timeout(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite3")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    engine.dispose()


def test_constraints_follow_the_naming_convention() -> None:
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    names = {c.name for t in Base.metadata.tables.values() for c in t.constraints}
    assert "pk_party" in names
    assert "uq_party_gln" in names
    assert "fk_product_brand_party_id_party" in names


def test_database_is_at_head_and_models_match_migrations(engine: Engine) -> None:
    runner.check(engine)  # raises on drift
    assert runner.current_revision(engine) == runner.head_revision()


def test_drift_is_detected_on_an_unmigrated_database(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.sqlite3")
    with pytest.raises(runner.MigrationDriftError, match="run `livetrace db upgrade`"):
        runner.check(engine)
    engine.dispose()


def test_drift_is_detected_when_a_table_changes(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/drift.sqlite3")
    runner.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE party ADD COLUMN rogue INTEGER"))
    with pytest.raises(runner.MigrationDriftError, match="drift"):
        runner.check(engine)
    engine.dispose()


def test_migration_file_names_start_with_a_date() -> None:
    names = [p.name for p in (runner.HERE / "versions").glob("*.py")]
    assert names
    assert all(n[:8].isdigit() and n[8] == "_" for n in names)


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(
    sessions: sessionmaker[Session],
) -> None:
    with unit_of_work(sessions) as s:
        s.add(Party(name="kept"))
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        s.add(Party(name="lost"))
        s.flush()
        raise RuntimeError("boom")
    with sessions() as s:
        names = set(s.scalars(text("SELECT name FROM party WHERE name IN ('kept','lost')")))
    assert names == {"kept"}
