"""The verifiable log: checkpoints, entries, proofs, tiles and proof bundles. Public reads."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from livetrace.api.deps import ContextDep, SessionDep
from livetrace.context import AppContext
from livetrace.kit import canonical_json
from livetrace.kit.errors import ValidationError
from livetrace.ledger.policy import Policy, parse_policy
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogKeys
from livetrace.ledger.statements import format_time

router = APIRouter(prefix="/log", tags=["log"])

CHECKPOINT_CACHE = "public, max-age=2"
IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"


def _policy(ctx: AppContext) -> Policy | None:
    path = ctx.settings.witness_policy
    return parse_policy(path.read_bytes()) if path else None


def _reader(session: SessionDep, ctx: AppContext) -> LogReader:
    return LogReader(session, _policy(ctx))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _hash_param(text: str) -> bytes:
    """A 32-byte hash given as 64 hex digits or as base64 (standard or URL-safe)."""
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
        return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, binascii.Error):
        raise ValidationError(
            "leaf_hash must be 64 hex digits or base64 of a 32-byte hash", field="leaf_hash"
        ) from None


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: SessionDep, ctx: ContextDep) -> Response:
    """The latest checkpoint meeting the witness quorum, with its cosignatures (C2SP signed note)."""
    note = _reader(session, ctx).latest_checkpoint().cosigned_note
    return PlainTextResponse(note, headers={"Cache-Control": CHECKPOINT_CACHE})


@router.get("/vkey", response_class=PlainTextResponse)
def vkey(session: SessionDep, ctx: ContextDep) -> Response:
    """The log's verifier keys (one per line; retired keys included)."""
    keys = LogKeys(session, ctx.encryptor, ctx.settings.log_origin).verifiers()
    return PlainTextResponse("".join(f"{k.vkey()}\n" for k in keys))


@router.get("/entries/{index}")
def entry(index: int, session: SessionDep, ctx: ContextDep) -> dict[str, Any]:
    """One entry: the signed statement exactly as hashed, and its fields."""
    found = _reader(session, ctx).entry(index)
    statement = found.statement
    return {
        "index": found.index,
        "leaf_hash": _b64(found.leaf_hash),
        "entry": found.entry.decode("utf-8"),
        "statement": canonical_json.parse(found.entry)["statement"],
        "kind": statement.kind,
        "party_id": str(statement.party_id),
        "time": format_time(statement.time),
    }


@router.get("/proof/inclusion")
def inclusion(
    session: SessionDep,
    ctx: ContextDep,
    index: Annotated[int | None, Query(ge=0)] = None,
    leaf_hash: Annotated[str | None, Query(max_length=100)] = None,
    tree_size: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """An inclusion proof by index or by leaf hash, in the latest (or a given) checkpoint."""
    reader = _reader(session, ctx)
    if (index is None) == (leaf_hash is None):
        raise ValidationError("give exactly one of index and leaf_hash", field="index")
    if index is None:
        index = reader.find_leaf(_hash_param(leaf_hash or ""), tree_size)
    proof = reader.inclusion(index, tree_size)
    return {
        "index": proof.index,
        "tree_size": proof.checkpoint.checkpoint.size,
        "leaf_hash": _b64(proof.leaf_hash),
        "proof": [_b64(h) for h in proof.proof],
        "checkpoint": proof.checkpoint.cosigned_note,
    }


@router.get("/proof/consistency")
def consistency(
    session: SessionDep,
    ctx: ContextDep,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """A consistency proof between two published sizes."""
    proof = _reader(session, ctx).consistency(first, second)
    return {"first": first, "second": second, "proof": [_b64(h) for h in proof]}


@router.get("/bundle/{index}", response_class=PlainTextResponse)
def bundle(index: int, session: SessionDep, ctx: ContextDep) -> Response:
    """A C2SP tlog-proof bundle for one statement (the statement is its extra data)."""
    return PlainTextResponse(_reader(session, ctx).proof_bundle(index))


@router.get("/tile/{path:path}")
def tile(path: str, session: SessionDep, ctx: ContextDep) -> Response:
    """C2SP tlog-tiles: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``."""
    found = _reader(session, ctx).tile(f"tile/{path}")
    cache = IMMUTABLE if found.immutable else PARTIAL_TILE_CACHE
    return Response(
        found.body, media_type="application/octet-stream", headers={"Cache-Control": cache}
    )
