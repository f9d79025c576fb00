"""C2SP tlog-cosignature v1: spec example, derived vectors, sign and verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from livetrace.ledger import cosignature
from livetrace.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from livetrace.ledger.errors import (
    MalformedCosignatureError,
    SignatureInvalidError,
    UnsupportedKeyAlgorithmError,
)
from livetrace.ledger.note import (
    Ed25519Signer,
    NoteSignature,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
)


@pytest.fixture(scope="module")
def c2sp(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("c2sp_spec_examples.json")
    return data


@pytest.fixture(scope="module")
def derived(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("derived_cosignature_vectors.json")
    return data


@pytest.fixture(scope="module")
def witness_keys(load_json: Callable[[str], Any]) -> dict[str, str]:
    data: dict[str, str] = load_json("transparency_dev_formats.json")["fixed_witness_keys"]
    return data


def test_signed_message_matches_the_spec_example(c2sp: dict[str, Any]) -> None:
    body = parse_note(c2sp["checkpoint_example"]["signed_checkpoint"]).text
    expected = c2sp["cosignature_v1_signed_message_example"]
    assert cosignature.signed_message(body, 1679315147) == expected.encode()


def test_spec_cosigned_checkpoint_has_a_76_byte_cosignature(c2sp: dict[str, Any]) -> None:
    note = parse_note(c2sp["cosigned_checkpoint_example"]["signed_checkpoint"])
    line = note.signatures[1]
    assert line.name == "witness.example.com/w1"
    assert len(line.signature) + 4 == 76
    decoded = cosignature.decode(line)
    assert decoded.timestamp == 1679315147
    assert decoded.note_signature() == line


@pytest.mark.parametrize("number", [1, 2, 3])
def test_derived_vectors_byte_for_byte(
    number: int, derived: dict[str, Any], witness_keys: dict[str, str]
) -> None:
    vector = derived["cosignatures"][number - 1]
    signer = CosignatureSigner.from_skey(witness_keys[f"wit{number}_skey"])
    assert signer.verifier().vkey() == vector["cosigner_vkey_type04"]
    produced = signer.cosign(derived["checkpoint_body"], derived["timestamp"])
    assert produced.note_signature().line() == vector["signature_line"] + "\n"
    assert cosignature.signed_message(derived["checkpoint_body"], derived["timestamp"]) == (
        vector["signed_message"].encode()
    )


def test_derived_cosignatures_verify_from_vkeys_alone(derived: dict[str, Any]) -> None:
    verifiers = [
        CosignatureVerifier.from_vkey(c["cosigner_vkey_type04"]) for c in derived["cosignatures"]
    ]
    lines = "".join(c["signature_line"] + "\n" for c in derived["cosignatures"])
    note = open_note(derived["checkpoint_body"] + "\n" + lines, verifiers)
    found = cosignature.verified_cosignatures(note, verifiers)
    assert [c.name for c in found] == ["Wit1", "Wit2", "Wit3"]
    assert {c.timestamp for c in found} == {derived["timestamp"]}


def test_a_changed_timestamp_breaks_the_cosignature(derived: dict[str, Any]) -> None:
    vector = derived["cosignatures"][0]
    verifier = CosignatureVerifier.from_vkey(vector["cosigner_vkey_type04"])
    line = parse_note(derived["checkpoint_body"] + "\n" + vector["signature_line"] + "\n")
    decoded = cosignature.decode(line.signatures[0])
    later = cosignature.Cosignature(
        decoded.name, decoded.key_id, decoded.timestamp + 1, decoded.signature
    )
    body = derived["checkpoint_body"].encode()
    verifier.verify(body, decoded.note_signature().signature)
    with pytest.raises(SignatureInvalidError):
        verifier.verify(body, later.note_signature().signature)
    with pytest.raises(SignatureInvalidError, match="72"):
        verifier.verify(body, decoded.note_signature().signature[:-1])


def test_a_plain_note_signature_key_is_not_a_cosigner(
    log_signer: Ed25519Signer, derived: dict[str, Any]
) -> None:
    with pytest.raises(UnsupportedKeyAlgorithmError):
        CosignatureVerifier.from_vkey(log_signer.verifier().vkey())
    vkey = parse_vkey(derived["cosignatures"][0]["cosigner_vkey_type04"])
    assert CosignatureVerifier.from_vkey(vkey).key_id == 0x9B3FB2D5


def test_cosignature_and_log_signature_coexist(
    log_signer: Ed25519Signer, witness_signers: list[CosignatureSigner]
) -> None:
    body = "example.com/log\n1\n" + "A" * 43 + "=\n"
    cosig = witness_signers[0].cosign(body, 1700000000).note_signature()
    signed = sign_note(body, [log_signer], [cosig])
    note = open_note(signed, [log_signer.verifier(), witness_signers[0].verifier()])
    assert len(note.verified) == 2
    found = cosignature.verified_cosignatures(note, [witness_signers[0].verifier()])
    assert [c.timestamp for c in found] == [1700000000]


def test_decode_and_timestamp_bounds() -> None:
    with pytest.raises(MalformedCosignatureError):
        cosignature.decode(NoteSignature("w", 1, bytes(71)))
    with pytest.raises(MalformedCosignatureError):
        cosignature.signed_message("x\n", 2**64)
    with pytest.raises(MalformedCosignatureError):
        cosignature.signed_message("x\n", -1)
    assert cosignature.signed_message("x\n", 0) == b"cosignature/v1\ntime 0\nx\n"
