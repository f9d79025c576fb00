"""RFC 9162 §2.1 Merkle tree: hashing, an O(log n) appender, proof generation and verification.

Node addressing: ``(level, index)`` names the perfect subtree of ``2**level`` leaves that covers
leaves ``[index * 2**level, (index + 1) * 2**level)``. A store that keeps every such hash once the
subtree is complete (what ``CompactRange.append`` emits, and what tlog-tiles serves) can answer
any root, inclusion proof or consistency proof with O(log n) hash reads, in one batch.

Choices where the RFC leaves room:

* Hashes are SHA-256 only and every hash given to a verifier must be exactly 32 bytes, even when
  it would not be used (transparency-dev's Go verifier skips the length check when the two sizes
  of a consistency proof are equal; the probe ``sizes-are-equal-one-and-proof-is-empty`` relies
  on that and is rejected here on purpose).
* A consistency proof from size 0 is rejected: the empty tree is a prefix of every tree, so such a
  "proof" proves nothing. The witness protocol treats old size 0 itself (see ``witness.py``).
* Equal sizes need an empty proof and equal roots, for every size including 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from livetrace.kit.errors import LivetraceError
from livetrace.ledger.errors import (
    ConsistencyProofError,
    InclusionProofError,
    MissingHashError,
    TreeRangeError,
)

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
# RFC 9162 wire structures carry sizes as uint64.
MAX_TREE_SIZE = 2**64 - 1

NodeId = tuple[int, int]
"""``(level, index)`` of a perfect subtree."""


@dataclass(frozen=True, slots=True)
class StoredHash:
    """A complete-subtree hash that a store should persist."""

    level: int
    index: int
    hash: bytes


class HashReader(Protocol):
    """Reads hashes of complete perfect subtrees, addressed by ``(level, index)``."""

    def read_hashes(self, nodes: Sequence[NodeId]) -> Sequence[bytes]:
        """Return the hash of each node, in order; raise ``MissingHashError`` for an unknown one."""
        ...


# --- hashing --------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one log entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaf hashes (``EMPTY_ROOT`` for none)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    # Pairing level by level and carrying an odd last node up unchanged gives the RFC's tree:
    # the split at the largest power of two below n keeps every left subtree perfect.
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree roots listed left to right (largest first) into the root of their union."""
    if len(hashes) < 2:
        return hashes[0] if hashes else EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- compact range (incremental appender) ---------------------------------------------------------


class CompactRange:
    """The roots of the perfect subtrees covering leaves ``[0, size)``: one per set bit of size."""

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        hashes = list(hashes)
        if size < 0 or len(hashes) != size.bit_count():
            raise TreeRangeError(
                f"a compact range of size {size} holds {size.bit_count() if size >= 0 else '?'} "
                f"hashes, got {len(hashes)}",
                field="hashes",
            )
        _require_hash_lengths(hashes, TreeRangeError, "hashes")
        self._size = size
        self._hashes = hashes

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The subtree roots, left to right (largest subtree first): what a store persists."""
        return tuple(self._hashes)

    def append(self, leaf: bytes) -> list[StoredHash]:
        """Add one leaf hash; return every subtree hash that this leaf completes (leaf first)."""
        _require_hash_lengths([leaf], TreeRangeError, "leaf")
        index, level, current = self._size, 0, leaf
        completed = [StoredHash(0, index, current)]
        remaining = self._size
        # Each trailing one bit of the old size is a perfect subtree of the same height as the
        # one just built, waiting on the left: merge them.
        while remaining & 1:
            current = node_hash(self._hashes.pop(), current)
            remaining >>= 1
            level += 1
            index >>= 1
            completed.append(StoredHash(level, index, current))
        self._hashes.append(current)
        self._size += 1
        return completed

    def extend(self, leaves: Iterable[bytes]) -> list[StoredHash]:
        """Append many leaf hashes; return all completed subtree hashes in append order."""
        completed: list[StoredHash] = []
        for leaf in leaves:
            completed.extend(self.append(leaf))
        return completed

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        return fold_right(self._hashes)


# --- in-memory store ------------------------------------------------------------------------------


class InMemoryHashStore:
    """A ``HashReader`` that keeps every complete-subtree hash in a dict (tests and tools)."""

    def __init__(self) -> None:
        self._range = CompactRange()
        self._hashes: dict[NodeId, bytes] = {}

    @classmethod
    def from_leaf_hashes(cls, leaves: Iterable[bytes]) -> InMemoryHashStore:
        """A store holding a tree of the given leaf hashes."""
        store = cls()
        for leaf in leaves:
            store.append(leaf)
        return store

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._range.size

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and keep every subtree hash it completes."""
        for stored in self._range.append(leaf):
            self._hashes[(stored.level, stored.index)] = stored.hash

    def root(self) -> bytes:
        """Root of the whole stored tree."""
        return self._range.root()

    def read_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Hashes of the given complete subtrees."""
        try:
            return [self._hashes[node] for node in nodes]
        except KeyError as exc:
            level, index = exc.args[0]
            raise MissingHashError(
                f"no complete subtree at level {level}, index {index}",
                details={"level": level, "index": index},
            ) from None


# --- proof generation -----------------------------------------------------------------------------


def _range_nodes(begin: int, end: int) -> list[NodeId]:
    """The perfect subtrees, left to right, whose union is the RFC subtree ``[begin, end)``."""
    nodes: list[NodeId] = []
    # Largest subtree first; only the set bits of the width cost an iteration.
    while begin < end:
        level = (end - begin).bit_length() - 1
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges of PATH(index, D[size]) (RFC 9162 §2.1.3.1), leaf's sibling first."""
    ranges: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        mid = begin + (1 << ((end - begin - 1).bit_length() - 1))  # _split, inlined: hot path
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((begin, mid))
            begin = mid
    ranges.reverse()
    return ranges


def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """Leaf ranges of PROOF(old, D[new]) (RFC 9162 §2.1.4.1), deepest first."""
    ranges: list[tuple[int, int]] = []
    begin, end, whole_old_tree = 0, new, True
    while old != end:
        mid = begin + (1 << ((end - begin - 1).bit_length() - 1))  # _split, inlined: hot path
        if old <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((begin, mid))
            begin, whole_old_tree = mid, False
    # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last subtree, unless it is the root.
    if not whole_old_tree:
        ranges.append((begin, end))
    ranges.reverse()
    return ranges


def _hashes_of_ranges(ranges: Sequence[tuple[int, int]], reader: HashReader) -> list[bytes]:
    """MTH of each range, reading every needed subtree hash in one batch."""
    plan = [_range_nodes(begin, end) for begin, end in ranges]
    wanted = list({node: None for nodes in plan for node in nodes})  # unique, in plan order
    found = dict(zip(wanted, reader.read_hashes(wanted), strict=True))
    return [
        found[nodes[0]] if len(nodes) == 1 else fold_right([found[node] for node in nodes])
        for nodes in plan
    ]


def root_at(size: int, reader: HashReader) -> bytes:
    """The root of the first ``size`` leaves, from stored subtree hashes."""
    _require_size(size)
    return _hashes_of_ranges([(0, size)], reader)[0] if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, reader: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1)."""
    _require_size(size)
    if not 0 <= index < size:
        raise TreeRangeError(f"leaf index {index} is not in a tree of size {size}", field="index")
    return _hashes_of_ranges(_inclusion_ranges(index, size), reader)


def consistency_proof(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """The proof that tree ``old_size`` is a prefix of tree ``new_size`` (RFC 9162 §2.1.4.1).

    Equal sizes give the empty proof; ``old_size`` 0 is refused (nothing to prove).
    """
    _require_size(new_size)
    if not 0 < old_size <= new_size:
        raise TreeRangeError(
            f"consistency needs 0 < old size <= new size, got {old_size} and {new_size}",
            field="old_size",
        )
    if old_size == new_size:
        return []
    return _hashes_of_ranges(_consistency_ranges(old_size, new_size), reader)


def _require_size(size: int) -> None:
    if not 0 <= size <= MAX_TREE_SIZE:
        raise TreeRangeError(f"tree size {size} is not a uint64", field="size")


# --- proof verification ---------------------------------------------------------------------------


def _require_hash_lengths(hashes: Sequence[bytes], error: type[LivetraceError], what: str) -> None:
    for position, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            suffix = f"[{position}]" if what in {"proof", "hashes"} else ""
            raise error(
                f"{what}{suffix} is {len(value)} bytes, a SHA-256 hash is {HASH_SIZE}", field=what
            )


def _lsb(value: int) -> int:
    return value & 1


def _shift_to_set_lsb_or_zero(fn: int, sn: int) -> tuple[int, int]:
    """RFC steps 4.b.ii / 6.b.iii: shift both until LSB(fn) is set or fn is 0."""
    while not _lsb(fn) and fn != 0:
        fn >>= 1
        sn >>= 1
    return fn, sn


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1-4 and the sn check)."""
    _require_hash_lengths([leaf], InclusionProofError, "leaf hash")
    _require_hash_lengths(proof, InclusionProofError, "proof")
    if not 0 <= index < size:
        raise InclusionProofError(
            f"leaf index {index} is not below tree size {size}", field="index"
        )
    fn, sn, result = index, size - 1, leaf
    for position, sibling in enumerate(proof):
        if sn == 0:
            raise InclusionProofError(
                f"proof has {len(proof)} hashes, more than the {position} the tree allows",
                field="proof",
            )
        if _lsb(fn) or fn == sn:
            result = node_hash(sibling, result)
            fn, sn = _shift_to_set_lsb_or_zero(fn, sn)
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InclusionProofError(
            f"proof has {len(proof)} hashes, too few for index {index} in size {size}",
            field="proof",
        )
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree ``(size, root)``; raise if not."""
    _require_hash_lengths([root], InclusionProofError, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise InclusionProofError(
            f"inclusion proof for index {index} does not lead to the root of size {size}",
            field="root",
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that tree ``(old_size, old_root)`` is a prefix of ``(new_size, new_root)``."""
    _require_hash_lengths([old_root], ConsistencyProofError, "old root")
    _require_hash_lengths([new_root], ConsistencyProofError, "new root")
    _require_hash_lengths(proof, ConsistencyProofError, "proof")
    if not 0 <= old_size <= new_size:
        raise ConsistencyProofError(
            f"old size {old_size} must be between 0 and new size {new_size}", field="old_size"
        )
    if old_size == new_size:
        _verify_equal_sizes(old_root, new_root, proof)
        return
    if old_size == 0:
        raise ConsistencyProofError(
            "a consistency proof from the empty tree proves nothing", field="old_size"
        )
    _verify_consistency_path(old_size, new_size, old_root, new_root, proof)


def _verify_equal_sizes(old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    if proof:
        raise ConsistencyProofError(
            f"equal sizes need an empty proof, got {len(proof)} hashes", field="proof"
        )
    if old_root != new_root:
        raise ConsistencyProofError("equal sizes but different root hashes", field="new_root")


def _verify_consistency_path(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2 steps 1-7 for 0 < old_size < new_size."""
    if not proof:
        raise ConsistencyProofError("consistency proof is empty", field="proof")
    path = list(proof)
    if old_size.bit_count() == 1:  # step 2: old tree is perfect, its root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while _lsb(fn):  # step 4
        fn >>= 1
        sn >>= 1
    old_acc = new_acc = path[0]
    for position, node in enumerate(path[1:], start=1):
        if sn == 0:
            raise ConsistencyProofError(
                f"proof is longer than sizes {old_size}->{new_size} allow (extra hash {position})",
                field="proof",
            )
        if _lsb(fn) or fn == sn:
            old_acc = node_hash(node, old_acc)
            new_acc = node_hash(node, new_acc)
            fn, sn = _shift_to_set_lsb_or_zero(fn, sn)
        else:
            new_acc = node_hash(new_acc, node)
        fn >>= 1
        sn >>= 1
    _check_consistency_result(sn, old_acc == old_root, new_acc == new_root)


def _check_consistency_result(sn: int, old_matches: bool, new_matches: bool) -> None:
    if sn != 0:
        raise ConsistencyProofError("proof is too short for the two sizes", field="proof")
    if not old_matches:
        raise ConsistencyProofError("proof does not reproduce the old root", field="old_root")
    if not new_matches:
        raise ConsistencyProofError("proof does not reproduce the new root", field="new_root")
