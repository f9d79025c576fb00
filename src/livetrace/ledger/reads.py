"""The log's read side: checkpoints, entries, proofs, tiles and proof bundles.

Everything is answered against a published checkpoint, never against the unsigned tip, so what a
client reads can always be checked against a signed tree head.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from livetrace.ledger.checkpoint import parse_checkpoint
from livetrace.ledger.errors import (
    CheckpointNotFoundError,
    EntryNotFoundError,
    MissingHashError,
    TreeRangeError,
)
from livetrace.ledger.merkle import HASH_SIZE, consistency_proof, inclusion_proof
from livetrace.ledger.models import LogCheckpoint, LogCosignature
from livetrace.ledger.note import parse_note
from livetrace.ledger.policy import Policy
from livetrace.ledger.proofbundle import ProofBundle
from livetrace.ledger.repository import LogRepository
from livetrace.ledger.service import LogEntry, SignedCheckpoint
from livetrace.ledger.statements import decode_statement
from livetrace.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    EntryBundle,
    Tile,
    encode_entry_bundle,
    parse_path,
)

RECENT_CHECKPOINTS = 64
TAIL_SCAN_CHUNK = 4096  # leaves beyond the leaf-hash index, read per query


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """An audit path for one leaf against a published checkpoint."""

    index: int
    leaf_hash: bytes
    proof: list[bytes]
    checkpoint: SignedCheckpoint


@dataclass(frozen=True, slots=True)
class TileBody:
    """A tlog-tiles resource: its body and whether it can be cached forever."""

    path: str
    body: bytes
    immutable: bool


class LogReader:
    """Read-only access to the log; ``policy`` picks which checkpoint counts as the latest."""

    def __init__(self, session: Session, policy: Policy | None = None) -> None:
        self.repo = LogRepository(session)
        self.policy = policy

    def latest_checkpoint(self) -> SignedCheckpoint:
        """The newest checkpoint whose cosignatures meet the policy (else the newest one)."""
        rows = self.repo.recent_checkpoints(RECENT_CHECKPOINTS)
        if not rows:
            raise CheckpointNotFoundError("the log has not issued a checkpoint yet")
        lines: dict[int, list[LogCosignature]] = defaultdict(list)
        for cosignature in self.repo.cosignatures(row.size for row in rows):
            lines[cosignature.size].append(cosignature)
        for row in rows:
            witnesses = {c.witness for c in lines[row.size]}
            if self.policy is None or self.policy.is_satisfied_by(witnesses):
                return _signed(row, lines[row.size])
        return _signed(rows[0], lines[rows[0].size])

    def checkpoint(self, size: int) -> SignedCheckpoint:
        """The checkpoint of exactly ``size`` leaves, with its cosignatures."""
        row = self.repo.checkpoint(size)
        if row is None:
            raise CheckpointNotFoundError(f"no checkpoint of size {size}", field="size")
        return _signed(row, self.repo.cosignatures([size]))

    def published_size(self) -> int:
        """Size of the latest checkpoint."""
        return self.latest_checkpoint().checkpoint.size

    def entry(self, index: int) -> LogEntry:
        """The entry at ``index`` (within the latest checkpoint)."""
        size = self.published_size()
        if not 0 <= index < size:
            raise EntryNotFoundError(
                f"index {index} is not below the published size {size}", field="index"
            )
        data = self.repo.entries(index, index + 1)[0]
        leaf = self.repo.hash_reader().read_hashes([(0, index)])[0]
        return LogEntry(index, leaf, data, decode_statement(data).statement)

    def find_leaf(self, leaf_hash: bytes, tree_size: int | None = None) -> int:
        """The first index whose leaf hash is ``leaf_hash``."""
        if len(leaf_hash) != HASH_SIZE:
            raise TreeRangeError(
                f"leaf hash is {len(leaf_hash)} bytes, a SHA-256 hash is {HASH_SIZE}",
                field="leaf_hash",
            )
        size = self.published_size() if tree_size is None else tree_size
        reader = self.repo.hash_reader()
        for index in self.repo.leaf_candidates(leaf_hash):
            if index < size and reader.read_hashes([(0, index)])[0] == leaf_hash:
                return index
        state = self.repo.state()
        start = state.indexed_size if state is not None else 0
        for offset in range(start, size, TAIL_SCAN_CHUNK):
            stop = min(size, offset + TAIL_SCAN_CHUNK)
            hashes = self.repo.leaf_hashes(offset, stop)
            if leaf_hash in hashes:
                return offset + hashes.index(leaf_hash)
        raise EntryNotFoundError(
            f"no entry with leaf hash {leaf_hash.hex()} in the first {size}", field="leaf_hash"
        )

    def inclusion(self, index: int, tree_size: int | None = None) -> InclusionProof:
        """An inclusion proof for ``index`` in a published checkpoint (the latest by default)."""
        checkpoint = self._published(tree_size)
        size = checkpoint.checkpoint.size
        if not 0 <= index < size:
            raise TreeRangeError(f"index {index} is not below tree size {size}", field="index")
        reader = self.repo.hash_reader()
        leaf = reader.read_hashes([(0, index)])[0]
        return InclusionProof(index, leaf, inclusion_proof(index, size, reader), checkpoint)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """A consistency proof between two published sizes."""
        latest = self.published_size()
        if not 0 < first <= second <= latest:
            raise TreeRangeError(
                f"need 0 < first <= second <= {latest} (the published size), got {first} and "
                f"{second}",
                field="first",
            )
        return consistency_proof(first, second, self.repo.hash_reader())

    def proof_bundle(self, index: int) -> str:
        """A tlog-proof bundle for entry ``index``; the entry itself travels as the extra data."""
        proof = self.inclusion(index)
        entry = self.repo.entries(index, index + 1)[0]
        return ProofBundle(
            index, tuple(proof.proof), proof.checkpoint.cosigned_note, extra=entry
        ).format()

    def tile(self, path: str, size: int | None = None) -> TileBody:
        """A tlog-tiles resource (``tile/…``) for the latest checkpoint (or ``size``)."""
        size = self.published_size() if size is None else size
        resource = parse_path(path)
        if isinstance(resource, EntryBundle):
            return self._entry_bundle(resource, size)
        return self._tile(resource, size)

    def _tile(self, tile: Tile, size: int) -> TileBody:
        available = size >> (TILE_HEIGHT * tile.level)
        if tile.index * TILE_WIDTH + tile.width > available:
            raise MissingHashError(f"{tile.path()} is beyond the tree of size {size}")
        body = b"".join(self.repo.hash_reader().read_hashes(tile.nodes()))
        return TileBody(tile.path(), body, tile.is_full)

    def _entry_bundle(self, bundle: EntryBundle, size: int) -> TileBody:
        start = bundle.index * TILE_WIDTH
        if start + bundle.width > size:
            raise EntryNotFoundError(f"{bundle.path()} is beyond the tree of size {size}")
        entries = self.repo.entries(start, start + bundle.width)
        return TileBody(bundle.path(), encode_entry_bundle(entries), bundle.width == TILE_WIDTH)

    def _published(self, tree_size: int | None) -> SignedCheckpoint:
        return self.latest_checkpoint() if tree_size is None else self.checkpoint(tree_size)


def _signed(row: LogCheckpoint, cosignatures: Sequence[LogCosignature]) -> SignedCheckpoint:
    checkpoint = parse_checkpoint(parse_note(row.note).text)
    return SignedCheckpoint(checkpoint, row.note, tuple(c.line for c in cosignatures))
