"""Whole-database verification finds every changed byte, and bundles verify offline."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from factories.ledger import ORIGIN, Stater, fill_log, log_service, make_stater
from livetrace.crypto.keys import KeyEncryptor
from livetrace.kit import canonical_json
from livetrace.ledger import ed25519
from livetrace.ledger.cosignature import CosignatureSigner
from livetrace.ledger.errors import (
    InclusionProofError,
    MalformedProofBundleError,
    NoTrustedSignatureError,
    QuorumNotMetError,
    StatementKeyError,
    StatementSignatureError,
)
from livetrace.ledger.models import LogCheckpoint, LogEntryBundle, LogLeaf, LogNodeBlock, LogState
from livetrace.ledger.note import Ed25519Signer
from livetrace.ledger.policy import parse_policy
from livetrace.ledger.proofbundle import ProofBundle, parse_proof_bundle
from livetrace.ledger.reads import LogReader
from livetrace.ledger.repository import decode_bundle, encode_bundle, node_slot
from livetrace.ledger.service import LogService
from livetrace.ledger.verifier import DatabaseReport, DatabaseVerifier, verify_bundle


@pytest.fixture
def stater(session: Session, encryptor: KeyEncryptor) -> Stater:
    return make_stater(session, encryptor)


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor, stater: Stater) -> LogService:
    service = log_service(session, encryptor)
    fill_log(service, stater, [5, 40, 70])  # 115 entries, three checkpoints
    service.index_leaves()
    return service


def verify(service: LogService) -> DatabaseReport:
    return DatabaseVerifier(
        service.session, ORIGIN, log_verifiers=service.log_keys.verifiers()
    ).run()


def kinds(report: DatabaseReport) -> list[tuple[str, int | None]]:
    return [(p.kind, p.index) for p in report.problems]


def test_untouched_database_verifies(service: LogService) -> None:
    report = verify(service)
    assert report.ok, report.problems
    assert (report.leaves, report.signatures, report.checkpoints) == (115, 115, 3)
    assert report.subtree_hashes == 2 * 115 - (115).bit_count()


def _rewrite_entry(session: Session, index: int, change: Callable[[bytes], bytes]) -> None:
    bundle = session.get(LogEntryBundle, index // 16)
    assert bundle is not None
    entries = decode_bundle(bundle.entries)
    entries[index % 16] = change(entries[index % 16])
    bundle.entries = encode_bundle(entries)
    session.flush()


def test_changed_statement_byte_is_found_at_its_index(
    service: LogService, session: Session
) -> None:
    _rewrite_entry(session, 37, lambda e: e.replace(b'"n":', b'"m":', 1))
    report = verify(service)
    assert ("statement-signature", 37) in kinds(report)
    assert ("leaf-hash", 37) in kinds(report)


def test_malformed_statement_is_reported(service: LogService, session: Session) -> None:
    _rewrite_entry(session, 3, lambda e: e.replace(b"{", b"[", 1))
    assert ("statement-malformed", 3) in kinds(verify(service))


def test_changed_leaf_hash_is_found_at_its_index(service: LogService, session: Session) -> None:
    _flip(session, 0, 80)
    assert kinds(verify(service)) == [("leaf-hash", 80)]


def test_changed_subtree_hash_is_found(service: LogService, session: Session) -> None:
    _flip(session, 6, 0)  # the subtree of leaves 0..63
    assert kinds(verify(service)) == [("subtree-hash", 0)]


def _flip(session: Session, level: int, index: int) -> None:
    key, offset = node_slot(level, index)
    block = session.get(LogNodeBlock, key)
    assert block is not None
    hashes = bytearray(block.hashes)
    hashes[offset] ^= 1
    block.hashes = bytes(hashes)
    session.flush()


def test_changed_checkpoint_is_found_with_its_size(service: LogService, session: Session) -> None:
    row = session.get(LogCheckpoint, 45)
    assert row is not None
    row.note = row.note.replace("\n45\n", "\n46\n")
    session.flush()
    assert ("checkpoint-signature", 45) in kinds(verify(service))


def test_changed_state_and_leaf_index_are_found(service: LogService, session: Session) -> None:
    session.execute(update(LogState).values(size=114))
    session.execute(update(LogLeaf).where(LogLeaf.idx == 9).values(leaf_key=12345))
    found = kinds(verify(service))
    assert ("log-state", 114) in found and ("leaf-index", 9) in found


def test_log_key_not_trusted_is_reported(service: LogService) -> None:
    stranger = ed25519.PrivateKey(bytes(32))
    report = DatabaseVerifier(
        service.session, ORIGIN, log_verifiers=[Ed25519Signer(ORIGIN, stranger).verifier()]
    ).run()
    assert [k for k, _ in kinds(report)] == ["checkpoint-signature"] * 3


# --- bundles --------------------------------------------------------------------------------------


def _bundle(service: LogService, index: int) -> str:
    return LogReader(service.session).proof_bundle(index)


def _policy(service: LogService, extra: str = "", quorum: str = "none") -> str:
    vkey = service.log_keys.verifiers()[0].vkey()
    return f"log {vkey}\n{extra}quorum {quorum}\n"


def test_bundle_failures_are_precise(service: LogService, stater: Stater) -> None:
    key = stater.signer.public_key
    bundle = _bundle(service, 100)
    policy = parse_policy(_policy(service))
    assert verify_bundle(bundle, policy, [key]).proof.index == 100

    with pytest.raises(StatementKeyError):
        verify_bundle(bundle, policy, [ed25519.PrivateKey(bytes(32)).public_key])
    parsed = parse_proof_bundle(bundle)
    with pytest.raises(InclusionProofError):
        verify_bundle(
            ProofBundle(99, parsed.proof, parsed.signed_checkpoint, parsed.extra).format(),
            policy,
            [key],
        )
    with pytest.raises(InclusionProofError):
        verify_bundle(
            ProofBundle(100, parsed.proof[:-1], parsed.signed_checkpoint, parsed.extra).format(),
            policy,
            [key],
        )
    with pytest.raises(MalformedProofBundleError):
        verify_bundle(
            ProofBundle(100, parsed.proof, parsed.signed_checkpoint).format(), policy, [key]
        )
    tampered = json.loads(parsed.extra or b"")
    tampered["statement"]["body"]["n"] = -1
    changed = canonical_json.canonicalize(tampered)
    with pytest.raises(StatementSignatureError):
        verify_bundle(
            ProofBundle(100, parsed.proof, parsed.signed_checkpoint, changed).format(),
            policy,
            [key],
        )
    other_log = parse_policy(f"log {ed25519_vkey()}\nquorum none\n")
    with pytest.raises(NoTrustedSignatureError):
        verify_bundle(bundle, other_log, [key])
    witness = CosignatureSigner("w.example", ed25519.PrivateKey(bytes([9]) * 32))
    needs_witness = parse_policy(_policy(service, f"witness w {witness.verifier().vkey()}\n", "w"))
    with pytest.raises(QuorumNotMetError):
        verify_bundle(bundle, needs_witness, [key])


def ed25519_vkey() -> str:
    return Ed25519Signer(ORIGIN, ed25519.PrivateKey(bytes([7]) * 32)).verifier().vkey()
