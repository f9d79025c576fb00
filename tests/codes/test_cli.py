"""`livetrace codes …` end to end on a fresh SQLite file."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from factories.cli import rice_gtin, rice_lot, run, runner
from livetrace.cli.main import app
from livetrace.codes.export import csv_rows

GTIN = rice_gtin("6970003")


@pytest.fixture
def lot(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return rice_lot(monkeypatch, sqlite_url, tmp_path, company_prefix="6970003")


def _issue(lot: str, *extra: str) -> str:
    code, out = run("codes", "issue", GTIN, "--lot", lot, "--count", "30", "--json", *extra)
    assert code == 0, out
    run_id: str = json.loads(out)["id"]
    return run_id


def test_issue_export_and_inspect(lot: str, tmp_path: Path) -> None:
    run_id = _issue(lot, "--target", "sgtin-96", "--pairs")
    csv_file = tmp_path / "codes.csv"
    code, out = run("codes", "export", run_id, "--format", "csv", "--out", str(csv_file))
    assert code == 0 and "wrote 30 codes" in out
    rows = csv_rows(csv_file.read_text(encoding="utf-8"))
    assert len(rows) == 30 and rows[0]["expiry"] == "2028-01-31"
    code, out = run("codes", "verify", rows[0]["digital_link"])
    assert code == 0 and "authentic" in out and rows[0]["serial"] in out
    zip_file, pdf_file, hex_file = tmp_path / "c.zip", tmp_path / "c.pdf", tmp_path / "c.txt"
    assert run("codes", "export", run_id, "--format", "zip", "--out", str(zip_file))[0] == 0
    assert "manifest.json" in zipfile.ZipFile(zip_file).namelist()
    assert run("codes", "export", run_id, "--format", "pdf", "--out", str(pdf_file))[0] == 0
    reader = PdfReader(io.BytesIO(pdf_file.read_bytes()))
    assert len(reader.pages) == 2 and "(17) EXP 2028-01-31" in reader.pages[0].extract_text()
    assert run("codes", "export", run_id, "--format", "epc-hex", "--out", str(hex_file))[0] == 0
    first_hex = hex_file.read_text().split()[0]
    code, out = run("codes", "inspect", first_hex)
    assert code == 0 and "epc-hex" in out and rows[0]["serial"] in out
    code, out = run("codes", "runs")
    assert code == 0 and run_id[:8] in out


def test_bad_input_exits_non_zero_with_the_reason(lot: str, tmp_path: Path) -> None:
    code, out = run("codes", "issue", GTIN, "--lot", "T 2026", "--count", "1")
    assert code == 1 and "not a valid AI (10) value" in out
    code, out = run("codes", "inspect", "(01)09520123456789")
    assert code == 1 and "check_digit" in out
    code, out = run("codes", "export", "nope", "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "not a run id" in out
    run_id = _issue(lot)
    code, out = run("codes", "export", run_id, "--format", "epc-hex", "--out", str(tmp_path / "x"))
    assert code == 1 and re.search(r"sgtin-96 or\s+sgtin-198", out)


def test_nfc_key_sets_are_created_listed_and_retired(lot: str) -> None:
    code, out = run("codes", "nfc", "create-key-set", "米业", "--json")
    assert code == 0, out
    key_set = json.loads(out)
    assert key_set["version"] == 1 and key_set["status"] == "active"
    code, out = run("codes", "nfc", "retire-key-set", key_set["id"], "--json")
    assert code == 0, out
    assert json.loads(out)["status"] == "retired"
    code, out = run("codes", "nfc", "key-sets", "米业", "--json")
    assert code == 0 and [k["status"] for k in json.loads(out)] == ["retired"]
    code, out = run("codes", "nfc", "retire-key-set", key_set["id"])
    assert code == 1 and "already retired" in out
    code, out = run("codes", "nfc", "retire-key-set", "not-an-id")
    assert code == 1 and "is not a key set id" in out


def test_scratch_off_labels_of_a_paired_run(lot: str, tmp_path: Path) -> None:
    run_id = _issue(lot, "--pairs")
    csv_file, pdf_file = tmp_path / "codes.csv", tmp_path / "hidden.pdf"
    assert run("codes", "export", run_id, "--out", str(csv_file))[0] == 0
    code, out = run("codes", "export", run_id, "--format", "scratch-pdf", "--out", str(pdf_file))
    assert code == 0 and "wrote 30 codes" in out
    reader = PdfReader(io.BytesIO(pdf_file.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    hidden = re.findall(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text)
    assert hidden == [row["hidden_code"] for row in csv_rows(csv_file.read_text(encoding="utf-8"))]
    plain = _issue(lot)
    missing = tmp_path / "none.pdf"
    code, out = run("codes", "export", plain, "--format", "scratch-pdf", "--out", str(missing))
    assert code == 1 and "without hidden codes" in out and not missing.exists()


def test_issue_writes_the_csv_in_the_same_pass(lot: str, tmp_path: Path) -> None:
    one_pass, exported = tmp_path / "issued.csv", tmp_path / "exported.csv"
    args = ["codes", "issue", GTIN, "--lot", lot, "--count", "30", "--pairs", "--json"]
    result = runner.invoke(app, [*args, "--target", "sgtin-96", "--csv", str(one_pass)])
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.stdout)["id"]
    assert run("codes", "export", run_id, "--out", str(exported))[0] == 0
    assert one_pass.read_bytes() == exported.read_bytes()
    assert len(csv_rows(one_pass.read_text(encoding="utf-8"))) == 30
    assert sorted(p.name for p in tmp_path.glob("*.csv*")) == ["exported.csv", "issued.csv"]


def test_a_failed_issue_leaves_no_csv_file(lot: str, tmp_path: Path) -> None:
    target = tmp_path / "codes.csv"
    code, out = run("codes", "issue", GTIN, "--lot", "NOSUCH", "--count", "3", "--csv", str(target))
    assert code == 1 and "register the lot first" in out
    code, out = run("codes", "issue", GTIN, "--lot", lot, "--count", "3", "--target", "sgtin-96",
                    "--level", "batch", "--csv", str(target))  # fmt: skip
    assert code == 1 and "only target QR" in out
    assert [p.name for p in tmp_path.iterdir() if "codes.csv" in p.name] == []  # nor a part
