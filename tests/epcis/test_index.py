"""Rows the query engine searches, extracted from parsed events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epcis.helpers import GS1
from factories.identity import make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis import bindings_json, index
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.identifiers import canonical_epc
from livetrace.epcis.models import EpcisEventEpc, EpcisEventRow
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.kit.clock import utcnow


def _event(name: str, n: int = 0):  # type: ignore[no-untyped-def]
    return bindings_json.parse_document((GS1 / "JSON" / name).read_bytes()).events[n]


def test_urn_and_digital_link_forms_share_one_stored_identifier() -> None:
    urn = "urn:epc:id:sgtin:4012345.011122.25"
    assert canonical_epc(urn) == "https://id.gs1.org/01/04012345111224/21/25"
    assert canonical_epc("https://example.com/01/04012345111224/21/25") == canonical_epc(urn)
    assert canonical_epc("urn:example:not-gs1") == "urn:example:not-gs1"


def test_transformation_inputs_outputs_and_ilmd_fields() -> None:
    event = _event("Example_9.6.4-TransformationEvent.jsonld")
    rows = index.epc_rows(event)
    roles = {r.role for r in rows}
    assert {"inputEPCList", "outputEPCList"} <= roles
    first = rows[0]
    assert first.raw == "urn:epc:id:sgtin:4012345.011122.25"
    assert first.epc.startswith("https://id.gs1.org/01/")
    fields = {(f.section, f.name): f.value_text for f in index.field_rows(event)}
    assert fields[("ilmd", "http://ns.example.com/epcis/batch")] == "XYZ"
    assert fields[("ext", "http://ns.example.com/epcis/myField")].startswith("Example")


def test_sensor_reports_carry_values_units_and_times() -> None:
    event = _event("WithSensorData/SensorDataExample1.jsonld")
    rows = index.sensor_rows(event)
    temp = next(r for r in rows if r.report.type == "Temperature")
    assert (temp.report.value, temp.report.uom) == (26.0, "CEL")
    assert temp.time == datetime(2019, 4, 2, 13, 5, tzinfo=UTC)


def test_nested_extension_values_are_inner_and_typed() -> None:
    rows: list[index.FieldRow] = []
    index._flatten(rows, "ext", "urn:x:a", {"urn:x:b": 3, "urn:x:c": [True, "2026-01-01T08:00:00+08:00"]},
                   {}, top=True)  # fmt: skip
    by_name = {(r.name, r.value_text): r for r in rows}
    assert all(r.section == "inner_ext" for r in rows)
    assert by_name[("urn:x:b", "3")].value_num == 3.0
    assert by_name[("urn:x:c", "true")].value_num is None
    stamp = by_name[("urn:x:c", "2026-01-01T08:00:00+08:00")]
    assert stamp.value_time == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_writer_stores_event_and_index_rows_in_one_batch(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor)
    doc = bindings_json.parse_document(
        (GS1 / "JSON" / "Example_9.6.4-TransformationEvent.jsonld").read_bytes()
    )
    event = doc.events[0]
    accepted = AcceptedEvent(event=event, event_id="urn:uuid:t-1", event_hash=event_hash(event),
                             document=bindings_json.event_to_json(event), party_id=party.id,
                             log_index=10_000, record_time=utcnow())  # fmt: skip
    write_events(session, [accepted])
    row = session.get(EpcisEventRow, accepted.pk)
    assert row is not None and row.event_type == "TransformationEvent"
    epcs = session.scalars(
        select(EpcisEventEpc.epc).where(EpcisEventEpc.event_pk == accepted.pk)
    ).all()
    assert "https://id.gs1.org/01/04012345111224/21/25" in epcs
    assert row.document == bindings_json.event_to_json(event)
