"""`livetrace scans …` end to end on a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from factories.cli import rice_gtin, rice_lot, run
from livetrace.codes.export import csv_rows
from livetrace.store.engine import make_engine

GTIN = rice_gtin("6970004")


@pytest.fixture
def links(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Three issued codes (the first two active) and their CSV rows."""
    lot = rice_lot(monkeypatch, sqlite_url, tmp_path, company_prefix="6970004")
    code, out = run("codes", "issue", GTIN, "--lot", lot, "--count", "3", "--json")
    assert code == 0, out
    run_id = json.loads(out)["id"]
    csv_file = tmp_path / "codes.csv"
    assert run("codes", "export", run_id, "--format", "csv", "--out", str(csv_file))[0] == 0
    rows = csv_rows(csv_file.read_text(encoding="utf-8"))
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE item_code SET state = 'active' WHERE serial IN (:a, :b)"),
                     {"a": rows[0]["serial"], "b": rows[1]["serial"]})  # fmt: skip
    engine.dispose()
    return rows


def test_verify_prints_the_verdict_and_exits_by_it(links: list[dict[str, str]]) -> None:
    code, out = run("scans", "verify", links[0]["digital_link"], "--device", "a",
                    "--lat", "45.8", "--lon", "126.5", "--lang", "en")  # fmt: skip
    assert code == 0, out
    assert "CAUTION" in out and "no record of this item being shipped" in out
    assert "Harbin" in out and "scans: 1, devices: 1" in out
    code, out = run("scans", "verify", links[2]["digital_link"])
    assert code == 2 and "SUSPECT" in out and "从未激活" in out
    code, out = run("scans", "verify", links[0]["digital_link"][:-2] + "ZZ", "--json")
    assert code == 2
    body = json.loads(out)
    assert body["verdict"] == "counterfeit" and body["code"] is None


def test_alerts_ack_history_heat_and_thresholds(links: list[dict[str, str]]) -> None:
    link = links[1]["digital_link"]
    code, out = run("scans", "thresholds", GTIN, "--warn", "2", "--alarm", "3")
    assert code == 0 and json.loads(out) == {
        "warn_devices": 2, "alarm_devices": 3, "travel_kmh": 900.0,
    }  # fmt: skip
    for device in ("a", "b", "c"):
        run("scans", "verify", link, "--device", device)
    code, out = run("scans", "alerts", "--json")
    assert code == 0
    (alert,) = json.loads(out)
    assert alert["kind"] == "clone" and alert["severity"] == "alarm" and alert["count"] == 2
    code, out = run("scans", "alerts", "--kind", "clone")
    assert code == 0 and "clone" in out and "alarm" in out
    code, out = run("scans", "ack", alert["id"])
    assert code == 0 and "acknowledged" in out
    code, out = run("scans", "ack", alert["id"], "--close")
    assert code == 0 and "closed" in out
    code, out = run("scans", "ack", alert["id"])
    assert code == 1 and "closed" in out
    code, out = run("scans", "history", link, "--json")
    assert code == 0
    scans = json.loads(out)
    assert [s["verdict"] for s in scans] == ["caution", "caution", "suspect"]
    code, out = run("scans", "history", link)
    assert code == 0 and "3 scans" in out
    code, out = run("scans", "history", "nothing")
    assert code == 1 and "no code matches" in out
    code, out = run("scans", "heat", "--json")
    assert code == 0 and json.loads(out)[0]["total"] == 3
    code, out = run("scans", "alerts", "--status", "bogus")
    assert code == 1 and "status must be one of" in out
