"""Batch growth of an RFC 9162 tree: every new complete-subtree hash, level by level.

``CompactRange.append`` handles one leaf at a time; a sequencer appending thousands of leaves per
batch does better hashing a whole level at once. ``grow`` takes the tree's compact range (the roots
of its perfect subtrees, largest first) and the new leaf hashes, and returns, for each level, the
run of newly completed subtree hashes plus the new compact range. A store that persists every run
can answer any proof with O(log n) reads (see ``merkle.HashReader``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from livetrace.ledger.errors import TreeRangeError
from livetrace.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE, NODE_PREFIX, fold_right

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class LevelRun:
    """Consecutive new complete subtrees ``(level, first) … (level, first + len(hashes) - 1)``."""

    level: int
    first: int
    hashes: list[bytes]


@dataclass(frozen=True, slots=True)
class Growth:
    """The outcome of appending a batch of leaves."""

    old_size: int
    new_size: int
    runs: list[LevelRun]
    compact: list[bytes]

    @property
    def root(self) -> bytes:
        """Root hash of the grown tree."""
        return fold_right(self.compact)


def compact_levels(size: int) -> list[int]:
    """Levels of the compact range of ``size`` leaves, largest subtree first."""
    return [level for level in reversed(range(size.bit_length())) if size >> level & 1]


def grow(size: int, compact: Sequence[bytes], leaves: Sequence[bytes]) -> Growth:
    """Append ``leaves`` (leaf hashes) to a tree of ``size`` leaves with the given compact range."""
    _check_inputs(size, compact, leaves)
    by_level = dict(zip(compact_levels(size), compact, strict=True))
    runs: list[LevelRun] = []
    level, first, current = 0, size, list(leaves)
    while current:
        runs.append(LevelRun(level, first, current))
        row, start = (current, first) if not first & 1 else ([by_level[level], *current], first - 1)
        pairs = iter(row[: len(row) & ~1])
        current = [
            _sha256(NODE_PREFIX + left + right).digest()
            for left, right in zip(
                pairs, pairs, strict=False
            )  # same iterator twice: consecutive pairs
        ]
        level, first = level + 1, start >> 1
    new_size = size + len(leaves)
    return Growth(size, new_size, runs, _new_compact(new_size, by_level, runs))


def _new_compact(size: int, old: dict[int, bytes], runs: Sequence[LevelRun]) -> list[bytes]:
    """For each set bit ``L`` of the new size, the last complete node at level ``L``."""
    compact: list[bytes] = []
    for level in compact_levels(size):
        last = (size >> level) - 1
        run = runs[level] if level < len(runs) else None
        if run is not None and run.first <= last < run.first + len(run.hashes):
            compact.append(run.hashes[last - run.first])
        else:
            compact.append(old[level])
    return compact


def _check_inputs(size: int, compact: Sequence[bytes], leaves: Sequence[bytes]) -> None:
    if not 0 <= size <= MAX_TREE_SIZE - len(leaves):
        raise TreeRangeError(f"tree size {size} plus {len(leaves)} leaves is not a uint64")
    if len(compact) != size.bit_count():
        raise TreeRangeError(
            f"a tree of {size} leaves has {size.bit_count()} compact-range hashes, got "
            f"{len(compact)}",
            field="compact",
        )
    for what, hashes in (("compact", compact), ("leaves", leaves)):
        if all(length == HASH_SIZE for length in set(map(len, hashes))):
            continue  # the common case, checked without a Python-level loop per hash
        for position, value in enumerate(hashes):
            if len(value) != HASH_SIZE:
                raise TreeRangeError(
                    f"{what}[{position}] is {len(value)} bytes, a SHA-256 hash is {HASH_SIZE}",
                    field=what,
                )
