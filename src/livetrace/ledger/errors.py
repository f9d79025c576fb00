"""Errors of the verifiable log's pure modules.

Every class has a stable ``code``. Parse failures derive from ``ValidationError``, failed proofs and
signatures from ``VerificationError``. The witness errors document the HTTP status that the
C2SP tlog-witness spec requires for them; the statuses themselves live in the API adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livetrace.kit.errors import (
    ConflictError,
    LivetraceError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    VerificationError,
)

# --- Merkle tree ----------------------------------------------------------------------------------


class TreeRangeError(ValidationError):
    """A leaf index or tree size outside what the tree (or the request) allows."""

    code = "ledger-tree-range"


class MissingHashError(NotFoundError):
    """A hash store does not hold a complete-subtree hash that a proof or tile needs."""

    code = "ledger-hash-missing"


class ProofError(VerificationError):
    """A Merkle proof did not verify."""

    code = "ledger-proof-invalid"


class InclusionProofError(ProofError):
    """An RFC 9162 §2.1.3.2 inclusion proof did not verify (or its inputs are malformed)."""

    code = "ledger-inclusion-proof-invalid"


class ConsistencyProofError(ProofError):
    """An RFC 9162 §2.1.4.2 consistency proof did not verify (or its inputs are malformed)."""

    code = "ledger-consistency-proof-invalid"


# --- signed notes and keys ------------------------------------------------------------------------


class MalformedNoteError(ValidationError):
    """Text that is not a well-formed C2SP signed note."""

    code = "ledger-note-malformed"


class MalformedKeyError(ValidationError):
    """A verifier key (vkey) or signer key (skey) string that cannot be parsed."""

    code = "ledger-key-malformed"


class UnsupportedKeyAlgorithmError(MalformedKeyError):
    """A key with a signature type this package does not implement, or the wrong key length."""

    code = "ledger-key-algorithm-unsupported"


class KeyIdMismatchError(MalformedKeyError):
    """A key whose stated key ID is not SHA-256(name || 0x0A || type || key)[:4]."""

    code = "ledger-key-id-mismatch"


class AmbiguousKeyError(ValidationError):
    """Two configured verifiers share key name and key ID: signatures cannot be attributed."""

    code = "ledger-key-ambiguous"


class SignatureInvalidError(VerificationError):
    """A signature from a known key failed to verify."""

    code = "ledger-signature-invalid"


class NoTrustedSignatureError(VerificationError):
    """No signature from a trusted key verified, so the note (or checkpoint) must be rejected."""

    code = "ledger-note-untrusted"


# --- checkpoints and cosignatures -----------------------------------------------------------------


class MalformedCheckpointError(ValidationError):
    """Note text that is not a well-formed C2SP tlog-checkpoint body."""

    code = "ledger-checkpoint-malformed"


class MalformedCosignatureError(ValidationError):
    """A cosignature whose payload is not a 72-byte timestamped Ed25519 signature."""

    code = "ledger-cosignature-malformed"


class OriginMismatchError(VerificationError):
    """A checkpoint is for another log than the one expected."""

    code = "ledger-origin-mismatch"


# --- witness protocol -----------------------------------------------------------------------------


class WitnessBadRequestError(ValidationError):
    """An ``add-checkpoint`` request that is malformed. HTTP adapters answer **400 Bad Request**."""

    code = "ledger-witness-bad-request"


class WitnessOldSizeTooLargeError(WitnessBadRequestError):
    """The request's old size exceeds the checkpoint size. HTTP: **400 Bad Request**."""

    code = "ledger-witness-old-size-too-large"


class WitnessUnknownOriginError(NotFoundError):
    """The checkpoint's origin is not a log this witness follows. HTTP: **404 Not Found**."""

    code = "ledger-witness-unknown-origin"


class WitnessUntrustedCheckpointError(PermissionDeniedError):
    """No checkpoint signature verifies against the log's trusted keys. HTTP: **403 Forbidden**."""

    code = "ledger-witness-untrusted-checkpoint"


class WitnessConflictError(ConflictError):
    """The request conflicts with the witness's recorded state. HTTP: **409 Conflict**."""

    code = "ledger-witness-conflict"


class WitnessStaleOldSizeError(WitnessConflictError):
    """The old size is not the size the witness last cosigned. HTTP: **409 Conflict**.

    The response body MUST be ``latest_size`` in decimal plus a newline, with
    ``Content-Type: text/x.tlog.size``, so that the log can retry from the witness's size.
    """

    code = "ledger-witness-stale-old-size"

    def __init__(
        self,
        message: str,
        *,
        latest_size: int,
        field: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            message, field=field, details={**(details or {}), "latest_size": latest_size}
        )
        self.latest_size = latest_size

    def response_body(self) -> str:
        """The ``text/x.tlog.size`` body the spec requires for this conflict."""
        return f"{self.latest_size}\n"


class WitnessRootMismatchError(WitnessConflictError):
    """Same size as the last cosigned checkpoint but another root hash. HTTP: **409 Conflict**.

    This is evidence of a forked log. The response must NOT use ``text/x.tlog.size`` (a client would
    read it as "stale" and retry forever).
    """

    code = "ledger-witness-root-mismatch"


class WitnessInconsistentProofError(VerificationError):
    """The consistency proof from the old size fails. HTTP: **422 Unprocessable Entity**."""

    code = "ledger-witness-inconsistent-proof"


# --- tiles, proof bundles, policies ---------------------------------------------------------------


class MalformedTileError(ValidationError):
    """A tile path, tile body or entry bundle that breaks C2SP tlog-tiles."""

    code = "ledger-tile-malformed"


class MalformedProofBundleError(ValidationError):
    """Text that is not a well-formed C2SP tlog-proof bundle."""

    code = "ledger-proof-bundle-malformed"


class MalformedPolicyError(ValidationError):
    """A C2SP tlog-policy file that breaks the syntax or the structural rules."""

    code = "ledger-policy-malformed"


class QuorumNotMetError(VerificationError):
    """The verified cosignatures do not satisfy the policy's quorum."""

    code = "ledger-quorum-not-met"


# --- statements, storage and the log service ------------------------------------------------------


class MalformedStatementError(ValidationError):
    """Bytes or fields that are not a well-formed livetrace statement."""

    code = "ledger-statement-malformed"


class StatementSignatureError(VerificationError):
    """A statement's signature does not verify against the key it names."""

    code = "ledger-statement-signature-invalid"


class StatementKeyError(VerificationError):
    """A statement names a key that is not a current key of its party (or an unknown party)."""

    code = "ledger-statement-key-not-current"


class EntryNotFoundError(NotFoundError):
    """No log entry at that index, or with that leaf hash."""

    code = "ledger-entry-not-found"


class CheckpointNotFoundError(NotFoundError):
    """The log has not issued a checkpoint (of that size) yet."""

    code = "ledger-checkpoint-not-found"


class LogIntegrityError(VerificationError):
    """Stored log data disagrees with itself or with a signed checkpoint; nothing is signed."""

    code = "ledger-integrity"


class WitnessUnavailableError(LivetraceError):
    """A witness could not be reached or answered outside the tlog-witness protocol."""

    code = "ledger-witness-unavailable"


__all__ = [
    "AmbiguousKeyError",
    "CheckpointNotFoundError",
    "ConsistencyProofError",
    "EntryNotFoundError",
    "InclusionProofError",
    "KeyIdMismatchError",
    "LivetraceError",
    "LogIntegrityError",
    "MalformedCheckpointError",
    "MalformedCosignatureError",
    "MalformedKeyError",
    "MalformedNoteError",
    "MalformedPolicyError",
    "MalformedProofBundleError",
    "MalformedStatementError",
    "MalformedTileError",
    "MissingHashError",
    "NoTrustedSignatureError",
    "OriginMismatchError",
    "ProofError",
    "QuorumNotMetError",
    "SignatureInvalidError",
    "StatementKeyError",
    "StatementSignatureError",
    "TreeRangeError",
    "UnsupportedKeyAlgorithmError",
    "WitnessBadRequestError",
    "WitnessConflictError",
    "WitnessInconsistentProofError",
    "WitnessOldSizeTooLargeError",
    "WitnessRootMismatchError",
    "WitnessStaleOldSizeError",
    "WitnessUnavailableError",
    "WitnessUnknownOriginError",
    "WitnessUntrustedCheckpointError",
]
