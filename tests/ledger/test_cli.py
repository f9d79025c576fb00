"""The log commands end to end on a SQLite file, and a tampered database caught by `verify`."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livetrace.cli.main import app
from livetrace.ledger.checkpoint import parse_checkpoint
from livetrace.ledger.merkle import root_at
from livetrace.ledger.note import parse_note
from livetrace.ledger.repository import decode_bundle, encode_bundle
from livetrace.ledger.tiles import EntryBundle, TileHashReader, parse_entry_bundle

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIVETRACE_LOG_ORIGIN", "cli.livetrace.example/log")
    assert run("db", "upgrade")[0] == 0
    code, out = run("party", "create", "--name", "Wuchang Rice", "--role", "brand")
    assert code == 0, out
    code, out = run(
        "log", "append-test", "--party", "Wuchang Rice", "--count", "40", "--batch", "15"
    )
    assert code == 0 and "checkpoint size 40" in out, out
    return Path(sqlite_url.removeprefix("sqlite:///"))


def test_log_commands(db: Path, tmp_path: Path) -> None:
    code, vkey = run("log", "vkey")
    assert code == 0 and vkey.startswith("cli.livetrace.example/log+")
    code, note = run("log", "checkpoint")
    assert code == 0 and note.startswith("cli.livetrace.example/log\n40\n")
    code, entry = run("log", "entry", "3")
    assert code == 0 and '"kind": "test.fact"' in entry
    code, out = run("log", "export-tiles", str(tmp_path / "tiles"))
    assert code == 0 and "size 40" in out
    folder = tmp_path / "tiles"
    checkpoint = parse_checkpoint(parse_note((folder / "checkpoint").read_text()).text)
    reader = TileHashReader(40, lambda tile: (folder / tile.path()).read_bytes())
    assert root_at(40, reader) == checkpoint.root_hash
    entries = parse_entry_bundle(
        EntryBundle(0, 40), (folder / "tile/entries/000.p/40").read_bytes()
    )
    assert len(entries) == 40 and b'"kind":"test.fact"' in entries[0]


def _party_key(db: Path) -> str:
    with sqlite3.connect(db) as con:
        (key,) = con.execute(
            "SELECT public_key FROM signing_key WHERE owner_kind = 'party'"
        ).fetchone()
    return base64.b64encode(key).decode()


def test_verify_a_bundle_offline(db: Path, tmp_path: Path) -> None:
    code, bundle = run("log", "bundle", "17")
    assert code == 0
    (tmp_path / "entry.tlog-proof").write_text(bundle)
    vkey = run("log", "vkey")[1].strip()
    (tmp_path / "policy").write_text(f"log {vkey}\nquorum none\n")
    args = ("verify", str(tmp_path / "entry.tlog-proof"), "--policy", str(tmp_path / "policy"))
    code, out = run(*args, "--party-key", _party_key(db))
    assert code == 0 and "is entry 17 of cli.livetrace.example/log (size 40)" in out, out
    code, out = run(*args, "--party-key", base64.b64encode(bytes(32)).decode())
    assert code == 1 and "ledger-statement-key-not-current" in out


def test_verify_database_catches_a_changed_byte(db: Path) -> None:
    code, out = run("verify", "--database")
    assert code == 0 and "OK: 40 entries, 40 statement signatures" in out, out
    with sqlite3.connect(db) as con:
        (body,) = con.execute("SELECT entries FROM log_entry_bundle WHERE bundle = 1").fetchone()
        entries = decode_bundle(body)
        entries[5] = entries[5].replace(b'"n":', b'"N":', 1)  # entry 21
        con.execute(
            "UPDATE log_entry_bundle SET entries = ? WHERE bundle = 1", (encode_bundle(entries),)
        )
    code, out = run("verify", "--database")
    assert code == 1
    assert "statement-signature index=21" in out and "leaf-hash index=21" in out, out
