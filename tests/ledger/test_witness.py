"""C2SP tlog-witness add-checkpoint: body format and every decision the spec prescribes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from livetrace.kit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    VerificationError,
)
from livetrace.ledger import ed25519, merkle
from livetrace.ledger.checkpoint import Checkpoint, sign_checkpoint
from livetrace.ledger.cosignature import CosignatureSigner, verified_cosignatures
from livetrace.ledger.errors import (
    WitnessBadRequestError,
    WitnessInconsistentProofError,
    WitnessOldSizeTooLargeError,
    WitnessRootMismatchError,
    WitnessStaleOldSizeError,
    WitnessUnknownOriginError,
    WitnessUntrustedCheckpointError,
)
from livetrace.ledger.note import Ed25519Signer, open_note, parse_note
from livetrace.ledger.witness import (
    AddCheckpointRequest,
    Cosigned,
    WitnessState,
    add_checkpoint,
    format_add_checkpoint,
    parse_add_checkpoint,
)

ORIGIN = "example.com/log"
NOW = 1_750_000_000


class Log:
    """A tiny log that signs checkpoints and serves consistency proofs."""

    def __init__(self, signer: Ed25519Signer) -> None:
        self.signer = signer
        self.store = merkle.InMemoryHashStore.from_leaf_hashes(
            merkle.leaf_hash(f"entry {i}".encode()) for i in range(40)
        )

    def signed(self, size: int, root: bytes | None = None) -> str:
        root = merkle.root_at(size, self.store) if root is None else root
        return sign_checkpoint(Checkpoint(ORIGIN, size, root), [self.signer])

    def request(self, old: int, size: int, *, root: bytes | None = None) -> AddCheckpointRequest:
        proof = merkle.consistency_proof(old, size, self.store) if 0 < old < size else []
        return parse_add_checkpoint(format_add_checkpoint(old, proof, self.signed(size, root)))


@pytest.fixture
def log(log_signer: Ed25519Signer) -> Log:
    return Log(log_signer)


def _decide(
    log: Log, request: AddCheckpointRequest, stored: WitnessState | None, signer: CosignatureSigner
) -> Cosigned:
    return add_checkpoint(
        request,
        known_logs={ORIGIN: [log.signer.verifier()]},
        stored=stored,
        signers=[signer],
        timestamp=NOW,
    )


# --- body format -------------------------------------------------------------------------------------


def test_spec_example_body_parses_and_formats_back(load_json: Callable[[str], Any]) -> None:
    body = load_json("c2sp_spec_examples.json")["witness_add_checkpoint_request_example"]
    request = parse_add_checkpoint(body)
    assert request.old_size == 20852014
    assert len(request.proof) == 4
    assert request.checkpoint.size == 20852163
    assert len(request.note.signatures) == 2
    assert format_add_checkpoint(request.old_size, request.proof, request.note.format()) == body
    assert parse_add_checkpoint(body.encode()) == request


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("old 5\nexample\n", "body"),
        ("old 05\n\n", "old_size"),
        ("old  5\n\n", "old_size"),
        ("new 5\n\n", "old_size"),
        ("old -1\n\n", "old_size"),
        ("old 5\nAAAA\n\n", "proof"),
        ("old 5\n" + "A" * 43 + "\n\n", "proof"),
        ("old 0\n\nnot a note\n", "checkpoint"),
        ("old 0\n\norigin\nfive\nAAAA\n\n\u2014 k AAAAAAE=\n", "checkpoint"),
    ],
)
def test_malformed_bodies_are_bad_requests(body: str, field: str) -> None:
    with pytest.raises(WitnessBadRequestError) as caught:
        parse_add_checkpoint(body)
    assert caught.value.field == field


def test_more_than_63_proof_lines_is_a_bad_request(log: Log) -> None:
    line = "A" * 43 + "=\n"
    with pytest.raises(WitnessBadRequestError, match="63"):
        parse_add_checkpoint("old 1\n" + line * 64 + "\n" + log.signed(3))
    with pytest.raises(WitnessBadRequestError, match="63"):
        format_add_checkpoint(1, [bytes(32)] * 64, log.signed(3))
    assert len(parse_add_checkpoint("old 1\n" + line * 63 + "\n" + log.signed(3)).proof) == 63


def test_non_utf8_body_is_a_bad_request() -> None:
    with pytest.raises(WitnessBadRequestError, match="UTF-8"):
        parse_add_checkpoint(b"old 0\n\n\xff\n")


# --- decisions ---------------------------------------------------------------------------------------


def test_first_checkpoint_is_trusted_on_first_use_and_cosigned(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    request = log.request(0, 10)
    result = _decide(log, request, None, witness_signers[0])
    assert result.state == WitnessState(10, merkle.root_at(10, log.store))
    cosigned = open_note(
        request.note.format() + result.response_body(),
        [log.signer.verifier(), witness_signers[0].verifier()],
    )
    [cosig] = verified_cosignatures(cosigned, [witness_signers[0].verifier()])
    assert cosig.timestamp == NOW


def test_consistent_growth_is_cosigned(log: Log, witness_signers: list[CosignatureSigner]) -> None:
    state = _decide(log, log.request(0, 10), None, witness_signers[0]).state
    for old, new in [(10, 17), (17, 32), (32, 40), (40, 40)]:
        state = _decide(log, log.request(old, new), state, witness_signers[0]).state
        assert state.size == new


def test_unknown_origin_is_404(log: Log, witness_signers: list[CosignatureSigner]) -> None:
    with pytest.raises(WitnessUnknownOriginError) as caught:
        add_checkpoint(
            log.request(0, 3), known_logs={"other.example/log": [log.signer.verifier()]},
            stored=None, signers=witness_signers, timestamp=NOW,
        )  # fmt: skip
    assert isinstance(caught.value, NotFoundError)


def test_checkpoint_without_trusted_signature_is_403(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    stranger = Log(Ed25519Signer(ORIGIN, ed25519.PrivateKey(b"\x99" * 32)))
    with pytest.raises(WitnessUntrustedCheckpointError) as caught:
        _decide(log, stranger.request(0, 3), None, witness_signers[0])
    assert isinstance(caught.value, PermissionDeniedError)


def test_bad_signature_by_the_log_key_is_403(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    signed = log.signed(3).replace("\n3\n", "\n4\n")
    request = parse_add_checkpoint(format_add_checkpoint(0, [], signed))
    with pytest.raises(WitnessUntrustedCheckpointError):
        _decide(log, request, None, witness_signers[0])


def test_old_size_above_checkpoint_size_is_400(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    request = parse_add_checkpoint(format_add_checkpoint(12, [], log.signed(10)))
    with pytest.raises(WitnessOldSizeTooLargeError) as caught:
        _decide(log, request, WitnessState(12, bytes(32)), witness_signers[0])
    assert isinstance(caught.value, ValidationError)


def test_stale_old_size_is_409_with_the_latest_size(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    state = WitnessState(17, merkle.root_at(17, log.store))
    with pytest.raises(WitnessStaleOldSizeError) as caught:
        _decide(log, log.request(10, 32), state, witness_signers[0])
    assert isinstance(caught.value, ConflictError)
    assert caught.value.latest_size == 17
    assert caught.value.response_body() == "17\n"
    with pytest.raises(WitnessStaleOldSizeError) as never_cosigned:
        _decide(log, log.request(10, 32), None, witness_signers[0])
    assert never_cosigned.value.latest_size == 0


def test_same_size_other_root_is_409_root_mismatch(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    state = WitnessState(17, merkle.root_at(17, log.store))
    forked = parse_add_checkpoint(format_add_checkpoint(17, [], log.signed(17, bytes(32))))
    with pytest.raises(WitnessRootMismatchError) as caught:
        _decide(log, forked, state, witness_signers[0])
    assert isinstance(caught.value, ConflictError)
    assert not isinstance(caught.value, WitnessStaleOldSizeError)


def test_inconsistent_proof_is_422(log: Log, witness_signers: list[CosignatureSigner]) -> None:
    state = WitnessState(17, merkle.root_at(17, log.store))
    wrong = merkle.consistency_proof(16, 32, log.store)
    request = parse_add_checkpoint(format_add_checkpoint(17, wrong, log.signed(32)))
    with pytest.raises(WitnessInconsistentProofError) as caught:
        _decide(log, request, state, witness_signers[0])
    assert isinstance(caught.value, VerificationError)
    fork = log.request(17, 32, root=bytes(32))
    with pytest.raises(WitnessInconsistentProofError):
        _decide(log, fork, state, witness_signers[0])


def test_a_proof_where_none_is_allowed_is_422(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    extra = [bytes(32)]
    from_zero = parse_add_checkpoint(format_add_checkpoint(0, extra, log.signed(5)))
    with pytest.raises(WitnessInconsistentProofError):
        _decide(log, from_zero, None, witness_signers[0])
    state = WitnessState(5, merkle.root_at(5, log.store))
    same = parse_add_checkpoint(format_add_checkpoint(5, extra, log.signed(5)))
    with pytest.raises(WitnessInconsistentProofError):
        _decide(log, same, state, witness_signers[0])


def test_empty_checkpoint_must_carry_the_empty_root(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    result = _decide(log, log.request(0, 0), None, witness_signers[0])
    assert result.state == WitnessState(0, merkle.EMPTY_ROOT)
    with pytest.raises(WitnessRootMismatchError):
        _decide(log, log.request(0, 0, root=bytes(32)), None, witness_signers[0])


def test_several_witness_keys_each_cosign(
    log: Log, witness_signers: list[CosignatureSigner]
) -> None:
    result = add_checkpoint(
        log.request(0, 4), known_logs={ORIGIN: [log.signer.verifier()]},
        stored=None, signers=witness_signers, timestamp=NOW,
    )  # fmt: skip
    lines = parse_note("x\n\n" + result.response_body()).signatures
    assert [s.name for s in lines] == [w.name for w in witness_signers]
