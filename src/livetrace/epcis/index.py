"""Pure extraction of the rows the query engine searches, from one parsed event.

Choices: identifiers are stored in their canonical Digital Link form (`identifiers.py`) next to
the captured form; ILMD and extension members are flattened with their full IRI names — top-level
members under `ilmd`/`ext`, nested members (any depth) under `inner_ilmd`/`inner_ext`, matching
the EQ_/EQ_INNER_ query parameter families. Numeric values are kept as numbers and as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livetrace.epcis import model as m
from livetrace.epcis.identifiers import canonical_epc
from livetrace.kit.clock import ensure_utc

EPC_ROLES = ("epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_ROLES = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")

_EPC_FIELDS = {"epcList": "epc_list", "childEPCs": "child_epcs", "inputEPCList": "input_epc_list",
               "outputEPCList": "output_epc_list"}  # fmt: skip
_QUANTITY_FIELDS = {"quantityList": "quantity_list", "childQuantityList": "child_quantity_list",
                    "inputQuantityList": "input_quantity_list",
                    "outputQuantityList": "output_quantity_list"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EpcRow:
    """An identifier named by the event."""

    role: str
    position: int
    epc: str
    raw: str
    is_class: bool = False
    quantity: float | None = None
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A business transaction (`bizTransaction`), `source` or `destination`."""

    kind: str
    position: int
    type: str | None
    value: str


@dataclass(frozen=True, slots=True)
class FieldRow:
    """A flattened ILMD or extension value."""

    section: str
    position: int
    name: str
    value_text: str | None
    value_num: float | None
    value_time: datetime | None


@dataclass(frozen=True, slots=True)
class SensorRow:
    """One sensor report."""

    position: int
    element: int
    report: m.SensorReport
    time: datetime | None


def epc_rows(event: m.EpcisEvent) -> list[EpcRow]:
    """Every instance- and class-level identifier of the event with its role."""
    rows: list[EpcRow] = []
    parent = getattr(event, "parent_id", None)
    if parent:
        rows.append(EpcRow("parentID", 0, canonical_epc(parent), parent))
    for role, attr in _EPC_FIELDS.items():
        for i, epc in enumerate(getattr(event, attr, None) or ()):
            rows.append(EpcRow(role, i, canonical_epc(epc), epc))
    for role, attr in _QUANTITY_FIELDS.items():
        for i, q in enumerate(getattr(event, attr, None) or ()):
            qty = None if q.quantity is None else float(q.quantity)
            rows.append(EpcRow(role, i, canonical_epc(q.epc_class), q.epc_class, True, qty, q.uom))
    return rows


def link_rows(event: m.EpcisEvent) -> list[LinkRow]:
    """Business transactions, sources and destinations."""
    rows = [LinkRow("bizTransaction", i, t.type, t.biz_transaction)
            for i, t in enumerate(event.biz_transaction_list or ())]  # fmt: skip
    rows += [LinkRow("source", i, s.type, s.value) for i, s in enumerate(event.source_list or ())]
    rows += [LinkRow("destination", i, d.type, d.value)
             for i, d in enumerate(event.destination_list or ())]  # fmt: skip
    return rows


def field_rows(event: m.EpcisEvent) -> list[FieldRow]:
    """ILMD and extension members, flattened with full IRI names."""
    prefixes = dict(event.namespaces)
    rows: list[FieldRow] = []
    ilmd = getattr(event, "ilmd", None)
    for section, members in (("ilmd", ilmd or ()), ("ext", event.extensions)):
        for key, value in members:
            _flatten(rows, section, _iri(key, prefixes), value, prefixes, top=True)
    return rows


def sensor_rows(event: m.EpcisEvent) -> list[SensorRow]:
    """Every sensor report, with its time (the report's, else the element's metadata time)."""
    rows: list[SensorRow] = []
    for e, element in enumerate(event.sensor_element_list or ()):
        meta_time = element.sensor_metadata.time if element.sensor_metadata else None
        for report in element.sensor_report:
            rows.append(SensorRow(len(rows), e, report, parse_time(report.time or meta_time)))
    return rows


def _iri(key: str, prefixes: dict[str, str]) -> str:
    prefix, sep, local = key.partition(":")
    if sep and prefix in prefixes:
        return prefixes[prefix] + local
    return key


def _flatten(
    rows: list[FieldRow],
    section: str,
    name: str,
    value: Any,
    prefixes: dict[str, str],
    *,
    top: bool,
) -> None:
    where = section if top else f"inner_{section}"
    if isinstance(value, dict):
        for k, v in value.items():
            if not k.startswith(("@", "#")):
                _flatten(rows, section, _iri(k, prefixes), v, prefixes, top=False)
        return
    if isinstance(value, list):
        for v in value:
            _flatten(rows, section, name, v, prefixes, top=top)
        return
    rows.append(_scalar_row(where, len(rows), name, value))


def _scalar_row(section: str, position: int, name: str, value: Any) -> FieldRow:
    if isinstance(value, bool):
        return FieldRow(section, position, name, "true" if value else "false", None, None)
    if isinstance(value, int | float):
        return FieldRow(section, position, name, str(value), float(value), None)
    text = None if value is None else str(value)
    return FieldRow(section, position, name, text, None, parse_time(text))


def parse_time(text: str | None) -> datetime | None:
    """An ISO timestamp with offset as UTC, else None (plain strings are not times)."""
    if not text or len(text) < 20 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ensure_utc(parsed) if parsed.tzinfo else None
