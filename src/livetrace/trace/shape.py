"""Pure shaping of trace answers: rows read by the service become the output models.

Nothing here reads the database. A forward trace shapes ten thousand units and twice as many
edges, so the per-unit work stays small: the chain of current containers above a unit is worked
out once per container, not once per unit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row

from livetrace.trace.facts import ORDER_TYPES, SHIPMENT_TYPES, gtin_of, is_container, local_name
from livetrace.trace.graph import Edge
from livetrace.trace.repository import LinkRow, StateRow
from livetrace.trace.schemas import (
    CustodyOut,
    DocumentOut,
    EdgeOut,
    LotOut,
    OrderOut,
    PartyRef,
    ShipmentOut,
    UnitOut,
)

# Tens of thousands of units and edges are validated in one call each: the per-object call from
# Python costs more than the validation.
_UNITS = TypeAdapter(list[UnitOut])
_EDGES = TypeAdapter(list[EdgeOut])
CUSTODY_STEPS = frozenset({"shipping", "receiving", "departing", "arriving", "accepting",
                           "loading", "unloading", "storing", "picking"})  # fmt: skip
DOCUMENT_KEYS = ("qc_certificate_no", "lab_report_no", "certificate", "qcCertificate")
PRODUCING_ROLES = ("commission", "quantityList", "outputQuantityList", "outputEPCList")


def dispositions(state: StateRow | None) -> list[str]:
    """The persistent dispositions of a state row (read as JSON text, nearly always `[]`)."""
    if state is None:
        return []
    raw = state.dispositions_json
    return [] if raw is None or raw == "[]" else list(json.loads(raw))


def lot_out(lot: str, depth: int, rows: list[Row[Any]], inputs: list[str],
            names: dict[uuid.UUID, str]) -> LotOut:  # fmt: skip
    """A lot with its origin and production data, from its lot-event rows in log order."""
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


@dataclass(slots=True)
class Placement:
    """Where units are now and who holds them: their current containers and those states.

    `current` maps a unit to the container it is in now; `chain` holds the states of every
    container up the chains.
    """

    current: dict[str, str]
    chain: dict[str, StateRow]
    _paths: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def above(self, epc: str) -> list[StateRow | None]:
        """States of the current containers above `epc`, nearest first (a loop ends it)."""
        parent = self.current.get(epc)
        if parent is None:
            return []
        path = self._paths.get(parent)
        if path is None:
            path = self._paths[parent] = self._climb(parent)
        if epc in path:  # bad data: the unit is inside its own container
            path = path[: path.index(epc)]
        return [self.chain.get(node) for node in path]

    def _climb(self, start: str) -> tuple[str, ...]:
        path: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node and node not in seen:
            seen.add(node)
            path.append(node)
            node = self.current.get(node)
        return tuple(path)


def units_out(epcs: list[str], states: dict[str, StateRow], place: Placement, *,
              has_children: dict[str, str], orders: dict[str, list[str]]) -> list[UnitOut]:  # fmt: skip
    """Items and containers with where they are now, in the order given."""
    return _UNITS.validate_python([
        _unit_fields(epc, states.get(epc), place, has_children, orders) for epc in epcs
    ])  # fmt: skip


def _unit_fields(epc: str, state: StateRow | None, place: Placement, has_children: dict[str, str],
                 orders: dict[str, list[str]]) -> dict[str, Any]:  # fmt: skip
    kind = "item"
    if is_container(epc):
        child = has_children.get(epc)
        kind = "pallet" if child and is_container(child) else "case"
    above = place.above(epc)
    return {
        "id": epc, "kind": kind, "gtin": state.gtin if state else gtin_of(epc),
        "lot": state.lot_class if state else None, "status": state.status if state else None,
        "disposition": state.disposition if state else None,
        "persistent_dispositions": dispositions(state),
        "location": _where_now(state, above), "container": place.current.get(epc),
        "owner": _owner(state, above), "sold": bool(state and state.status == "sold"),
        "orders": orders.get(epc, []),
    }  # fmt: skip


def _where_now(state: StateRow | None, above: list[StateRow | None]) -> str | None:
    """The location of the most recently seen of the object and its current containers."""
    best, best_index = (
        (state.biz_location if state else None),
        (state.last_log_index if state else -1),
    )
    for row in above:
        if row is not None and row.last_log_index > best_index and row.biz_location:
            best, best_index = row.biz_location, row.last_log_index
    return best


def _owner(state: StateRow | None, above: list[StateRow | None]) -> str | None:
    owner = state.owner if state else None
    for row in above:
        if (
            row is not None
            and row.owner
            and (state is None or row.last_log_index > state.last_log_index)
        ):
            owner = row.owner
    return owner


def documents(lot_rows: list[Row[Any]], events: list[tuple[str, Any]], subjects: set[str],
              names: dict[uuid.UUID, str]) -> list[DocumentOut]:  # fmt: skip
    """QC documents and certificates the lots' facts and the units' events refer to."""
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


def custody(events: list[tuple[str, Any]], names: dict[uuid.UUID, str]) -> list[CustodyOut]:
    """Hand-overs and moves of the traced objects, in time order."""
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


def _active_links(links: Iterable[LinkRow]) -> list[LinkRow]:
    """Links still in force: a later DELETE of the same transaction for the object ends one."""
    latest: dict[tuple[str, str], LinkRow] = {}
    for link in links:
        latest[(link.epc, link.biz_transaction)] = link
    return [lk for lk in latest.values() if lk.action != "DELETE"]


def orders(links: list[LinkRow]) -> list[OrderOut]:
    """Orders (and other order-like transactions) tied to the objects, from links in log order."""
    grouped: dict[str, tuple[str | None, set[str]]] = {}
    for link in _active_links(links):
        if link.type in ORDER_TYPES or (link.type is None and link.biz_step == "retail_selling"):
            grouped.setdefault(link.biz_transaction, (link.type, set()))[1].add(link.epc)
    return [
        OrderOut(id=k, type=t, objects=sorted(objs)) for k, (t, objs) in sorted(grouped.items())
    ]


def orders_by_object(found: list[OrderOut]) -> dict[str, list[str]]:
    """Order ids by the object they are tied to."""
    out: dict[str, list[str]] = {}
    for order in found:
        for obj in order.objects:
            out.setdefault(obj, []).append(order.id)
    return out


def shipments(links: list[LinkRow]) -> list[ShipmentOut]:
    """Shipments that carried the objects."""
    grouped: dict[str, tuple[str | None, Any, set[str]]] = {}
    for link in links:
        if link.type in SHIPMENT_TYPES or link.biz_step == "shipping":
            entry = grouped.setdefault(link.biz_transaction, (link.type, link.event_time, set()))
            entry[2].add(link.epc)
    return [ShipmentOut(id=k, type=t, time=time, objects=sorted(objs))
            for k, (t, time, objs) in sorted(grouped.items())]  # fmt: skip


def edges_out(edges: Iterable[Edge]) -> list[EdgeOut]:
    """Distinct edges in (source, target, kind) order."""
    unique = sorted(set(edges))
    return _EDGES.validate_python([{"source": s, "target": t, "kind": k} for s, t, k in unique])
