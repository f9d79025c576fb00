"""Pure extraction of the rows the query engine searches, from one parsed event.

Choices: identifiers are stored in their canonical Digital Link form (`identifiers.py`) next to
the captured form; ILMD and extension members are flattened with their full IRI names — top-level
members under `ilmd`/`ext`, nested members (any depth) under `inner_ilmd`/`inner_ext`, matching
the EQ_/EQ_INNER_ query parameter families. Extension members of the read point, business
location, error declaration and sensor elements, metadata and reports are flattened the same way
under the short sections of `PART_SECTIONS` (`rp`, `inner_rp`, …). Numeric values are kept as
numbers and as text.
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

# Query parameter infix -> stored section (short: `inner_` + section fits the column).
PART_SECTIONS = {"readPoint": "rp", "bizLocation": "bl", "ERROR_DECLARATION": "ed",
                 "SENSORELEMENT": "se", "SENSORMETADATA": "sm", "SENSORREPORT": "sr"}  # fmt: skip
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
    """One sensor report, with what its element's metadata says about it."""

    position: int
    element: int
    report: m.SensorReport
    time: datetime | None
    start_time: datetime | None = None
    end_time: datetime | None = None
    data_processing_method: str | None = None
    biz_rules: str | None = None


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
    """ILMD and extension members (of the event and of its parts), flattened with full IRIs."""
    prefixes = dict(event.namespaces)
    rows: list[FieldRow] = []
    ilmd = getattr(event, "ilmd", None)
    for section, members in (("ilmd", ilmd or ()), ("ext", event.extensions), *_parts(event)):
        for key, value in members:
            _flatten(rows, section, _iri(key, prefixes), value, prefixes, top=True)
    return rows


def _parts(event: m.EpcisEvent) -> list[tuple[str, m.Extensions]]:
    """The extension members of the event's parts, by section (only parts that have some)."""
    parts: list[tuple[str, Any]] = [
        ("rp", event.read_point),
        ("bl", event.biz_location),
        ("ed", event.error_declaration),
    ]
    for element in event.sensor_element_list or ():
        parts += [("se", element), ("sm", element.sensor_metadata)]
        parts += [("sr", report) for report in element.sensor_report]
    return [(section, part.extensions) for section, part in parts if part and part.extensions]


def sensor_rows(event: m.EpcisEvent) -> list[SensorRow]:
    """Every sensor report; time, processing method and rules are the report's, else the
    element metadata's; start and end time come from the metadata."""
    rows: list[SensorRow] = []
    for e, element in enumerate(event.sensor_element_list or ()):
        meta = element.sensor_metadata or _NO_METADATA
        start, end = parse_time(meta.start_time), parse_time(meta.end_time)
        for r in element.sensor_report:
            rows.append(SensorRow(
                len(rows), e, r, parse_time(r.time or meta.time), start, end,
                r.data_processing_method or meta.data_processing_method,
                r.biz_rules or meta.biz_rules,
            ))  # fmt: skip
    return rows


_NO_METADATA = m.SensorMetadata()


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
