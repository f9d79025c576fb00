"""The log's public read API: checkpoint, entries, proofs, tiles, bundles, and bad input."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories.ledger import Stater, fill_log, make_stater
from livetrace.context import AppContext
from livetrace.crypto.keys import KeyEncryptor
from livetrace.ledger.merkle import leaf_hash, root_at, verify_consistency, verify_inclusion
from livetrace.ledger.note import Ed25519Verifier
from livetrace.ledger.policy import parse_policy
from livetrace.ledger.proofbundle import parse_proof_bundle
from livetrace.ledger.service import LogEntry, LogService, SignedCheckpoint
from livetrace.ledger.tiles import Tile, TileHashReader
from livetrace.ledger.verifier import verify_bundle

PROBLEM = "application/problem+json"


@pytest.fixture
def log(
    session: Session, encryptor: KeyEncryptor, ctx: AppContext
) -> tuple[Stater, list[LogEntry], list[SignedCheckpoint]]:
    stater = make_stater(session, encryptor)
    service = LogService(session, encryptor, ctx.settings.log_origin)
    entries, checkpoints = fill_log(service, stater, [3, 300])
    service.index_leaves()
    session.commit()
    return stater, entries, checkpoints


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    return body


def test_checkpoint_and_vkey(client: TestClient, log: Any, ctx: AppContext) -> None:
    resp = client.get("/log/checkpoint")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "public, max-age=2"
    vkey = client.get("/log/vkey").text.strip()
    verifier = Ed25519Verifier.from_vkey(vkey)
    assert verifier.name == ctx.settings.log_origin
    assert resp.text == log[2][-1].note


def test_entries_and_inclusion_proofs(client: TestClient, log: Any) -> None:
    _, entries, checkpoints = log
    root = checkpoints[-1].checkpoint.root_hash
    entry = client.get("/log/entries/42").json()
    assert entry["entry"].encode() == entries[42].entry and entry["kind"] == "test.fact"
    assert b64(entry["leaf_hash"]) == leaf_hash(entries[42].entry)
    for query in (
        {"index": 42},
        {"leaf_hash": entries[42].leaf_hash.hex()},
        {"leaf_hash": base64.urlsafe_b64encode(entries[42].leaf_hash).decode()},
    ):
        proof = client.get("/log/proof/inclusion", params=query).json()
        assert proof["index"] == 42 and proof["tree_size"] == 303
        verify_inclusion(42, 303, entries[42].leaf_hash, [b64(h) for h in proof["proof"]], root)
    old = client.get("/log/proof/inclusion", params={"index": 1, "tree_size": 3}).json()
    assert old["checkpoint"] == checkpoints[0].note


def test_consistency_proof(client: TestClient, log: Any) -> None:
    _, _, checkpoints = log
    first, second = (c.checkpoint for c in checkpoints)
    proof = client.get("/log/proof/consistency", params={"first": 3, "second": 303}).json()
    verify_consistency(3, 303, first.root_hash, second.root_hash, [b64(h) for h in proof["proof"]])


def test_tiles_reproduce_the_root(client: TestClient, log: Any) -> None:
    _, entries, checkpoints = log
    full = client.get("/log/tile/0/000")
    assert full.headers["content-type"] == "application/octet-stream"
    assert "immutable" in full.headers["cache-control"]
    partial = client.get("/log/tile/0/001.p/47")
    assert "immutable" not in partial.headers["cache-control"]

    def fetch(tile: Tile) -> bytes:
        resp = client.get(f"/log/{tile.path()}")
        assert resp.status_code == 200, tile.path()
        return resp.content

    assert root_at(303, TileHashReader(303, fetch)) == checkpoints[-1].checkpoint.root_hash
    bundle = client.get("/log/tile/entries/001.p/47").content
    assert bundle[2:].startswith(entries[256].entry)


def test_bundle_verifies_offline(client: TestClient, log: Any) -> None:
    stater, entries, _ = log
    text = client.get("/log/bundle/7").text
    vkey = client.get("/log/vkey").text
    policy = parse_policy(f"log {vkey.strip()}\nquorum none\n")
    result = verify_bundle(text, policy, [stater.signer.public_key])
    assert result.proof.index == 7 and result.statement.entry == entries[7].entry
    assert parse_proof_bundle(text).extra == entries[7].entry


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/log/entries/303", {}, 404, "index"),
        ("/log/proof/inclusion", {"index": 303}, 422, "index"),
        ("/log/proof/inclusion", {"index": 1, "tree_size": 5}, 404, "size"),
        ("/log/proof/inclusion", {}, 422, "index"),
        ("/log/proof/inclusion", {"leaf_hash": "00ff"}, 422, "leaf_hash"),
        ("/log/proof/inclusion", {"leaf_hash": "zz" * 32}, 422, "leaf_hash"),
        ("/log/proof/inclusion", {"leaf_hash": "ab" * 32}, 404, "leaf_hash"),
        ("/log/proof/consistency", {"first": 5, "second": 304}, 422, "first"),
        ("/log/proof/consistency", {"first": 6, "second": 5}, 422, "first"),
        ("/log/tile/0/x000/001", {}, 422, "path"),
        ("/log/tile/0/002", {}, 404, None),
        ("/log/tile/entries/001.p/48", {}, 404, None),
    ],
)
def test_bad_requests_get_precise_problems(
    client: TestClient, log: Any, path: str, params: dict[str, Any], status: int, field: str | None
) -> None:
    body = problem(client.get(path, params=params), status)
    if field is not None:
        assert body.get("field") == field, body


def test_no_checkpoint_yet_is_404(client: TestClient) -> None:
    problem(client.get("/log/checkpoint"), 404)
