"""C2SP tlog-checkpoint: the note text ``<origin>\\n<size>\\n<base64 root>\\n[extension lines]``.

Parsing is strict: the size is a canonical uint64 decimal, the root hash canonical base64 of
exactly 32 bytes (SHA-256), every line non-empty. The origin is only required to be non-empty:
the spec forbids clients from assuming the recommended URL form (sum.golang.org's origin is
``go.sum database tree``, with spaces).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from livetrace.ledger._codec import b64decode_canonical, b64encode, parse_decimal
from livetrace.ledger.errors import (
    MalformedCheckpointError,
    MalformedNoteError,
    OriginMismatchError,
)
from livetrace.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE
from livetrace.ledger.note import (
    NoteSignature,
    Signer,
    VerifiedNote,
    Verifier,
    parse_note,
    sign_note,
    validate_text,
    verify_note,
)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash and opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        """The checkpoint note text (what gets signed and cosigned)."""
        return format_checkpoint(self)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The note text of ``checkpoint``, validated so that it parses back to the same value."""
    lines = [checkpoint.origin, str(checkpoint.size), b64encode(checkpoint.root_hash)]
    text = "\n".join([*lines, *checkpoint.extensions]) + "\n"
    if parse_checkpoint(text) != checkpoint:
        raise MalformedCheckpointError("checkpoint fields do not round-trip", field="checkpoint")
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (signatures already split off)."""
    try:
        validate_text(text)
    except MalformedNoteError as exc:
        raise MalformedCheckpointError(exc.message, field="text") from None
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedCheckpointError(
            f"a checkpoint has at least 3 lines, got {len(lines)}", field="text"
        )
    for number, line in enumerate(lines, start=1):
        if not line:
            raise MalformedCheckpointError(f"line {number} is empty", field=_field(number))
    return Checkpoint(lines[0], _parse_size(lines[1]), _parse_root(lines[2]), tuple(lines[3:]))


def _field(number: int) -> str:
    return {1: "origin", 2: "size", 3: "root_hash"}.get(number, "extensions")


def _parse_size(line: str) -> int:
    size = parse_decimal(line, maximum=MAX_TREE_SIZE)
    if size is None:
        raise MalformedCheckpointError(
            f"line 2 (tree size) {line[:40]!r} is not a decimal uint64 without leading zeros",
            field="size",
        )
    return size


def _parse_root(line: str) -> bytes:
    root = b64decode_canonical(line)
    if root is None or len(root) != HASH_SIZE:
        raise MalformedCheckpointError(
            "line 3 (root hash) is not canonical base64 of a 32-byte hash", field="root_hash"
        )
    return root


@dataclass(frozen=True, slots=True)
class VerifiedCheckpoint:
    """A checkpoint with the note verification that vouched for it."""

    checkpoint: Checkpoint
    note: VerifiedNote


def open_checkpoint(
    data: str | bytes, verifiers: Iterable[Verifier], *, origin: str | None = None
) -> VerifiedCheckpoint:
    """Parse a signed checkpoint, check its origin (if given) and verify its signatures."""
    note = parse_note(data)
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise OriginMismatchError(
            f"checkpoint is for origin {checkpoint.origin!r}, expected {origin!r}", field="origin"
        )
    return VerifiedCheckpoint(checkpoint, verify_note(note, verifiers))


def sign_checkpoint(
    checkpoint: Checkpoint, signers: Sequence[Signer], existing: Sequence[NoteSignature] = ()
) -> str:
    """The signed checkpoint note."""
    return sign_note(format_checkpoint(checkpoint), signers, existing)
