"""The code life cycle."""

from __future__ import annotations

import itertools
import time

import pytest

from livetrace.codes.errors import InvalidStateTransitionError
from livetrace.codes.models import time_ordered_id
from livetrace.codes.states import CodeState, allowed_next, check_transition, predecessors


def test_the_normal_path_is_allowed() -> None:
    path = [CodeState.ISSUED, CodeState.PRINTED, CodeState.ACTIVE, CodeState.SOLD]
    for current, new in itertools.pairwise(path):
        check_transition(current, new)


def test_skipping_commissioning_is_refused_with_the_allowed_states() -> None:
    with pytest.raises(InvalidStateTransitionError, match="allowed: printed, void"):
        check_transition(CodeState.ISSUED, CodeState.ACTIVE)


def test_final_states_allow_nothing() -> None:
    assert not allowed_next(CodeState.DESTROYED) and not allowed_next(CodeState.VOID)
    with pytest.raises(InvalidStateTransitionError, match="final state"):
        check_transition(CodeState.VOID, CodeState.PRINTED)


def test_predecessors_invert_the_table() -> None:
    assert predecessors(CodeState.RECALLED) == {CodeState.ACTIVE, CodeState.SOLD}
    assert predecessors(CodeState.ISSUED) == frozenset()


def test_item_code_ids_are_uuid7_and_grow_with_time() -> None:
    first = time_ordered_id()
    time.sleep(0.002)
    later = [time_ordered_id() for _ in range(50)]
    assert {u.version for u in [first, *later]} == {7} and len(set(later)) == 50
    assert all(first.bytes[:6] < u.bytes[:6] for u in later)
