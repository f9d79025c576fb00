"""`livetrace epcis import|validate` end to end on a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from factories.epcis import document, document_bytes, events, shipping
from livetrace.cli.main import app
from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis.models import CaptureJob, EpcisEventRow
from livetrace.gs1.keys import with_check_digit
from livetrace.store.engine import make_engine, make_sessionmaker

runner = CliRunner()


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with one party, `Mill`."""
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(
        app,
        ["party", "create", "--name", "Mill", "--role", "manufacturer", "--company-prefix",
         "6901234", "--gln", with_check_digit("690123400001"), "--region", "230184"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    return sqlite_url


def counts(url: str) -> tuple[int, list[tuple[bool, int, int]]]:
    """Stored events, and (success, captured, errors) of every job."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            n = session.execute(select(func.count()).select_from(EpcisEventRow)).scalar_one()
            found = session.execute(select(CaptureJob).order_by(CaptureJob.created_at)).scalars()
            return n, [(bool(j.success), j.captured_count, len(j.errors)) for j in found]
    finally:
        engine.dispose()


def test_import_json_in_batches(db: str, tmp_path: Path) -> None:
    path = tmp_path / "mill.jsonld"
    path.write_bytes(document_bytes(events(25)))
    result = runner.invoke(app, ["epcis", "import", str(path), "--party", "Mill", "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "25 of 25 events captured" in result.output
    assert counts(db) == (25, [(True, 25, 0)])


def test_import_xml_streams_events(db: str, tmp_path: Path) -> None:
    path = tmp_path / "mill.xml"
    path.write_bytes(bindings_xml.to_xml(bindings_json.parse_document(document(events(7)))))
    result = runner.invoke(app, ["epcis", "import", str(path), "--party", "Mill", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert counts(db) == (7, [(True, 7, 0)])


def test_rollback_import_with_a_bad_event_stores_nothing(db: str, tmp_path: Path) -> None:
    path = tmp_path / "mill.json"
    bad = {**shipping(90), "bizStep": "transforming"}
    path.write_bytes(document_bytes([*events(12), bad]))
    result = runner.invoke(app, ["epcis", "import", str(path), "--party", "Mill", "--batch", "5"])
    assert result.exit_code == 1
    assert "epcisBody.eventList[12].bizStep" in result.output
    assert counts(db) == (0, [(False, 0, 1)])


def test_proceed_import_keeps_the_good_events(db: str, tmp_path: Path) -> None:
    path = tmp_path / "mill.json"
    bad = {**shipping(90), "bizStep": "transforming"}
    path.write_bytes(document_bytes([*events(6), bad, *events(3, start=40)]))
    result = runner.invoke(
        app, ["epcis", "import", str(path), "--party", "Mill", "--behaviour", "proceed",
              "--batch", "4"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert counts(db) == (9, [(False, 9, 1)])


def test_unreadable_file_is_reported(db: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"type": "EPCISDocument", "epcisBody": ', encoding="utf-8")
    result = runner.invoke(app, ["epcis", "import", str(path), "--party", "Mill"])
    assert result.exit_code == 1
    assert "not valid JSON" in result.output
    assert counts(db) == (0, [])


def test_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(document_bytes(events(3)))
    result = runner.invoke(app, ["epcis", "validate", str(good)])
    assert result.exit_code == 0 and "valid" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document([{**shipping(1), "action": "CREATE"}])), encoding="utf-8")
    result = runner.invoke(app, ["epcis", "validate", str(bad)])
    assert result.exit_code == 1
    assert "CREATE" in result.output
