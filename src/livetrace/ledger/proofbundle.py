"""C2SP tlog-proof: the offline-verifiable ``.tlog-proof`` bundle (index, proof, checkpoint).

Format: ``c2sp.org/tlog-proof@v1``, an optional ``extra <base64>`` line, ``index <n>``, zero or more
base64 hash lines, an empty line, then the signed checkpoint verbatim. Choices where the spec
leaves room:

* ``extra`` must be canonical, non-empty base64 (the spec: "followed by a space and base64-encoded
  opaque extra data"); it is returned as bytes and never trusted.
* At most 63 proof lines (a uint64 tree has at most 64 levels).
* Verification order: leaf hash, checkpoint origin and log signature, witness quorum, then the
  inclusion proof, so the proof is only evaluated against a root the policy accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from livetrace.kit.errors import ValidationError
from livetrace.ledger._codec import b64decode_canonical, b64encode, parse_decimal
from livetrace.ledger.checkpoint import parse_checkpoint
from livetrace.ledger.errors import MalformedProofBundleError
from livetrace.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE, leaf_hash, verify_inclusion
from livetrace.ledger.note import Verifier, parse_note
from livetrace.ledger.policy import AcceptedCheckpoint, Policy, verify_checkpoint

HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_LINES = 63


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """A parsed tlog-proof: leaf index, inclusion proof, signed checkpoint, optional extra data."""

    index: int
    proof: tuple[bytes, ...]
    signed_checkpoint: str
    extra: bytes | None = None

    def format(self) -> str:
        """The bundle text."""
        return format_proof_bundle(self)


def format_proof_bundle(bundle: ProofBundle) -> str:
    """The ``.tlog-proof`` text of ``bundle``, checked to parse back to the same value."""
    lines = [HEADER]
    if bundle.extra is not None:
        lines.append(f"extra {b64encode(bundle.extra)}")
    lines.append(f"index {bundle.index}")
    lines.extend(b64encode(h) for h in bundle.proof)
    text = "\n".join(lines) + "\n\n" + bundle.signed_checkpoint
    if parse_proof_bundle(text) != bundle:
        raise MalformedProofBundleError("bundle fields do not round-trip", field="bundle")
    return text


def parse_proof_bundle(data: str | bytes) -> ProofBundle:
    """Parse a ``.tlog-proof`` bundle strictly (the checkpoint's signatures are not verified)."""
    text = _decode(data)
    head, separator, signed = text.partition("\n\n")
    if not separator:
        raise MalformedProofBundleError("no empty line before the checkpoint", field="bundle")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise MalformedProofBundleError(f"line 1 must be {HEADER!r}", field="header")
    extra, position = _parse_extra(lines)
    index = _parse_index(lines, position)
    proof = tuple(_parse_hash(line, n + 1) for n, line in enumerate(lines) if n > position)
    if len(proof) > MAX_PROOF_LINES:
        raise MalformedProofBundleError(
            f"{len(proof)} proof lines, at most {MAX_PROOF_LINES}", field="proof"
        )
    _check_checkpoint_syntax(signed)
    return ProofBundle(index, proof, signed, extra)


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedProofBundleError(f"not UTF-8 (byte {exc.start})", field="bundle") from None


def _parse_extra(lines: Sequence[str]) -> tuple[bytes | None, int]:
    """The extra data (if line 2 has it) and the position of the index line."""
    if len(lines) < 2 or not lines[1].startswith("extra "):
        return None, 1
    extra = b64decode_canonical(lines[1].removeprefix("extra "))
    if not extra:
        raise MalformedProofBundleError(
            "line 2 extra data is not canonical, non-empty base64", field="extra"
        )
    return extra, 2


def _parse_index(lines: Sequence[str], position: int) -> int:
    line = lines[position] if position < len(lines) else ""
    keyword, _, number = line.partition(" ")
    index = parse_decimal(number, maximum=MAX_TREE_SIZE)
    if keyword != "index" or index is None:
        raise MalformedProofBundleError(
            f"line {position + 1} must be 'index <n>' with no leading zeros", field="index"
        )
    return index


def _parse_hash(line: str, number: int) -> bytes:
    value = b64decode_canonical(line)
    if value is None or len(value) != HASH_SIZE:
        raise MalformedProofBundleError(
            f"line {number} is not canonical base64 of a 32-byte hash", field="proof"
        )
    return value


def _check_checkpoint_syntax(signed: str) -> None:
    try:
        parse_checkpoint(parse_note(signed).text)
    except ValidationError as exc:
        raise MalformedProofBundleError(f"checkpoint: {exc.message}", field="checkpoint") from None


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """A bundle that verified: the accepted checkpoint and the proven leaf."""

    accepted: AcceptedCheckpoint
    index: int
    leaf_hash: bytes


def verify_proof_bundle(
    bundle: ProofBundle | str | bytes,
    policy: Policy,
    *,
    leaf_data: bytes | None = None,
    leaf: bytes | None = None,
    origin: str | None = None,
    log_verifiers: Sequence[Verifier] = (),
) -> VerifiedProof:
    """Verify a bundle for one entry, given either its data or its leaf hash; raise on failure."""
    if not isinstance(bundle, ProofBundle):
        bundle = parse_proof_bundle(bundle)
    hashed = _leaf(leaf_data, leaf)
    accepted = verify_checkpoint(
        bundle.signed_checkpoint, policy, origin=origin, log_verifiers=log_verifiers
    )
    checkpoint = accepted.checkpoint
    verify_inclusion(bundle.index, checkpoint.size, hashed, bundle.proof, checkpoint.root_hash)
    return VerifiedProof(accepted, bundle.index, hashed)


def _leaf(leaf_data: bytes | None, leaf: bytes | None) -> bytes:
    if leaf_data is not None and leaf is None:
        return leaf_hash(leaf_data)
    if leaf is not None and leaf_data is None:
        return leaf
    raise MalformedProofBundleError("give exactly one of leaf_data and leaf", field="leaf")
