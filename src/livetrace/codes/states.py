"""The vocabulary of code runs and the life cycle of an item code, pure.

A code is `issued` when its serial is allocated, `printed` once the print house has it on a label,
and `active` when the labelled item is commissioned. Later states follow what happens to the item
(sold, recalled, destroyed); `void` retires a code that never reached an item (a misprint).
"""

from __future__ import annotations

from enum import StrEnum

from livetrace.codes.errors import InvalidStateTransitionError


class Level(StrEnum):
    """What one code identifies: a single item, or the whole lot (one code, many labels)."""

    ITEM = "item"
    BATCH = "batch"


class Target(StrEnum):
    """Where the codes end up, which decides the serial format."""

    QR = "qr"
    SGTIN_96 = "sgtin-96"
    SGTIN_198 = "sgtin-198"


class CodeState(StrEnum):
    """Life-cycle states of an item code."""

    ISSUED = "issued"
    PRINTED = "printed"
    ACTIVE = "active"
    SOLD = "sold"
    RECALLED = "recalled"
    DESTROYED = "destroyed"
    VOID = "void"


_NEXT: dict[CodeState, frozenset[CodeState]] = {
    CodeState.ISSUED: frozenset({CodeState.PRINTED, CodeState.VOID}),
    CodeState.PRINTED: frozenset({CodeState.ACTIVE, CodeState.VOID}),
    CodeState.ACTIVE: frozenset({CodeState.SOLD, CodeState.RECALLED, CodeState.DESTROYED}),
    CodeState.SOLD: frozenset({CodeState.RECALLED, CodeState.DESTROYED}),
    CodeState.RECALLED: frozenset({CodeState.DESTROYED}),
    CodeState.DESTROYED: frozenset(),
    CodeState.VOID: frozenset(),
}


def allowed_next(state: CodeState) -> frozenset[CodeState]:
    """The states a code in `state` may move to."""
    return _NEXT[state]


def predecessors(state: CodeState) -> frozenset[CodeState]:
    """The states from which a code may move to `state`."""
    return frozenset(s for s, nxt in _NEXT.items() if state in nxt)


def check_transition(current: CodeState, new: CodeState) -> None:
    """Raise unless a code may move from `current` to `new`."""
    if new not in _NEXT[current]:
        allowed = ", ".join(sorted(_NEXT[current])) or "none (final state)"
        raise InvalidStateTransitionError(
            f"a code in state {current} cannot become {new}; allowed: {allowed}",
            field="state",
            details={"current": current, "requested": new},
        )
