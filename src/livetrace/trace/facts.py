"""Pure extraction of what the trace projections need from one EPCIS event.

Identifiers are in their canonical Digital Link form (the same form the EPCIS index stores), so a
capture in URN form and a lookup in Digital Link form meet. ILMD and extension members are keyed
by their local name (`lotNumber`, `line`, `shift`…): the projections care about meaning, not the
namespace a capturing party chose.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

from livetrace.epcis import model as m
from livetrace.epcis.identifiers import canonical_epc as _canonical_epc

DL_ROOT = "https://id.gs1.org/"
_GTIN_RE = re.compile(r"/01/(\d{14})(?:/|$)")
_LOT_RE = re.compile(r"/10/([^/?#]+)")
LINE_KEYS = ("line", "productionLine", "production_line", "mill_line", "milling_line",
             "processing_line", "filling_line", "factory_line")  # fmt: skip
SHIFT_KEYS = ("shift", "productionShift")
LOT_KEYS = ("lotNumber", "lot_number", "lot")
ORDER_TYPES = frozenset({"po", "inv", "pedigree", "poc", "prodorder", "rma", "recadv"})
SHIPMENT_TYPES = frozenset({"desadv", "bol", "cert"})


@lru_cache(maxsize=262_144)
def canonical_epc(value: str) -> str:
    """`epcis.identifiers.canonical_epc`, memoised: an item is named by several events."""
    return _canonical_epc(value)


@dataclass(frozen=True, slots=True)
class EventRef:
    """Where an event sits: its row, log position, time and capturing party."""

    pk: uuid.UUID
    event_id: str
    log_index: int
    time: datetime
    party_id: uuid.UUID


class Named(NamedTuple):
    """An identifier an event names, canonical, with its role and (for classes) quantity."""

    role: str
    position: int
    epc: str
    is_class: bool
    quantity: float | None = None
    uom: str | None = None
    raw: str = ""


class Facts(NamedTuple):
    """Everything the projections read from one event."""

    ref: EventRef
    event_type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    persistent_set: tuple[str, ...]
    persistent_unset: tuple[str, ...]
    biz_location: str | None
    read_point: str | None
    owner: str | None
    named: tuple[Named, ...]
    group_key: str
    ilmd: dict[str, Any]
    extensions: dict[str, Any]
    certifications: tuple[str, ...]
    transactions: tuple[tuple[str, str | None], ...]
    sources: tuple[tuple[str, str], ...] = ()
    destinations: tuple[tuple[str, str], ...] = ()
    declares: str | None = None
    declaration_hash: str | None = None

    @property
    def is_declaration(self) -> bool:
        """An error declaration names another event as erroneous and has no effects of its own."""
        return self.declares is not None or self.declaration_hash is not None

    def by_role(self, *roles: str) -> list[Named]:
        """Named identifiers in the given roles, in event order."""
        return [n for n in self.named if n.role in roles]

    @property
    def parent(self) -> str | None:
        """The parentID, canonical."""
        found = self.by_role("parentID")
        return found[0].epc if found else None

    @property
    def lot_number(self) -> str | None:
        """The ILMD lot number, if the event carries one."""
        for key in LOT_KEYS:
            value = self.ilmd.get(key)
            if value not in (None, ""):
                return str(value)
        return None

    def production_value(self, keys: tuple[str, ...]) -> str | None:
        """The first ILMD or extension value under one of `keys`."""
        for source in (self.ilmd, self.extensions):
            for key in keys:
                value = source.get(key)
                if value not in (None, ""):
                    return str(value)
        return None


def extract(event: m.EpcisEvent, ref: EventRef, *, declaration_hash: str | None = None) -> Facts:
    """The facts of `event` (already accepted and placed at `ref`)."""
    persistent = event.persistent_disposition
    return Facts(
        ref=ref,
        event_type=event.event_type,
        action=getattr(event, "action", None),
        biz_step=event.biz_step,
        disposition=event.disposition,
        persistent_set=tuple(persistent.set or ()) if persistent else (),
        persistent_unset=tuple(persistent.unset or ()) if persistent else (),
        biz_location=canonical_epc(event.biz_location.id) if event.biz_location else None,
        read_point=canonical_epc(event.read_point.id) if event.read_point else None,
        owner=_owner(event),
        named=tuple(_named(event)),
        group_key=getattr(event, "transformation_id", None) or f"event:{ref.pk}",
        ilmd=_members(getattr(event, "ilmd", None) or ()),
        extensions=_members(event.extensions),
        certifications=_certifications(event.certification_info),
        transactions=tuple(
            (t.biz_transaction, _word(t.type)) for t in event.biz_transaction_list or ()
        ),
        sources=tuple((_word(s.type) or "", s.value) for s in event.source_list or ()),
        destinations=tuple((_word(d.type) or "", d.value) for d in event.destination_list or ()),
        declares=(event.event_id or "") if event.error_declaration is not None else None,
        declaration_hash=declaration_hash if event.error_declaration is not None else None,
    )


_EPC_ATTRS = (("parentID", "parent_id"), ("epcList", "epc_list"), ("childEPCs", "child_epcs"),
              ("inputEPCList", "input_epc_list"), ("outputEPCList", "output_epc_list"))  # fmt: skip
_QTY_ATTRS = (("quantityList", "quantity_list"), ("childQuantityList", "child_quantity_list"),
              ("inputQuantityList", "input_quantity_list"),
              ("outputQuantityList", "output_quantity_list"))  # fmt: skip


@lru_cache(maxsize=16)
def _attrs_of(event_type: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The identifier-list attributes an event type has (epcs, then quantities)."""
    names = {f.name for f in fields(m.EVENT_CLASSES[event_type])}
    return tuple(tuple(p for p in pairs if p[1] in names) for pairs in (_EPC_ATTRS, _QTY_ATTRS))


def _named(event: m.EpcisEvent) -> list[Named]:
    out: list[Named] = []
    epc_attrs, qty_attrs = _attrs_of(event.event_type)
    for role, attr in epc_attrs:
        value = getattr(event, attr)
        values = (value,) if isinstance(value, str) else value or ()
        out += [
            Named(role, i, canonical_epc(v), False, None, None, v) for i, v in enumerate(values)
        ]
    for role, attr in qty_attrs:
        for i, q in enumerate(getattr(event, attr) or ()):
            qty = None if q.quantity is None else float(q.quantity)
            out.append(Named(role, i, canonical_epc(q.epc_class), True, qty, q.uom, q.epc_class))
    return out


def _owner(event: m.EpcisEvent) -> str | None:
    for dest in event.destination_list or ():
        if _word(dest.type) == "owning_party":
            return canonical_epc(dest.value)
    return None


@lru_cache(maxsize=4_096)
def _word(value: str | None) -> str | None:
    """The bare CBV word of a type URI (`urn:epcglobal:cbv:btt:po` → `po`)."""
    if value is None:
        return None
    for sep in (":", "-", "/", "#"):
        value = value.rsplit(sep, 1)[-1]
    return value


@lru_cache(maxsize=4_096)
def local_name(key: str) -> str:
    """The local part of a compact or full IRI (`ex:line`, `https://x/ns#line` → `line`)."""
    for sep in ("#", "/", ":"):
        key = key.rsplit(sep, 1)[-1]
    return key


def _members(pairs: m.Extensions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(local_name(key), _plain(value))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {local_name(k): _plain(v) for k, v in value.items() if not k.startswith("@")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _certifications(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@lru_cache(maxsize=262_144)
def gtin_of(epc: str) -> str | None:
    """The GTIN-14 inside a canonical Digital Link, if any."""
    found = _GTIN_RE.search(epc) if epc.startswith(DL_ROOT) else None
    return found.group(1) if found else None


def lot_of(epc: str) -> str | None:
    """The lot (AI 10) inside a Digital Link, if any."""
    found = _LOT_RE.search(epc)
    return found.group(1) if found else None


@lru_cache(maxsize=65_536)
def lot_class(gtin: str, lot: str) -> str:
    """The canonical class identifier of GTIN + lot (the LGTIN as a Digital Link)."""
    return canonical_epc(f"{DL_ROOT}01/{gtin}/10/{quote(lot, safe='')}")


def is_container(epc: str) -> bool:
    """An SSCC (a logistic unit: case, pallet)."""
    return epc.startswith(DL_ROOT + "00/")


def item_lot_class(named: Named, facts: Facts) -> str | None:
    """The lot an instance belongs to: AI 10 in the captured form, else the event's ILMD lot."""
    if named.is_class:
        return None
    gtin = gtin_of(named.epc)
    if gtin is None:
        return None
    # ILMD describes objects an event brings into being: commissioned (action ADD) or output by
    # a transformation (which has no action).
    creates = facts.action == "ADD" or named.role == "outputEPCList"
    lot = lot_of(named.raw) or (facts.lot_number if creates else None)
    return lot_class(gtin, lot) if lot else None
