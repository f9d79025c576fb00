"""Batch growth of the tree agrees with the one-leaf-at-a-time compact range."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livetrace.ledger.appender import grow
from livetrace.ledger.errors import TreeRangeError
from livetrace.ledger.merkle import CompactRange, InMemoryHashStore, root_of


def leaves(start: int, count: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(start, start + count)]


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.integers(0, 70), min_size=1, max_size=8))
def test_batches_emit_every_subtree_and_the_right_root(batches: list[int]) -> None:
    reference = InMemoryHashStore()
    size, compact, emitted = 0, [], {}
    for count in batches:
        new = leaves(size, count)
        growth = grow(size, compact, new)
        for run in growth.runs:
            for offset, value in enumerate(run.hashes):
                emitted[(run.level, run.first + offset)] = value
        for leaf in new:
            reference.append(leaf)
        size, compact = growth.new_size, growth.compact
        assert growth.root == reference.root() == root_of(leaves(0, size))
    assert emitted == reference._hashes
    assert compact == list(CompactRange(size, compact).hashes)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(TreeRangeError, match="compact-range"):
        grow(3, [b"\0" * 32], leaves(0, 1))
    with pytest.raises(TreeRangeError, match=r"leaves\[0\] is 31 bytes"):
        grow(0, [], [b"\0" * 31])
    with pytest.raises(TreeRangeError, match="uint64"):
        grow(2**64 - 1, [b"\0" * 32] * 64, leaves(0, 1))
