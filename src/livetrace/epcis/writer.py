"""Set-based writes of accepted events and their index rows, one bulk load per table per batch.

The rows go through `store.bulk.load_tuples`: one `COPY … FROM STDIN` per table on PostgreSQL
(the server's bulk-load path), a driver-level executemany elsewhere; each value first goes through
its column type's bind processor, so the database receives exactly what an INSERT would have sent
(UTC instants, JSONB documents).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livetrace.epcis import index
from livetrace.epcis import model as m
from livetrace.epcis.models import (
    EpcisEventEpc,
    EpcisEventField,
    EpcisEventLink,
    EpcisEventRow,
    EpcisSensorReport,
)
from livetrace.kit.ids import new_id
from livetrace.store.bulk import load_tuples


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    """An event that passed validation and has its place on the log."""

    event: m.EpcisEvent
    event_id: str
    event_hash: str
    document: dict[str, Any]
    party_id: uuid.UUID
    log_index: int
    record_time: datetime
    capture_job_id: uuid.UUID | None = None
    pk: uuid.UUID = field(default_factory=new_id)


def write_events(session: Session, accepted: Sequence[AcceptedEvent]) -> None:
    """Insert the events and every index row; the caller's transaction commits."""
    tables: dict[Any, list[dict[str, Any]]] = {
        EpcisEventRow: [], EpcisEventEpc: [], EpcisEventLink: [], EpcisEventField: [],
        EpcisSensorReport: [],
    }  # fmt: skip
    for a in accepted:
        tables[EpcisEventRow].append(_event_row(a))
        tables[EpcisEventEpc] += [_epc(a.pk, r) for r in index.epc_rows(a.event)]
        tables[EpcisEventLink] += [_link(a.pk, r) for r in index.link_rows(a.event)]
        tables[EpcisEventField] += [_field(a.pk, r) for r in index.field_rows(a.event)]
        tables[EpcisSensorReport] += [_sensor(a.pk, r) for r in index.sensor_rows(a.event)]
    for model, rows in tables.items():  # parents first: dict order is insertion order
        if rows:
            columns = tuple(rows[0])  # every row of a table has the same keys, in the same order
            load_tuples(session, model.__table__, [tuple(r.values()) for r in rows], columns)


def _event_row(a: AcceptedEvent) -> dict[str, Any]:
    e = a.event
    declaration = e.error_declaration
    return {
        "id": a.pk, "event_id": a.event_id, "event_hash": a.event_hash,
        "event_type": e.event_type, "action": getattr(e, "action", None),
        "biz_step": e.biz_step, "disposition": e.disposition,
        "event_time": e.event_datetime(), "event_time_zone_offset": e.event_time_zone_offset,
        "record_time": a.record_time,
        "read_point": e.read_point.id if e.read_point else None,
        "biz_location": e.biz_location.id if e.biz_location else None,
        "transformation_id": getattr(e, "transformation_id", None),
        "party_id": a.party_id, "capture_job_id": a.capture_job_id, "log_index": a.log_index,
        "error_declaration_time": index.parse_time(declaration.declaration_time) if declaration else None,
        "error_reason": declaration.reason if declaration else None,
        "document": a.document,
    }  # fmt: skip


def _epc(pk: uuid.UUID, r: index.EpcRow) -> dict[str, Any]:
    return {"event_pk": pk, "role": r.role, "position": r.position, "epc": r.epc, "raw": r.raw,
            "is_class": r.is_class, "quantity": r.quantity, "uom": r.uom}  # fmt: skip


def _link(pk: uuid.UUID, r: index.LinkRow) -> dict[str, Any]:
    return {
        "event_pk": pk,
        "kind": r.kind,
        "position": r.position,
        "type": r.type,
        "value": r.value,
    }


def _field(pk: uuid.UUID, r: index.FieldRow) -> dict[str, Any]:
    return {"event_pk": pk, "section": r.section, "position": r.position, "name": r.name,
            "value_text": r.value_text, "value_num": r.value_num, "value_time": r.value_time}  # fmt: skip


def _sensor(pk: uuid.UUID, r: index.SensorRow) -> dict[str, Any]:
    rep = r.report
    return {
        "event_pk": pk, "position": r.position, "element": r.element, "type": rep.type,
        "device_id": rep.device_id, "time": r.time, "value": _num(rep.value),
        "min_value": _num(rep.min_value), "max_value": _num(rep.max_value),
        "mean_value": _num(rep.mean_value), "uom": rep.uom, "string_value": rep.string_value,
        "boolean_value": rep.boolean_value, "component": rep.component, "exception": rep.exception,
        "s_dev": _num(rep.s_dev), "perc_rank": _num(rep.perc_rank),
        "perc_value": _num(rep.perc_value), "start_time": r.start_time, "end_time": r.end_time,
        "data_processing_method": r.data_processing_method, "biz_rules": r.biz_rules,
        "microorganism": rep.microorganism, "chemical_substance": rep.chemical_substance,
        "hex_binary_value": rep.hex_binary_value.upper() if rep.hex_binary_value else None,
        "uri_value": rep.uri_value,
    }  # fmt: skip


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)
