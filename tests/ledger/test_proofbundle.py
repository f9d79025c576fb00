"""C2SP tlog-proof: bundle format, the spec example and end-to-end offline verification."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.ledger import ed25519, merkle
from livetrace.ledger.checkpoint import Checkpoint, sign_checkpoint
from livetrace.ledger.cosignature import CosignatureSigner
from livetrace.ledger.errors import (
    InclusionProofError,
    MalformedProofBundleError,
    NoTrustedSignatureError,
    QuorumNotMetError,
    SignatureInvalidError,
)
from livetrace.ledger.note import Ed25519Signer
from livetrace.ledger.policy import Policy, parse_policy
from livetrace.ledger.proofbundle import (
    ProofBundle,
    format_proof_bundle,
    parse_proof_bundle,
    verify_proof_bundle,
)

ORIGIN = "example.com/log"
ENTRIES = [f"statement {i}".encode() for i in range(100)]


@pytest.fixture(scope="module")
def store() -> merkle.InMemoryHashStore:
    return merkle.InMemoryHashStore.from_leaf_hashes(merkle.leaf_hash(e) for e in ENTRIES)


@pytest.fixture(scope="module")
def policy(log_signer: Ed25519Signer, witness_signers: list[CosignatureSigner]) -> Policy:
    witnesses = "".join(
        f"witness w{i} {w.verifier().vkey()}\n" for i, w in enumerate(witness_signers)
    )
    return parse_policy(
        f"log {log_signer.verifier().vkey()}\n{witnesses}group q 2 w0 w1 w2\nquorum q\n"
    )


def _bundle(
    store: merkle.InMemoryHashStore,
    log_signer: Ed25519Signer,
    cosigners: list[CosignatureSigner],
    index: int,
    size: int = 100,
) -> ProofBundle:
    checkpoint = Checkpoint(ORIGIN, size, merkle.root_at(size, store))
    cosigs = [c.cosign(checkpoint.body(), 1_700_000_000).note_signature() for c in cosigners]
    signed = sign_checkpoint(checkpoint, [log_signer], cosigs)
    return ProofBundle(index, tuple(merkle.inclusion_proof(index, size, store)), signed, b"ctx")


def test_spec_example_head_parses_but_elided_signatures_do_not(
    load_json: Callable[[str], Any], store: merkle.InMemoryHashStore, log_signer: Ed25519Signer
) -> None:
    example = load_json("c2sp_spec_examples.json")["tlog_proof_example_elided"]["text"]
    with pytest.raises(MalformedProofBundleError, match="checkpoint"):
        parse_proof_bundle(example)
    head = example.split("\n\n", 1)[0]
    real_checkpoint = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), [log_signer])
    bundle = parse_proof_bundle(head + "\n\n" + real_checkpoint)
    assert bundle.index == 73894
    assert len(bundle.proof) == 5
    assert bundle.extra is not None and bundle.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert bundle.format() == head + "\n\n" + real_checkpoint


def test_end_to_end_offline_verification(
    store: merkle.InMemoryHashStore,
    log_signer: Ed25519Signer,
    witness_signers: list[CosignatureSigner],
    policy: Policy,
) -> None:
    bundle = _bundle(store, log_signer, witness_signers[:2], 42)
    text = format_proof_bundle(bundle)
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y3R4\nindex 42\n")
    verified = verify_proof_bundle(text, policy, leaf_data=ENTRIES[42], origin=ORIGIN)
    assert verified.accepted.cosigners == {"w0", "w1"}
    assert verified.leaf_hash == merkle.leaf_hash(ENTRIES[42])
    verify_proof_bundle(bundle, policy, leaf=merkle.leaf_hash(ENTRIES[42]))


def test_failures(
    store: merkle.InMemoryHashStore,
    log_signer: Ed25519Signer,
    witness_signers: list[CosignatureSigner],
    policy: Policy,
) -> None:
    bundle = _bundle(store, log_signer, witness_signers, 7)
    with pytest.raises(InclusionProofError):
        verify_proof_bundle(bundle, policy, leaf_data=ENTRIES[8])
    moved = ProofBundle(8, bundle.proof, bundle.signed_checkpoint)
    with pytest.raises(InclusionProofError):
        verify_proof_bundle(moved, policy, leaf_data=ENTRIES[7])
    lonely = _bundle(store, log_signer, witness_signers[:1], 7)
    with pytest.raises(QuorumNotMetError):
        verify_proof_bundle(lonely, policy, leaf_data=ENTRIES[7])
    impostor = Ed25519Signer(ORIGIN, ed25519.PrivateKey(b"\x55" * 32))
    with pytest.raises(NoTrustedSignatureError):
        verify_proof_bundle(
            _bundle(store, impostor, witness_signers, 7), policy, leaf_data=ENTRIES[7]
        )
    forged = bundle.signed_checkpoint.replace("\n100\n", "\n101\n")
    with pytest.raises(SignatureInvalidError):
        verify_proof_bundle(ProofBundle(7, bundle.proof, forged), policy, leaf_data=ENTRIES[7])
    with pytest.raises(MalformedProofBundleError):
        verify_proof_bundle(bundle, policy)


@pytest.mark.parametrize(
    ("head", "field"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 1", "header"),
        ("c2sp.org/tlog-proof@v1\nindex 01", "index"),
        ("c2sp.org/tlog-proof@v1\nindex", "index"),
        ("c2sp.org/tlog-proof@v1", "index"),
        ("c2sp.org/tlog-proof@v1\nextra \nindex 1", "extra"),
        ("c2sp.org/tlog-proof@v1\nextra !!\nindex 1", "extra"),
        ("c2sp.org/tlog-proof@v1\nindex 1\nAAAA", "proof"),
        ("c2sp.org/tlog-proof@v1\nindex 1\nextra Y3R4", "proof"),
    ],
)
def test_malformed_bundles(head: str, field: str, log_signer: Ed25519Signer) -> None:
    checkpoint = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), [log_signer])
    with pytest.raises(MalformedProofBundleError) as caught:
        parse_proof_bundle(head + "\n\n" + checkpoint)
    assert caught.value.field == field


def test_missing_separator_and_bad_bytes() -> None:
    with pytest.raises(MalformedProofBundleError, match="empty line"):
        parse_proof_bundle("c2sp.org/tlog-proof@v1\nindex 1\n")
    with pytest.raises(MalformedProofBundleError, match="UTF-8"):
        parse_proof_bundle(b"\xff")


@given(st.integers(min_value=0, max_value=99), st.none() | st.binary(min_size=1, max_size=40))
def test_format_parse_round_trip(index: int, extra: bytes | None) -> None:
    signer = Ed25519Signer(ORIGIN, ed25519.PrivateKey(b"\x01" * 32))
    signed = sign_checkpoint(Checkpoint(ORIGIN, 100, bytes(32)), [signer])
    bundle = ProofBundle(index, tuple(bytes([i]) * 32 for i in range(index % 7)), signed, extra)
    assert parse_proof_bundle(format_proof_bundle(bundle)) == bundle


@given(st.text(max_size=150))
def test_parse_raises_only_its_own_error(text: str) -> None:
    try:
        parse_proof_bundle("c2sp.org/tlog-proof@v1\n" + text)
    except MalformedProofBundleError:
        return
