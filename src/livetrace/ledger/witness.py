"""C2SP tlog-witness ``add-checkpoint``: request body format and the witness's pure decision.

The body is ``old <size>\\n``, zero to 63 base64 consistency-proof lines, an empty line, then the
signed checkpoint. ``add_checkpoint`` takes the witness's stored state for the checkpoint's origin
and returns the cosignatures plus the state to persist, or raises one of the typed errors in
``livetrace.ledger.errors`` (each documents the HTTP status the spec requires):

==========================================  ======  =============================================
error                                       status  when
==========================================  ======  =============================================
``WitnessBadRequestError``                  400     body does not parse
``WitnessUnknownOriginError``               404     origin is not a log the witness follows
``WitnessUntrustedCheckpointError``         403     no trusted log signature verifies
``WitnessOldSizeTooLargeError``             400     old size > checkpoint size
``WitnessStaleOldSizeError``                409     old size != last cosigned size (size body)
``WitnessRootMismatchError``                409     equal sizes, different root hashes
``WitnessInconsistentProofError``           422     consistency proof does not verify
==========================================  ======  =============================================

The checks run in the order of the spec, so the first failing one decides the status. The caller
must load the state and persist the new one in one atomic step (the spec's rollback race), e.g.
one ``BEGIN IMMEDIATE`` transaction on SQLite or ``SELECT … FOR UPDATE`` on PostgreSQL.

Choices where the spec leaves room:

* A witness that never cosigned for an origin has state ``(0, EMPTY_ROOT)``. So a size-0
  checkpoint must carry the empty-tree root, and a different root is a 409 root mismatch
  (equal sizes, different roots), as the spec's text says for equal sizes. The research notes
  (§1.7) call that case 422; the spec text read for this module says 409.
* Old size 0 accepts any checkpoint (trust on first use) but the proof must be empty; a
  non-empty proof there, or at equal sizes, "does not verify" and is a 422.
* A known log key whose signature fails makes the checkpoint untrusted (403), like no signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from livetrace.kit.errors import ValidationError
from livetrace.ledger._codec import b64decode_canonical, b64encode, parse_decimal
from livetrace.ledger.checkpoint import Checkpoint, parse_checkpoint
from livetrace.ledger.cosignature import Cosignature, CosignatureSigner
from livetrace.ledger.errors import (
    ConsistencyProofError,
    NoTrustedSignatureError,
    SignatureInvalidError,
    WitnessBadRequestError,
    WitnessInconsistentProofError,
    WitnessOldSizeTooLargeError,
    WitnessRootMismatchError,
    WitnessStaleOldSizeError,
    WitnessUnknownOriginError,
    WitnessUntrustedCheckpointError,
)
from livetrace.ledger.merkle import EMPTY_ROOT, HASH_SIZE, MAX_TREE_SIZE, verify_consistency
from livetrace.ledger.note import SignedNote, Verifier, parse_note, verify_note

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed ``add-checkpoint`` body."""

    old_size: int
    proof: tuple[bytes, ...]
    note: SignedNote
    checkpoint: Checkpoint


@dataclass(frozen=True, slots=True)
class WitnessState:
    """What a witness keeps per origin: the size and root hash it last cosigned."""

    size: int
    root_hash: bytes


@dataclass(frozen=True, slots=True)
class Cosigned:
    """A successful ``add-checkpoint``: the state to persist and the cosignatures to return."""

    state: WitnessState
    cosignatures: tuple[Cosignature, ...]

    def response_body(self) -> str:
        """The 200 response body: one note signature line per cosignature."""
        return "".join(c.note_signature().line() for c in self.cosignatures)


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], signed_checkpoint: str) -> str:
    """The request body for ``add-checkpoint``."""
    if len(proof) > MAX_PROOF_LINES:
        raise WitnessBadRequestError(
            f"at most {MAX_PROOF_LINES} proof lines, got {len(proof)}", field="proof"
        )
    lines = [f"old {old_size}", *(b64encode(h) for h in proof), ""]
    body = "\n".join(lines) + "\n" + signed_checkpoint
    parse_add_checkpoint(body)  # never emit what a witness would refuse to parse
    return body


def parse_add_checkpoint(body: str | bytes) -> AddCheckpointRequest:
    """Parse an ``add-checkpoint`` body; raise ``WitnessBadRequestError`` (400) if malformed."""
    text = _decode_body(body)
    head, separator, signed = text.partition("\n\n")
    if not separator:
        raise WitnessBadRequestError("no empty line before the checkpoint", field="body")
    lines = head.split("\n")
    old_size = _parse_old_line(lines[0])
    proof = tuple(_parse_proof_line(line, n) for n, line in enumerate(lines[1:], start=2))
    if len(proof) > MAX_PROOF_LINES:
        raise WitnessBadRequestError(
            f"at most {MAX_PROOF_LINES} proof lines, got {len(proof)}", field="proof"
        )
    try:
        note = parse_note(signed)
        checkpoint = parse_checkpoint(note.text)
    except ValidationError as exc:
        raise WitnessBadRequestError(f"checkpoint: {exc.message}", field="checkpoint") from None
    return AddCheckpointRequest(old_size, proof, note, checkpoint)


def _decode_body(body: str | bytes) -> str:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessBadRequestError(
            f"body is not UTF-8 (byte {exc.start})", field="body"
        ) from None


def _parse_old_line(line: str) -> int:
    keyword, _, number = line.partition(" ")
    size = parse_decimal(number, maximum=MAX_TREE_SIZE)
    if keyword != "old" or size is None:
        raise WitnessBadRequestError(
            "line 1 must be 'old <size>' with a decimal size and no leading zeros",
            field="old_size",
        )
    return size


def _parse_proof_line(line: str, number: int) -> bytes:
    value = b64decode_canonical(line)
    if value is None or len(value) != HASH_SIZE:
        raise WitnessBadRequestError(
            f"line {number} is not canonical base64 of a 32-byte hash", field="proof"
        )
    return value


def add_checkpoint(
    request: AddCheckpointRequest,
    *,
    known_logs: Mapping[str, Sequence[Verifier]],
    stored: WitnessState | None,
    signers: Sequence[CosignatureSigner],
    timestamp: int,
) -> Cosigned:
    """Decide an ``add-checkpoint`` request: cosign it or raise the error the spec prescribes.

    ``known_logs`` maps each followed origin to its trusted log keys; ``stored`` is the state for
    the request's origin (``None`` if never cosigned); ``timestamp`` is now, in Unix seconds.
    """
    checkpoint = request.checkpoint
    _check_log_signature(request, known_logs)
    previous = stored or WitnessState(0, EMPTY_ROOT)
    if request.old_size > checkpoint.size:
        raise WitnessOldSizeTooLargeError(
            f"old size {request.old_size} exceeds checkpoint size {checkpoint.size}",
            field="old_size",
        )
    if request.old_size != previous.size:
        raise WitnessStaleOldSizeError(
            f"old size {request.old_size} is not the last cosigned size {previous.size}",
            latest_size=previous.size,
            field="old_size",
        )
    _check_consistency(request, previous)
    text = request.note.text
    cosignatures = tuple(signer.cosign(text, timestamp) for signer in signers)
    return Cosigned(WitnessState(checkpoint.size, checkpoint.root_hash), cosignatures)


def _check_log_signature(
    request: AddCheckpointRequest, known_logs: Mapping[str, Sequence[Verifier]]
) -> None:
    origin = request.checkpoint.origin
    verifiers = known_logs.get(origin)
    if not verifiers:
        raise WitnessUnknownOriginError(f"unknown log origin {origin!r}", field="origin")
    try:
        verify_note(request.note, verifiers)
    except (NoTrustedSignatureError, SignatureInvalidError) as exc:
        raise WitnessUntrustedCheckpointError(
            f"checkpoint for {origin!r} is not signed by a trusted log key: {exc.message}",
            field="checkpoint",
        ) from exc


def _check_consistency(request: AddCheckpointRequest, previous: WitnessState) -> None:
    checkpoint = request.checkpoint
    if checkpoint.size == previous.size:
        if checkpoint.root_hash != previous.root_hash:
            raise WitnessRootMismatchError(
                f"size {checkpoint.size} was cosigned with another root hash", field="root_hash"
            )
        if request.proof:
            raise WitnessInconsistentProofError(
                "equal sizes need an empty consistency proof", field="proof"
            )
        return
    if previous.size == 0:
        if request.proof:
            raise WitnessInconsistentProofError(
                "old size 0 needs an empty consistency proof", field="proof"
            )
        return
    try:
        verify_consistency(
            previous.size, checkpoint.size, previous.root_hash, checkpoint.root_hash, request.proof
        )
    except ConsistencyProofError as exc:
        raise WitnessInconsistentProofError(
            f"consistency proof {previous.size} -> {checkpoint.size} fails: {exc.message}",
            field="proof",
        ) from exc
