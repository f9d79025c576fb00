"""Backward and forward traces over the projections. Never commits.

Both walks are level-synchronous breadth-first searches (`graph.walk`): every level is one
set-based lookup per edge kind, and a visited set keeps each node to one expansion, so bad data
with a loop ends the walk and the loop is reported (`cycle`), never followed twice. Reaching a lot
reads its items together with their containment, lineage and transaction links by joins on the
lot, so a forward trace over ten thousand items is a handful of statements; the output is shaped
by `shape`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.orm import Session

from livetrace.epcis.identifiers import canonical_epc
from livetrace.kit.collector import collector_paused
from livetrace.trace.errors import (
    InvalidTraceRequestError,
    LineageCycleError,
    UnknownIdentifierError,
)
from livetrace.trace.facts import is_container, lot_class, lot_of
from livetrace.trace.graph import Edge, Walk, find_cycle, walk
from livetrace.trace.repository import HeldRow, LinkRow, NamedEvent, StateRow, TraceRepository
from livetrace.trace.schemas import (
    BackwardTrace,
    ForwardTrace,
    LotOut,
    OriginKind,
    TraceOrigin,
    UnitOut,
)
from livetrace.trace.shape import (
    Placement,
    custody,
    documents,
    edges_out,
    lot_out,
    orders,
    orders_by_object,
    shipments,
    units_out,
)

MAX_NODES = 250_000
T = TypeVar("T")
V = TypeVar("V")


def identifier(ref: str | None = None, *, gtin: str | None = None, lot: str | None = None) -> str:
    """The canonical identifier of an EPC URN / Digital Link, or of GTIN + lot."""
    if ref:
        return canonical_epc(ref.strip())
    if gtin and lot:
        return lot_class(gtin.zfill(14), lot)
    raise InvalidTraceRequestError("give an identifier, or a GTIN and a lot", field="id")


def node_kind(epc: str) -> str:
    """`container`, `lot` or `item`."""
    if is_container(epc):
        return "container"
    if lot_of(epc) and "/21/" not in epc:
        return "lot"
    return "item"


class SharedRows:
    """Rows of containers and lots that traces may share while the log does not change.

    The projections change only with the log (every capture, recall and voiding is a
    statement on it), so a caller that keys this by the log's head (`LogRepository.head`) may
    hand it to every trace under that head: the pallets, cases and lots that thousands of items
    went through are then read once. Items are left out: there are too many of them, and an
    item's rows serve one page. Dict operations are atomic, so threads may share it; a race
    only reads the same rows twice.
    """

    def __init__(self) -> None:
        self.states: dict[str, StateRow | None] = {}
        self.by_child: dict[str, list[HeldRow]] = {}
        self.naming: dict[str, list[NamedEvent]] = {}
        self.party_names: dict[uuid.UUID, str] = {}
        self.lot_events: dict[frozenset[str], list[Row[Any]]] = {}

    def size(self) -> int:
        """How many identifiers' rows it holds."""
        return len(self.states) + len(self.by_child) + len(self.naming) + len(self.lot_events)


class TraceService:
    """Traces up and down the chain from the projections.

    An instance remembers rows it has read; use one per request (or per trace), not across
    writes. `shared` rows (`SharedRows`) may outlive it, under the caller's rules.
    """

    def __init__(
        self, session: Session, *, max_nodes: int = MAX_NODES, shared: SharedRows | None = None
    ) -> None:
        self.repo = TraceRepository(session)
        self.max_nodes = max_nodes
        self.shared = shared
        # Per-trace memo of rows already read: the walk and the unit details ask for the same
        # states and intervals, and every round trip counts on a networked database.
        self._states: dict[str, StateRow | None] = {}
        self._by_child: dict[str, list[HeldRow]] = {}
        self._members: dict[str, list[str]] = {}
        self._links: dict[str, list[LinkRow]] = {}
        self._naming: dict[str, list[NamedEvent]] = {}
        self._party_names: dict[uuid.UUID, str] = {}
        self._outputs: dict[str, list[str]] = {}  # transformation outputs by input
        self._inputs: dict[str, list[str]] = {}  # transformation inputs by output

    def _state_rows(self, epcs: Iterable[str]) -> dict[str, StateRow]:
        wanted = set(epcs)
        missing = _from_shared(self._states, wanted, self.shared.states if self.shared else None)
        if missing:
            found = self.repo.states(missing)
            self._states.update({e: found.get(e) for e in missing})
            _to_shared(self.shared.states if self.shared else None, self._states, missing)
        states = self._states
        return {e: r for e in wanted if (r := states[e]) is not None}

    def _child_intervals(self, children: Iterable[str]) -> list[HeldRow]:
        """Containment intervals of these children (the containers' states come along)."""
        wanted = set(children)
        missing = _from_shared(
            self._by_child, wanted, self.shared.by_child if self.shared else None
        )
        if missing:
            rows = self.repo.holders(missing)
            for held, state in rows:
                self._states.setdefault(held.parent_epc, state)
            _remember(self._by_child, missing, ((h.child_epc, h) for h, _state in rows))
            _to_shared(self.shared.by_child if self.shared else None, self._by_child, missing)
        by_child = self._by_child
        return [r for e in wanted for r in by_child[e]]

    def _lot_events(self, lots: set[str]) -> list[Row[Any]]:
        key = frozenset(lots)
        found = self.shared.lot_events.get(key) if self.shared is not None else None
        if found is None:
            found = self.repo.lot_events(lots)
            if self.shared is not None:
                self.shared.lot_events[key] = found
        return found

    def _lineage(
        self, frontier: set[str], *, upstream: bool, ahead: Iterable[str] = ()
    ) -> list[tuple[str, str]]:
        """(from, to) transformation pairs of the frontier, to inputs (upstream) or outputs;
        `ahead` names nodes the walk reaches next, read in the same statement."""
        known = self._inputs if upstream else self._outputs
        missing = frontier.union(ahead).difference(known)
        if missing:
            rows = self.repo.lineage(missing, upstream=upstream)
            _remember(known, missing, ((f, t) for f, t, _c, _e in rows))
        return [(f, t) for f in frontier for t in known[f]]

    # --- backward --------------------------------------------------------------------------------

    def backward(self, ref: str, *, strict: bool = False) -> BackwardTrace:
        """Every upstream lot and raw material, QC document and hand-over of `ref`."""
        with collector_paused():
            return self._backward(ref, strict=strict)

    def _backward(self, ref: str, *, strict: bool) -> BackwardTrace:
        epc = identifier(ref)
        kind = self._require_known(epc)
        contents = walk([epc], self._down_containment, max_nodes=self.max_nodes)
        upstream = walk(contents.nodes, self._upstream, max_nodes=self.max_nodes)
        instances = {n for n in upstream.nodes if node_kind(n) != "lot"}
        holders = walk(instances, self._up_containment, max_nodes=self.max_nodes)
        # What a unit is made of (contents, inputs) and what holds it point opposite ways: a
        # pallet contains a case that is inside the pallet, which is no loop.
        cycle = self._cycle(contents.edges + upstream.edges, strict=strict) or self._cycle(
            holders.edges, strict=strict, depth=holders.depth
        )
        lots = {n for n in upstream.nodes if node_kind(n) == "lot"}
        units = sorted((instances | holders.nodes) - lots)
        lot_rows = self._lot_events(lots)
        subjects = set(units) | lots
        events, names = self._named(set(units))
        names |= _party_names(lot_rows)
        return BackwardTrace(
            query=ref, id=epc, kind=kind,
            lots=self._lots(lots, upstream, lot_rows, names),
            units=self._units(units, {}),
            documents=documents(lot_rows, events, subjects, names),
            custody=custody(events, names),
            edges=edges_out(contents.edges + upstream.edges + holders.edges), cycle=cycle,
        )  # fmt: skip

    def footprint(self, ref: str) -> tuple[object, ...] | None:
        """What sets an item's backward trace apart from any other item's, without its id.

        An item's own facts are its state's lot, its transformation inputs, the containers it
        was packed in (with when) and the events naming it; everything else a backward trace
        reaches comes through those. Two items with equal footprints (bags packed in the same
        case, commissioned by the same event) have the same trace but for their own id. None
        for anything but an item the projections know. The rows read here are remembered, so a
        `backward` of the same item on this instance reads them once.
        """
        epc = identifier(ref)
        if node_kind(epc) != "item":
            return None
        state = self._state_rows([epc]).get(epc)
        if state is None:
            return None
        lots = [state.lot_class] if state.lot_class else []
        inputs = sorted(i for _, i in self._lineage({epc}, upstream=True, ahead=lots))
        held = sorted((r.parent_epc, r.pack_log_index, r.unpack_log_index or -1)
                      for r in self._child_intervals([epc]))  # fmt: skip
        events = sorted(str(event.id) for _, event in self._named([epc])[0])
        return (state.lot_class, tuple(inputs), tuple(held), tuple(events))

    def events_naming(self, epcs: Iterable[str]) -> list[tuple[str, NamedEvent]]:
        """(identifier, event) for live events naming these identifiers, in log order.

        Events already read by a trace of this instance are not read again (a page asks for an
        item's events right after tracing it, and event documents can be large).
        """
        return self._named(epcs)[0]

    def _named(
        self, epcs: Iterable[str]
    ) -> tuple[list[tuple[str, NamedEvent]], dict[uuid.UUID, str]]:
        wanted = set(epcs)
        shared = self.shared
        missing = _from_shared(self._naming, wanted, shared.naming if shared else None)
        if shared is not None and len(missing) < len(wanted):
            self._party_names |= shared.party_names
        if missing:
            found, names = self.repo.named_events(missing)
            self._naming.update((epc, []) for epc in missing)
            for epc, event in found:
                self._naming[epc].append(event)
            self._party_names |= names
            if shared is not None:
                shared.party_names |= names
                _to_shared(shared.naming, self._naming, missing)
        events = sorted(
            ((epc, event) for epc in wanted for event in self._naming[epc]),
            key=lambda pair: (pair[1].log_index, pair[0]),
        )
        return events, dict(self._party_names)

    def _require_known(self, epc: str) -> str:
        kind = node_kind(epc)
        known = (
            self.repo.known_lot(epc) if kind == "lot"
            else bool(self._state_rows([epc]) or self.repo.intervals_by_parent([epc]))
        )  # fmt: skip
        if not known:
            raise UnknownIdentifierError(
                f"no captured event names {epc}; check the identifier (EPC URN, Digital Link, or "
                "GTIN + lot)", field="id", details={"id": epc},
            )  # fmt: skip
        return kind

    def _cycle(
        self, edges: list[Edge], *, strict: bool, depth: dict[str, int] | None = None
    ) -> list[str] | None:
        cycle = find_cycle(edges, depth)
        if cycle and strict:
            raise LineageCycleError(
                f"the recorded chain loops: {' → '.join(cycle)}", details={"cycle": cycle}
            )
        return cycle

    def _down_containment(self, frontier: set[str]) -> list[Edge]:
        parents = [n for n in frontier if node_kind(n) == "container"]
        rows = self.repo.intervals_by_parent(parents) if parents else []
        return [Edge(r.parent_epc, r.child_epc, "contains") for r in rows]

    def _up_containment(self, frontier: set[str]) -> list[Edge]:
        return [Edge(r.child_epc, r.parent_epc, "inside")
                for r in self._child_intervals(frontier)]  # fmt: skip

    def _upstream(self, frontier: set[str]) -> list[Edge]:
        items = [n for n in frontier if node_kind(n) == "item"]
        lots = {e: s.lot_class for e, s in self._state_rows(items).items() if s.lot_class}
        pairs = self._lineage(frontier, upstream=True, ahead=lots.values())
        edges = [Edge(o, i, "input") for o, i in pairs]
        return edges + [Edge(epc, lot, "lot") for epc, lot in lots.items()]

    # --- forward ---------------------------------------------------------------------------------

    def forward(self, origin: TraceOrigin, *, strict: bool = False) -> ForwardTrace:
        """Every lot, item, case, pallet, shipment and order downstream of `origin`."""
        with collector_paused():
            return self._forward(origin, strict=strict)

    def _forward(self, origin: TraceOrigin, *, strict: bool) -> ForwardTrace:
        seeds = self.seeds(origin)
        found = walk(seeds, self._downstream, max_nodes=self.max_nodes)
        cycle = self._cycle(found.edges, strict=strict, depth=found.depth)
        nodes = found.nodes
        lots = {n for n in nodes if node_kind(n) == "lot"}
        units = nodes - lots
        links = self._link_rows(nodes)
        found_orders = orders(links)
        lot_rows = self.repo.lot_events(lots)
        names = _party_names(lot_rows)
        all_units = self._units(sorted(units), orders_by_object(found_orders))
        return ForwardTrace(
            origin=origin, seeds=sorted(seeds),
            lots=self._lots(lots, found, lot_rows, names),
            items=[u for u in all_units if u.kind == "item"],
            containers=[u for u in all_units if u.kind in ("case", "pallet")],
            shipments=shipments(links), orders=found_orders,
            edges=edges_out(found.edges), cycle=cycle,
        )  # fmt: skip

    def seeds(self, origin: TraceOrigin) -> set[str]:
        """The identifiers a forward trace starts from."""
        if origin.kind in (OriginKind.LOT, OriginKind.ITEM):
            epc = identifier(origin.id, gtin=origin.gtin, lot=origin.lot)
            self._require_known(epc)
            return {epc}
        if origin.kind is OriginKind.LINE:
            assert origin.line is not None
            return self.repo.lots_by_line(origin.line, origin.shift, origin.start, origin.end)
        assert origin.party_id is not None
        return self.repo.lots_by_party(origin.party_id)

    def _downstream(self, frontier: set[str]) -> list[Edge]:
        lots = [n for n in frontier if node_kind(n) == "lot"]
        if lots:
            self._prefetch_members(lots)
        edges = [Edge(i, o, "output") for i, o in self._lineage(frontier, upstream=False)]
        members = self._members
        for lot in lots:
            edges += [Edge(lot, item, "member") for item in members[lot]]
        edges += [Edge(r.child_epc, r.parent_epc, "inside")
                  for r in self._child_intervals(frontier)]  # fmt: skip
        return edges

    def _prefetch_members(self, lots: list[str]) -> None:
        """Items of these lots with their states, intervals, links and transformations, read by
        joins on the lot: every later question about those items is answered from memory."""
        members = {lot: self._members.setdefault(lot, []) for lot in lots}
        states = self.repo.members(lots)
        for state in states:
            self._states[state.epc] = state
            members[state.lot_class or ""].append(state.epc)  # read by lot: never None
        epcs = {state.epc for state in states}
        held = self.repo.member_intervals(lots)
        _remember(self._by_child, epcs, ((h.child_epc, h) for h in held))
        _remember(self._links, epcs, ((k.epc, k) for k in self.repo.member_links(lots)))
        lineage = self.repo.member_lineage(lots)
        _remember(self._outputs, epcs, ((i, o) for i, o, _c, _e in lineage))

    def _link_rows(self, epcs: set[str]) -> list[LinkRow]:
        links = self._links
        missing = epcs.difference(links)
        rows = [r for e in epcs.intersection(links) for r in links[e]]
        rows += self.repo.links(missing) if missing else []
        return sorted(rows, key=lambda r: (r.log_index, r.epc, r.position))

    # --- details ---------------------------------------------------------------------------------

    def _lots(self, lots: set[str], found: Walk, rows: list[Row[Any]],
              names: dict[uuid.UUID, str]) -> list[LotOut]:  # fmt: skip
        by_lot: dict[str, list[Row[Any]]] = {}
        for row in rows:
            by_lot.setdefault(row.lot_class, []).append(row)
        inputs: dict[str, set[str]] = {}
        for e in found.edges:
            if e.kind == "input":
                inputs.setdefault(e.source, set()).add(e.target)
            elif e.kind == "output":
                inputs.setdefault(e.target, set()).add(e.source)
        return [lot_out(lot, found.depth.get(lot, 0), by_lot.get(lot, []), sorted(inputs.get(lot, ())),
                        names) for lot in sorted(lots, key=lambda x: (found.depth.get(x, 0), x))]  # fmt: skip

    def _units(self, epcs: list[str], by_object: dict[str, list[str]]) -> list[UnitOut]:
        states = self._state_rows(epcs)
        current = _current_containers(self._child_intervals(epcs))
        place = Placement(current, self._ancestor_states(current, states))
        has_children = self._container_children([e for e in epcs if is_container(e)])
        return units_out(epcs, states, place, has_children=has_children, orders=by_object)

    def _container_children(self, containers: list[str]) -> dict[str, str]:
        """One child per container, a container child first (it makes the holder a pallet)."""
        out: dict[str, str] = {}
        wanted = set(containers)
        for rows in self._by_child.values():
            for r in rows:
                if r.parent_epc in wanted and (
                    r.parent_epc not in out or is_container(r.child_epc)
                ):
                    out[r.parent_epc] = r.child_epc
        missing = [c for c in containers if c not in out]
        if missing:
            for r in self.repo.intervals_by_parent(missing):
                if r.parent_epc not in out or is_container(r.child_epc):
                    out[r.parent_epc] = r.child_epc
        return out

    def _ancestor_states(
        self, current: dict[str, str], states: dict[str, StateRow]
    ) -> dict[str, StateRow]:
        """States of every current container up the chain (to place contents where they are)."""
        known = dict(states)
        frontier = set(current.values()) - set(known)
        seen: set[str] = set()
        while frontier:
            seen |= frontier
            known.update(self._state_rows(frontier))
            parents = _current_containers(self._child_intervals(frontier))
            current.update(parents)
            frontier = set(parents.values()) - seen
        return known


def _party_names(lot_rows: Iterable[Row[Any]]) -> dict[uuid.UUID, str]:
    """Names of the parties behind lot facts (read with them)."""
    return {r.party_id: r.party_name for r in lot_rows if r.party_name is not None}


def _remember(known: dict[str, list[T]], covered: set[str], found: Iterable[tuple[str, T]]) -> None:
    """Keep what a lookup found for the nodes it covered: every value of each, none elsewhere
    (nodes already known are complete and keep theirs)."""
    fresh = covered.difference(known)
    for node in fresh:
        known[node] = []
    for node, value in found:
        if node in fresh:
            known[node].append(value)


def _current_containers(intervals: Iterable[HeldRow]) -> dict[str, str]:
    """The container each child is in now; the latest packing if bad data left it in two."""
    current: dict[str, tuple[int, str]] = {}
    for r in intervals:
        if r.unpack_log_index is None:
            held = current.get(r.child_epc)
            if held is None or r.pack_log_index > held[0]:
                current[r.child_epc] = (r.pack_log_index, r.parent_epc)
    return {child: parent for child, (_index, parent) in current.items()}


def _from_shared(mine: dict[str, V], wanted: set[str], shared: dict[str, V] | None) -> set[str]:
    """Copy what the shared rows know of `wanted` into this trace's memo; what is still missing."""
    missing = wanted.difference(mine)
    if shared and missing:
        for epc in [e for e in missing if e in shared]:
            mine[epc] = shared[epc]
        missing = wanted.difference(mine)
    return missing


def _to_shared(shared: dict[str, V] | None, mine: dict[str, V], read: set[str]) -> None:
    """Share what was just read of containers and lots (never of items: too many)."""
    if shared is not None:
        for epc in read:
            if node_kind(epc) != "item":
                shared[epc] = mine[epc]
