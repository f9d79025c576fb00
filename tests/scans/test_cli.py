"""`livetrace scans …` end to end on a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from factories.catalog import RICE_LOT_ATTRS, RICE_PRODUCT_ATTRS
from livetrace.cli.main import app
from livetrace.codes.export import csv_rows
from livetrace.gs1.keys import with_check_digit
from livetrace.store.engine import make_engine

runner = CliRunner()
GTIN = with_check_digit("0697000400001")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def links(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Three issued codes (the first two active) and their CSV rows."""
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIVETRACE_BASE_URL", "https://id.example.cn")
    steps = [
        ("db", "upgrade"),
        ("party", "create", "--name", "米业", "--role", "brand", "--company-prefix", "6970004"),
        ("product", "create", "--gtin", GTIN, "--brand", "米业", "--template", "rice",
         "--name", "五常大米", "--attributes", json.dumps(RICE_PRODUCT_ATTRS)),
        ("product", "add-lot", GTIN, "--lot", "T2026", "--expires", "2028-01-31",
         "--attributes", json.dumps(RICE_LOT_ATTRS)),
    ]  # fmt: skip
    for step in steps:
        code, out = run(*step)
        assert code == 0, out
    code, out = run("codes", "issue", GTIN, "--lot", "T2026", "--count", "3", "--json")
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
