"""The set-based writer: what it stores reads back unchanged (executemany on SQLite, COPY on
PostgreSQL), with awkward text, numbers, nulls and instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.epcis import CONTEXT, sensor_report
from factories.identity import make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis import bindings_json
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.models import (
    EpcisEventEpc,
    EpcisEventField,
    EpcisEventLink,
    EpcisEventRow,
    EpcisSensorReport,
)
from livetrace.epcis.writer import AcceptedEvent, write_events

AWKWARD = 'tab\there, new\nline, back\\slash, "quotes", 五常稻花香 🌾, \\N, end'
RECORDED = datetime(2026, 9, 1, 0, 0, 0, 123000, tzinfo=UTC)


def _event_json(n: int) -> dict[str, Any]:
    event = sensor_report(n)
    event["@context"] = [CONTEXT, {"ex": "https://example.com/ns/"}]
    event["ex:note"] = AWKWARD
    event["ex:nested"] = {"ex:level": -0.5, "ex:flag": False, "ex:empty": None}
    event["bizTransactionList"] = [{"type": "po", "bizTransaction": f"urn:x:po:{AWKWARD}"}]
    event["sensorElementList"][0]["sensorReport"].append(
        {"type": "Temperature", "minValue": -18.25, "maxValue": 1e-7, "uom": "CEL",
         "stringValue": AWKWARD, "booleanValue": True}
    )  # fmt: skip
    return event


def _accepted(session: Session, encryptor: KeyEncryptor, count: int) -> list[AcceptedEvent]:
    party = make_party(session, encryptor)
    out = []
    for n in range(count):
        event = bindings_json.parse_event(_event_json(n))
        out.append(AcceptedEvent(
            event=event, event_id=f"urn:uuid:w-{n}", event_hash=event_hash(event),
            document=bindings_json.event_to_json(event, with_context=True), party_id=party.id,
            log_index=50_000 + n, record_time=RECORDED,
        ))  # fmt: skip
    return out


def _rows(session: Session, model: Any, pks: list[Any]) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(table).where(table.c.event_pk.in_(pks))
    return sorted((dict(r._mapping) for r in session.execute(query)), key=repr)


def test_every_value_reads_back_as_written(session: Session, encryptor: KeyEncryptor) -> None:
    accepted = _accepted(session, encryptor, 3)
    write_events(session, accepted)
    session.expire_all()
    pks = [a.pk for a in accepted]
    for a in accepted:
        row = session.get(EpcisEventRow, a.pk)
        assert row is not None
        assert (row.event_id, row.log_index, row.record_time) == (a.event_id, a.log_index, RECORDED)
        assert row.document == a.document and row.document["ex:note"] == AWKWARD
        assert row.error_declaration_time is None and row.capture_job_id is None
    reports = _rows(session, EpcisSensorReport, pks)
    assert len(reports) == 9
    extra = [r for r in reports if r["string_value"] is not None]
    assert {(r["min_value"], r["max_value"], r["boolean_value"]) for r in extra} == {
        (-18.25, 1e-7, True)
    }
    assert all(r["string_value"] == AWKWARD for r in extra)
    links = _rows(session, EpcisEventLink, pks)
    assert {r["value"] for r in links} == {f"urn:x:po:{AWKWARD}"}
    fields = _rows(session, EpcisEventField, pks)
    note = {r["value_text"] for r in fields if r["name"] == "https://example.com/ns/note"}
    assert note == {AWKWARD}
    level = [r for r in fields if r["name"] == "https://example.com/ns/level"]
    assert {(r["section"], r["value_num"]) for r in level} == {("inner_ext", -0.5)}
    assert len(_rows(session, EpcisEventEpc, pks)) == 3
