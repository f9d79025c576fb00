"""Backward and forward traces over the projections. Never commits.

Both walks are level-synchronous breadth-first searches (`graph.walk`): every level is one
set-based lookup per edge kind, and a visited set keeps each node to one expansion, so bad data
with a loop ends the walk and the loop is reported (`cycle`), never followed twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from livetrace.epcis.identifiers import canonical_epc
from livetrace.trace.errors import (
    InvalidTraceRequestError,
    LineageCycleError,
    UnknownIdentifierError,
)
from livetrace.trace.facts import (
    ORDER_TYPES,
    SHIPMENT_TYPES,
    gtin_of,
    is_container,
    local_name,
    lot_class,
    lot_of,
)
from livetrace.trace.graph import Edge, Walk, find_cycle, walk
from livetrace.trace.repository import TraceRepository
from livetrace.trace.schemas import (
    BackwardTrace,
    CustodyOut,
    DocumentOut,
    EdgeOut,
    ForwardTrace,
    LotOut,
    OrderOut,
    OriginKind,
    PartyRef,
    ShipmentOut,
    TraceOrigin,
    UnitOut,
)

MAX_NODES = 250_000
CUSTODY_STEPS = frozenset({"shipping", "receiving", "departing", "arriving", "accepting",
                           "loading", "unloading", "storing", "picking"})  # fmt: skip
DOCUMENT_KEYS = ("qc_certificate_no", "lab_report_no", "certificate", "qcCertificate")
ORIGIN_KEYS = ("plot_code", "plot", "plot_coordinates", "coordinates", "grower", "farm",
               "harvest_date", "milking_date", "picking_date", "ingredient_origin")  # fmt: skip
PRODUCING_ROLES = ("commission", "quantityList", "outputQuantityList", "outputEPCList")


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


class TraceService:
    """Traces up and down the chain from the projections.

    An instance remembers rows it has read; use one per request (or per trace), not across
    writes.
    """

    def __init__(self, session: Session, *, max_nodes: int = MAX_NODES) -> None:
        self.repo = TraceRepository(session)
        self.max_nodes = max_nodes
        # Per-trace memo of rows already read: the walk and the unit details ask for the same
        # states and intervals, and every round trip counts on a networked database.
        self._states: dict[str, Row[Any] | None] = {}
        self._by_child: dict[str, list[Row[Any]]] = {}
        self._members: dict[str, list[str]] = {}
        self._links: dict[str, list[Row[Any]]] = {}

    def _state_rows(self, epcs: Iterable[str]) -> dict[str, Row[Any]]:
        wanted = set(epcs)
        missing = wanted - set(self._states)
        if missing:
            found = self.repo.states(missing)
            self._states.update({e: found.get(e) for e in missing})
        return {e: r for e in wanted if (r := self._states[e]) is not None}

    def _child_intervals(self, children: Iterable[str]) -> list[Row[Any]]:
        wanted = set(children)
        missing = wanted - set(self._by_child)
        if missing:
            for e in missing:
                self._by_child[e] = []
            for row in self.repo.intervals_by_child(missing):
                self._by_child[row.child_epc].append(row)
        return [r for e in sorted(wanted) for r in self._by_child[e]]

    # --- backward --------------------------------------------------------------------------------

    def backward(self, ref: str, *, strict: bool = False) -> BackwardTrace:
        """Every upstream lot and raw material, QC document and hand-over of `ref`."""
        epc = identifier(ref)
        kind = self._require_known(epc)
        contents = walk([epc], self._down_containment, max_nodes=self.max_nodes)
        upstream = walk(contents.nodes, self._upstream, max_nodes=self.max_nodes)
        instances = {n for n in upstream.nodes if node_kind(n) != "lot"}
        holders = walk(instances, self._up_containment, max_nodes=self.max_nodes)
        edges = contents.edges + upstream.edges + holders.edges
        cycle = self._cycle(edges, strict=strict)
        lots = {n for n in upstream.nodes if node_kind(n) == "lot"}
        units = sorted((instances | holders.nodes) - lots)
        lot_rows = self.repo.lot_events(lots)
        subjects = set(units) | lots
        events = [(s, e) for s, e in self.repo.events_naming(set(units))]
        names = self.repo.party_names(
            {r.party_id for r in lot_rows} | {e.party_id for _, e in events}
        )
        return BackwardTrace(
            query=ref, id=epc, kind=kind,
            lots=self._lots(lots, upstream, lot_rows, names),
            units=self._units(units, {}),
            documents=_documents(lot_rows, events, subjects, names),
            custody=_custody(events, names),
            edges=_edges(edges), cycle=cycle,
        )  # fmt: skip

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

    def _cycle(self, edges: list[Edge], *, strict: bool) -> list[str] | None:
        cycle = find_cycle(edges)
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
        edges = [Edge(o, i, "input") for o, i, _c, _e in self.repo.lineage(frontier, upstream=True)]
        items = [n for n in frontier if node_kind(n) == "item"]
        for epc, state in self._state_rows(items).items():
            if state.lot_class:
                edges.append(Edge(epc, state.lot_class, "lot"))
        return edges

    # --- forward ---------------------------------------------------------------------------------

    def forward(self, origin: TraceOrigin, *, strict: bool = False) -> ForwardTrace:
        """Every lot, item, case, pallet, shipment and order downstream of `origin`."""
        seeds = self.seeds(origin)
        found = walk(seeds, self._downstream, max_nodes=self.max_nodes)
        cycle = self._cycle(found.edges, strict=strict)
        nodes = found.nodes
        lots = {n for n in nodes if node_kind(n) == "lot"}
        units = nodes - lots
        links = self._link_rows(nodes)
        orders = _orders(links)
        lot_rows = self.repo.lot_events(lots)
        names = self.repo.party_names(r.party_id for r in lot_rows)
        all_units = self._units(sorted(units), _orders_by_object(orders))
        return ForwardTrace(
            origin=origin, seeds=sorted(seeds),
            lots=self._lots(lots, found, lot_rows, names),
            items=[u for u in all_units if u.kind == "item"],
            containers=[u for u in all_units if u.kind in ("case", "pallet")],
            shipments=_shipments(links), orders=orders,
            edges=_edges(found.edges), cycle=cycle,
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
        edges = [
            Edge(i, o, "output") for i, o, _c, _e in self.repo.lineage(frontier, upstream=False)
        ]
        lots = [n for n in frontier if node_kind(n) == "lot"]
        if lots:
            self._prefetch_members(lots)
        for lot in lots:
            edges += [Edge(lot, item, "member") for item in self._members[lot]]
        edges += [Edge(r.child_epc, r.parent_epc, "inside")
                  for r in self._child_intervals(frontier)]  # fmt: skip
        return edges

    def _prefetch_members(self, lots: list[str]) -> None:
        """Items of these lots with their states, intervals and links, by joins on the lot."""
        for lot in lots:
            self._members.setdefault(lot, [])
        for row in self.repo.members(lots):
            self._states[row.epc] = row
            self._members[row.lot_class].append(row.epc)
            self._by_child.setdefault(row.epc, [])
            self._links.setdefault(row.epc, [])
        for row in self.repo.member_intervals(lots):
            self._by_child[row.child_epc].append(row)
        for row in self.repo.member_links(lots):
            self._links[row.epc].append(row)

    def _link_rows(self, epcs: set[str]) -> list[Row[Any]]:
        missing = epcs - set(self._links)
        rows = [r for e in epcs & set(self._links) for r in self._links[e]]
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
        return [_lot_out(lot, found.depth.get(lot, 0), by_lot.get(lot, []), sorted(inputs.get(lot, ())),
                         names) for lot in sorted(lots, key=lambda x: (found.depth.get(x, 0), x))]  # fmt: skip

    def _units(self, epcs: list[str], orders: dict[str, list[str]]) -> list[UnitOut]:
        states = self._state_rows(epcs)
        intervals = self._child_intervals(epcs)
        current = {r.child_epc: r.parent_epc for r in intervals if r.unpack_log_index is None}
        chain_states = self._ancestor_states(current, states)
        has_children = self._container_children([e for e in epcs if is_container(e)])
        out = []
        for epc in epcs:
            out.append(
                _unit(
                    epc,
                    states.get(epc),
                    current,
                    chain_states,
                    has_children=has_children,
                    orders=orders,
                )
            )
        return out

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
        self, current: dict[str, str], states: dict[str, Row[Any]]
    ) -> dict[str, Row[Any]]:
        """States of every current container up the chain (to place contents where they are)."""
        known = dict(states)
        frontier = set(current.values()) - set(known)
        seen: set[str] = set()
        while frontier:
            seen |= frontier
            known.update(self._state_rows(frontier))
            parents = {r.child_epc: r.parent_epc for r in self._child_intervals(frontier)
                       if r.unpack_log_index is None}  # fmt: skip
            current.update(parents)
            frontier = set(parents.values()) - seen
        return known


# --- shaping -------------------------------------------------------------------------------------


def _lot_out(lot: str, depth: int, rows: list[Row[Any]], inputs: list[str],
             names: dict[uuid.UUID, str]) -> LotOut:  # fmt: skip
    producing = [r for r in rows if r.role in PRODUCING_ROLES] or rows
    first = producing[0] if producing else None
    origin: dict[str, Any] = {}
    for row in producing:
        for key, value in {**row.data.get("ext", {}), **row.data.get("ilmd", {})}.items():
            origin.setdefault(key, value)
    role = "raw_material" if not inputs else "production"
    return LotOut(
        id=lot, gtin=gtin_of(lot), lot=first.lot if first else None, role=role, depth=depth,
        supplier=PartyRef(id=first.party_id, name=names.get(first.party_id)) if first else None,
        origin=origin, line=next((r.line for r in producing if r.line), None),
        shift=next((r.shift for r in producing if r.shift), None),
        time=first.event_time if first else None,
        location=first.biz_location if first else None, inputs=inputs,
    )  # fmt: skip


def _unit(epc: str, state: Row[Any] | None, current: dict[str, str], chain: dict[str, Row[Any]],
          *, has_children: dict[str, str], orders: dict[str, list[str]]) -> UnitOut:  # fmt: skip
    kind = "item"
    if is_container(epc):
        child = has_children.get(epc)
        kind = "pallet" if child and is_container(child) else "case"
    location = _where_now(epc, state, current, chain)
    return UnitOut(
        id=epc, kind=kind, gtin=state.gtin if state else gtin_of(epc),
        lot=state.lot_class if state else None, status=state.status if state else None,
        disposition=state.disposition if state else None,
        persistent_dispositions=list(state.persistent_dispositions) if state else [],
        location=location, container=current.get(epc), owner=_owner(epc, state, current, chain),
        sold=bool(state and state.status == "sold"), orders=orders.get(epc, []),
    )  # fmt: skip


def _where_now(epc: str, state: Row[Any] | None, current: dict[str, str],
               chain: dict[str, Row[Any]]) -> str | None:  # fmt: skip
    """The location of the most recently seen of the object and its current containers."""
    best, best_index = (
        (state.biz_location if state else None),
        (state.last_log_index if state else -1),
    )
    seen = {epc}
    node = current.get(epc)
    while node and node not in seen:
        seen.add(node)
        row = chain.get(node)
        if row is not None and row.last_log_index > best_index and row.biz_location:
            best, best_index = row.biz_location, row.last_log_index
        node = current.get(node)
    return best


def _owner(epc: str, state: Row[Any] | None, current: dict[str, str],
           chain: dict[str, Row[Any]]) -> str | None:  # fmt: skip
    owner = state.owner if state else None
    node, seen = current.get(epc), {epc}
    while node and node not in seen:
        seen.add(node)
        row = chain.get(node)
        if (
            row is not None
            and row.owner
            and (state is None or row.last_log_index > state.last_log_index)
        ):
            owner = row.owner
        node = current.get(node)
    return owner


def _documents(lot_rows: list[Row[Any]], events: list[tuple[str, Any]], subjects: set[str],
               names: dict[uuid.UUID, str]) -> list[DocumentOut]:  # fmt: skip
    docs: dict[tuple[str, str], DocumentOut] = {}
    sources = [(r.lot_class, r.data, r.disposition, r.biz_step, r.event_pk, r.event_time,
                r.party_id) for r in lot_rows]  # fmt: skip
    for subject, row in events:
        data = _event_data(row.document)
        sources.append((subject, data, row.disposition, row.biz_step, row.event_id,
                        row.event_time, row.party_id))  # fmt: skip
    for subject, data, disposition, step, event, time, party in sources:
        if subject not in subjects:
            continue
        for kind, reference in _references(data):
            status = _document_status(disposition, step)
            docs.setdefault((reference, subject), DocumentOut(
                reference=reference, kind=kind, subject=subject, status=status, event_id=str(event),
                time=time, party=PartyRef(id=party, name=names.get(party)),
            ))  # fmt: skip
    return sorted(docs.values(), key=lambda d: (d.time, d.reference, d.subject))


def _event_data(document: dict[str, Any]) -> dict[str, Any]:
    info = document.get("certificationInfo")
    certs = [info] if isinstance(info, str) else list(info or [])
    ext = {local_name(k): v for k, v in document.items() if ":" in k and not k.startswith("@")}
    ilmd = {local_name(k): v for k, v in (document.get("ilmd") or {}).items()}
    return {"certifications": certs, "ext": ext, "ilmd": ilmd}


def _references(data: dict[str, Any]) -> list[tuple[str, str]]:
    refs = [("certificationInfo", c) for c in data.get("certifications", [])]
    for section in ("ilmd", "ext"):
        for key in DOCUMENT_KEYS:
            value = data.get(section, {}).get(key)
            if isinstance(value, str) and value:
                refs.append((key, value))
    return refs


def _document_status(disposition: str | None, step: str | None) -> str:
    """What the chain says about a document: an inspection's verdict, else only asserted."""
    if disposition == "conformant":
        return "passed"
    if disposition == "non_conformant":
        return "failed"
    return "inspected" if step == "inspecting" else "asserted"


def _custody(events: list[tuple[str, Any]], names: dict[uuid.UUID, str]) -> list[CustodyOut]:
    out: dict[tuple[str, str], CustodyOut] = {}
    for subject, row in events:
        doc = row.document
        moves = doc.get("sourceList") or doc.get("destinationList")
        if row.biz_step not in CUSTODY_STEPS and not moves:
            continue
        out.setdefault((row.event_id, subject), CustodyOut(
            time=row.event_time, biz_step=row.biz_step, subject=subject, location=row.biz_location,
            source=[s.get("source", "") for s in doc.get("sourceList") or []],
            destination=[d.get("destination", "") for d in doc.get("destinationList") or []],
            transactions=[t.get("bizTransaction", "") for t in doc.get("bizTransactionList") or []],
            party=PartyRef(id=row.party_id, name=names.get(row.party_id)), event_id=row.event_id,
        ))  # fmt: skip
    return sorted(out.values(), key=lambda c: (c.time, c.subject))


def _active_links(links: Iterable[Row[Any]]) -> list[Row[Any]]:
    """Links still in force: a later DELETE of the same transaction for the object ends one."""
    latest: dict[tuple[str, str], Row[Any]] = {}
    for link in links:
        latest[(link.epc, link.biz_transaction)] = link
    return [lk for lk in latest.values() if lk.action != "DELETE"]


def _orders(links: list[Row[Any]]) -> list[OrderOut]:
    grouped: dict[str, tuple[str | None, set[str]]] = {}
    for link in _active_links(links):
        if link.type in ORDER_TYPES or (link.type is None and link.biz_step == "retail_selling"):
            grouped.setdefault(link.biz_transaction, (link.type, set()))[1].add(link.epc)
    return [
        OrderOut(id=k, type=t, objects=sorted(objs)) for k, (t, objs) in sorted(grouped.items())
    ]


def _orders_by_object(orders: list[OrderOut]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for order in orders:
        for obj in order.objects:
            out.setdefault(obj, []).append(order.id)
    return out


def _shipments(links: list[Row[Any]]) -> list[ShipmentOut]:
    grouped: dict[str, tuple[str | None, Any, set[str]]] = {}
    for link in links:
        if link.type in SHIPMENT_TYPES or link.biz_step == "shipping":
            entry = grouped.setdefault(link.biz_transaction, (link.type, link.event_time, set()))
            entry[2].add(link.epc)
    return [ShipmentOut(id=k, type=t, time=time, objects=sorted(objs))
            for k, (t, time, objs) in sorted(grouped.items())]  # fmt: skip


def _edges(edges: list[Edge]) -> list[EdgeOut]:
    unique = sorted({(e.source, e.target, e.kind) for e in edges})
    return [EdgeOut(source=s, target=t, kind=k) for s, t, k in unique]
