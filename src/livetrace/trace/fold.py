"""Pure folds: item state and containment advanced one event at a time, in log order.

The projector loads the rows a batch touches, folds the batch in memory with these functions and
writes the result back; a rebuild and a correction replay use the same functions, which is what
makes their tables identical to the ones capture kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from livetrace.trace.facts import Facts, Named, gtin_of, item_lot_class

STATE_ROLES = ("epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList")
SOLD_STEPS = frozenset({"retail_selling"})
SOLD_DISPOSITIONS = frozenset({"retail_sold"})


class State(NamedTuple):
    """The current state of one item or container (mirrors the `trace_item_state` row)."""

    epc: str
    gtin: str | None
    lot_class: str | None
    status: str
    disposition: str | None
    persistent_dispositions: tuple[str, ...]
    biz_location: str | None
    read_point: str | None
    owner: str | None
    last_biz_step: str | None
    last_party_id: object
    first_log_index: int
    last_log_index: int
    first_time: datetime
    last_time: datetime


def advance(state: State | None, facts: Facts, named: Named) -> State:
    """`state` after `facts` named the identifier in `named.role`."""
    ref = facts.ref
    if state is None:
        return State(
            named.epc, gtin_of(named.epc), _assigned_lot(facts, named),
            _status("active", facts, named), facts.disposition or None, _persistent((), facts),
            facts.biz_location or None, facts.read_point or None, facts.owner or None,
            facts.biz_step or None, ref.party_id, ref.log_index, ref.log_index, ref.time, ref.time,
        )  # fmt: skip
    return State(
        state.epc, state.gtin, state.lot_class or _assigned_lot(facts, named),
        _status(state.status, facts, named), facts.disposition or state.disposition,
        _persistent(state.persistent_dispositions, facts),
        facts.biz_location or state.biz_location, facts.read_point or state.read_point,
        facts.owner or state.owner, facts.biz_step or state.last_biz_step, ref.party_id,
        state.first_log_index, ref.log_index, state.first_time, ref.time,
    )  # fmt: skip


def _assigned_lot(facts: Facts, named: Named) -> str | None:
    commissions = (named.role == "epcList" and facts.action == "ADD") or (
        named.role == "outputEPCList"
    )
    return item_lot_class(named, facts) if commissions else None


def _status(current: str, facts: Facts, named: Named) -> str:
    if facts.event_type == "ObjectEvent" and facts.action == "DELETE":
        return "decommissioned"
    if facts.disposition == "destroyed":
        return "destroyed"
    if facts.biz_step in SOLD_STEPS or facts.disposition in SOLD_DISPOSITIONS:
        return "sold"
    if named.role == "inputEPCList":
        return "consumed"
    return current


def _persistent(current: tuple[str, ...], facts: Facts) -> tuple[str, ...]:
    if not facts.persistent_set and not facts.persistent_unset:
        return current  # stored sorted and without repeats: nothing to change
    kept = set(current) - set(facts.persistent_unset)
    return tuple(sorted(kept | set(facts.persistent_set)))


def state_targets(facts: Facts) -> list[Named]:
    """The instance identifiers whose state this event changes, first mention per identifier."""
    seen: set[str] = set()
    out: list[Named] = []
    for named in facts.named:
        if named.is_class or named.role not in STATE_ROLES or named.epc in seen:
            continue
        seen.add(named.epc)
        out.append(named)
    return out


# --- containment ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Interval:
    """A child inside a parent from `pack_log_index` until `unpack_log_index` (None: still)."""

    parent_epc: str
    child_epc: str
    pack_log_index: int
    child_is_class: bool
    quantity: float | None
    pack_time: datetime
    unpack_log_index: int | None = None
    unpack_time: datetime | None = None
    dirty: bool = False
    new: bool = False


@dataclass(slots=True)
class ContainmentBook:
    """Open intervals of the rows in scope, advanced by aggregation events.

    `in_scope(parent, child)` limits which rows this fold may touch: everything during capture,
    only the rows a correction deleted during a replay.
    """

    in_scope: Callable[[str, str], bool] = field(default=lambda _p, _c: True)
    by_child: dict[str, list[Interval]] = field(default_factory=dict)
    by_parent: dict[str, list[Interval]] = field(default_factory=dict)
    touched: list[Interval] = field(default_factory=list)

    def load(self, rows: Iterable[Interval]) -> None:
        """Add existing open intervals (from the database)."""
        for row in rows:
            self._index(row)

    def _index(self, row: Interval) -> None:
        if row in self.by_child.get(row.child_epc, ()):
            return
        self.by_child.setdefault(row.child_epc, []).append(row)
        self.by_parent.setdefault(row.parent_epc, []).append(row)

    def apply(self, facts: Facts) -> None:
        """Advance by one aggregation event (other event types do not move containment)."""
        parent = facts.parent
        if facts.event_type != "AggregationEvent" or parent is None:
            return
        children = facts.by_role("childEPCs", "childQuantityList")
        if facts.action == "DELETE":
            self._unpack(facts, parent, {c.epc for c in children} if children else None)
            return
        for child in children:
            self._pack(facts, parent, child)

    def _pack(self, facts: Facts, parent: str, child: Named) -> None:
        if not self.in_scope(parent, child.epc):
            return
        current = self._open(child.epc)
        if not child.is_class:
            if any(i.parent_epc == parent for i in current):
                return  # already inside: an OBSERVE or a repeated ADD
            for interval in current:  # an item is in one container at a time: packing moves it
                self._close(interval, facts)
        elif any(i.parent_epc == parent and i.pack_log_index == facts.ref.log_index
                 for i in current):  # fmt: skip
            return
        row = Interval(parent, child.epc, facts.ref.log_index, child.is_class, child.quantity,
                       facts.ref.time, dirty=True, new=True)  # fmt: skip
        self._index(row)
        self.touched.append(row)

    def _unpack(self, facts: Facts, parent: str, children: set[str] | None) -> None:
        for interval in list(self.by_parent.get(parent, ())):
            if interval.unpack_log_index is not None:
                continue
            if children is not None and interval.child_epc not in children:
                continue
            if self.in_scope(parent, interval.child_epc):
                self._close(interval, facts)

    def _open(self, child: str) -> list[Interval]:
        return [i for i in self.by_child.get(child, ()) if i.unpack_log_index is None]

    def _close(self, interval: Interval, facts: Facts) -> None:
        interval.unpack_log_index = facts.ref.log_index
        interval.unpack_time = facts.ref.time
        if not interval.dirty:
            interval.dirty = True
            self.touched.append(interval)
