"""Capture service: atomicity, proceed mode, ids, duplicates, XML, statements on the log."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.epcis import document, document_bytes, events, shipping
from factories.identity import make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.epcis import bindings_json, bindings_xml, capture_input
from livetrace.epcis.capture import Behaviour, CaptureService, capturing_party
from livetrace.epcis.capture_errors import CaptureAccessError, CaptureLimitExceededError
from livetrace.epcis.capture_input import (
    CaptureLimits,
    MediaKind,
    receive,
    receive_json,
)
from livetrace.epcis.errors import EpcisParseError, EPCISValidationError
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.models import EpcisEventEpc, EpcisEventLink, EpcisEventRow, EpcisSensorReport
from livetrace.epcis.validation import schema_problems
from livetrace.identity.models import Party
from livetrace.identity.policy import Principal
from livetrace.identity.roles import PartyRole, Scope
from livetrace.kit import canonical_json
from livetrace.ledger.models import LogState
from livetrace.ledger.reads import LogReader
from livetrace.ledger.statements import decode_statement, verify_statement

ORIGIN = "capture.test/log"
LIMITS = CaptureLimits(max_events=100, max_bytes=1 << 20)


@pytest.fixture
def party(session: Session, encryptor: KeyEncryptor) -> Party:
    """A rice mill with a signing key."""
    return make_party(session, encryptor, roles=["manufacturer"])


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor) -> CaptureService:
    """The capture service on the test log."""
    return CaptureService(session, encryptor, ORIGIN)


def capture(
    service: CaptureService, party: Party, event_list: list[dict[str, Any]], **kw: Any
) -> Any:
    """Capture a document of `event_list` through the whole pipeline."""
    received = receive_json(document(event_list), LIMITS)
    return service.capture(party.id, received.envelope, received.events, **kw)


def counts(session: Session) -> dict[str, int]:
    """Rows in every table capture writes, and the log size."""
    tables = {"events": EpcisEventRow, "epcs": EpcisEventEpc, "links": EpcisEventLink,
              "sensors": EpcisSensorReport}  # fmt: skip
    out = {
        name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in tables.items()
    }
    state = session.execute(select(LogState)).scalar_one_or_none()
    out["log"] = state.size if state else 0
    return out


def test_a_clean_document_is_stored_signed_and_on_the_log(
    session: Session, encryptor: KeyEncryptor, service: CaptureService, party: Party
) -> None:
    outcome = capture(service, party, events(8))
    assert outcome.problems == []
    assert [c.index for c in outcome.captured] == list(range(8))
    assert outcome.checkpoint_size == 8
    c = counts(session)
    assert c["events"] == 8 and c["log"] == 8 and c["links"] > 0 and c["sensors"] > 0
    row = session.execute(select(EpcisEventRow).where(EpcisEventRow.log_index == 3)).scalar_one()
    entry = LogReader(session).entry(3)
    assert entry.statement.kind == "epcis.event"
    assert entry.statement.party_id == party.id
    body = entry.statement.body
    assert body["eventID"] == row.event_id and body["eventHash"] == row.event_hash
    digest = hashlib.sha256(canonical_json.canonicalize(row.document)).hexdigest()
    assert body["sha256"] == digest
    public = KeyService(session, encryptor).public_keys(KeyOwnerKind.PARTY, party.id)[0]
    verify_statement(decode_statement(entry.entry), public.public_key)


def test_event_hash_is_the_event_id_when_none_is_given(
    session: Session, service: CaptureService, party: Party
) -> None:
    given = {**shipping(1), "eventID": "urn:uuid:6d5b7a1e-8f3e-4a59-9a59-1c1f0f5a0b01"}
    outcome = capture(service, party, [shipping(2), given])
    first, second = outcome.captured
    assert first.event_id == first.event_hash
    assert first.event_id.startswith("ni:///sha-256;") and first.event_id.endswith("?ver=CBV2.0")
    assert second.event_id == given["eventID"] and second.event_hash != second.event_id
    stored = session.execute(
        select(EpcisEventRow.document).where(EpcisEventRow.event_id == first.event_id)
    ).scalar_one()
    assert stored["eventID"] == first.event_id
    assert stored["recordTime"].endswith("Z")
    parsed = bindings_json.parse_event(stored)
    assert event_hash(parsed) == first.event_hash


def test_rollback_with_one_bad_event_writes_nothing(
    session: Session, service: CaptureService, party: Party
) -> None:
    before = counts(session)
    bad = {**shipping(7), "bizStep": "transforming"}
    outcome = capture(service, party, [*events(5), bad, *events(3, start=50)])
    assert outcome.captured == []
    assert [p.event_index for p in outcome.problems] == [5]
    assert "transforming" in outcome.problems[0].message
    assert outcome.problems[0].path == "epcisBody.eventList[5].bizStep"
    assert counts(session) == before


def test_rollback_with_a_duplicate_of_a_stored_event_writes_nothing(
    session: Session, service: CaptureService, party: Party
) -> None:
    capture(service, party, events(2))
    before = counts(session)
    outcome = capture(service, party, [*events(3, start=10), events(1)[0]])
    assert outcome.captured == []
    assert outcome.problems[0].epcis_type == "epcisException:ResourceAlreadyExistsException"
    assert counts(session) == before


def test_proceed_stores_the_good_events_and_reports_the_bad(
    session: Session, service: CaptureService, party: Party
) -> None:
    bad_cbv = {**shipping(7), "disposition": "in_transport"}
    bad_id = {**shipping(8), "epcList": ["urn:epc:id:sgtin:6901234.012345"]}
    unknown = {**shipping(9), "colour": "red"}
    not_an_event = {**shipping(10), "type": "ShippingEvent"}
    batch = [events(1)[0], bad_cbv, bad_id, shipping(11), unknown, not_an_event, events(1)[0]]
    outcome = capture(service, party, batch, behaviour=Behaviour.PROCEED)
    assert [c.index for c in outcome.captured] == [0, 3]
    assert [p.event_index for p in outcome.problems] == [1, 2, 4, 5, 6]
    by_index = {p.event_index: p for p in outcome.problems}
    assert "in_transport" in by_index[1].message
    assert by_index[2].path.startswith("epcisBody.eventList[2].epcList")
    assert by_index[6].epcis_type.endswith("ResourceAlreadyExistsException")
    assert "duplicate of event #0" in by_index[6].message
    assert counts(session)["events"] == 2 and counts(session)["log"] == 2


def test_duplicates_are_found_by_hash_even_with_a_new_event_id(
    service: CaptureService, party: Party
) -> None:
    capture(service, party, [shipping(1)])
    renamed = {**shipping(1), "eventID": "urn:uuid:0b8d1b8e-9a34-4c1e-b0a4-7e7b7f4c9d11"}
    outcome = capture(service, party, [renamed])
    assert outcome.captured == []
    assert "Event Hash ID" in outcome.problems[0].message


def test_a_problem_names_the_event_by_its_event_hash_id_when_it_has_no_event_id(
    service: CaptureService, party: Party
) -> None:
    capture(service, party, [shipping(1)])
    outcome = capture(service, party, [shipping(2), shipping(1)], behaviour=Behaviour.PROCEED)
    (problem,) = outcome.problems
    assert problem.event_index == 1 and problem.event_id is not None
    assert problem.event_id.startswith("ni:///sha-256;") and problem.event_id in problem.message


def test_duplicates_are_found_by_event_id(service: CaptureService, party: Party) -> None:
    event_id = "urn:uuid:2f1b8e0c-3a6d-4b8e-9d7f-5c4a3b2e1f00"
    capture(service, party, [{**shipping(1), "eventID": event_id}])
    outcome = capture(service, party, [{**shipping(2), "eventID": event_id}])
    assert outcome.captured == []
    assert f"eventID {event_id}" in outcome.problems[0].message


def test_xml_capture_stores_the_same_event_as_json(
    session: Session, service: CaptureService, party: Party
) -> None:
    doc = bindings_json.parse_document(document(events(4)))
    xml = bindings_xml.to_xml(doc)
    received = receive(xml, MediaKind.XML, LIMITS)
    outcome = service.capture(party.id, received.envelope, received.events)
    assert outcome.problems == []
    assert [c.event_hash for c in outcome.captured] == [event_hash(e) for e in doc.events]
    assert counts(session)["events"] == 4


@pytest.mark.parametrize(
    ("body", "kind", "error", "needle"),
    [
        (b'{"type": "EPCISDocument", ', MediaKind.JSON, EpcisParseError, "not valid JSON"),
        (b"<EPCISDocument><unclosed>", MediaKind.XML, EpcisParseError, "not well-formed XML"),
        (b'{"type": "Order"}', MediaKind.JSON, EpcisParseError, "document type 'Order'"),
        (b"[1, 2]", MediaKind.JSON, EpcisParseError, "JSON object"),
    ],
)
def test_unreadable_documents_are_refused_whole(
    body: bytes, kind: MediaKind, error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=needle):
        receive(body, kind, LIMITS)


def test_a_bad_envelope_is_refused_whole() -> None:
    doc = document(events(1))
    del doc["@context"]
    with pytest.raises(EPCISValidationError, match="@context"):
        receive_json(doc, LIMITS)


def test_limits_are_enforced_before_parsing() -> None:
    with pytest.raises(CaptureLimitExceededError, match="file size limit is 100"):
        receive(document_bytes(events(2)), MediaKind.JSON, CaptureLimits(10, 100))
    with pytest.raises(CaptureLimitExceededError, match="capture limit is 3"):
        receive(document_bytes(events(4)), MediaKind.JSON, CaptureLimits(3, 1 << 20))


def test_capturing_for_another_party_needs_the_platform(party: Party) -> None:
    other = Principal(party_id=None, party_roles=frozenset(), scopes=frozenset({Scope.WRITE}))
    assert capturing_party(other, party.id) == party.id  # the system operator
    member = Principal(
        party_id=party.id, party_roles=frozenset({PartyRole.MANUFACTURER}), scopes=frozenset(Scope)
    )
    assert capturing_party(member) == party.id
    with pytest.raises(CaptureAccessError, match="may not capture events signed for party"):
        capturing_party(member, uuid.uuid4())
    reader = Principal(party_id=party.id, party_roles=frozenset(), scopes=frozenset({Scope.READ}))
    with pytest.raises(CaptureAccessError, match="write"):
        capturing_party(reader)


def test_a_statement_entry_is_small_whatever_the_event_holds(
    service: CaptureService, party: Party, session: Session
) -> None:
    big = {**shipping(3), "example:notes": "稻" * 40_000}
    doc = document([big])
    doc["@context"] = [doc["@context"][0], {"example": "https://example.com/ns/"}]
    received = receive_json(doc, LIMITS)
    outcome = service.capture(party.id, received.envelope, received.events)
    assert outcome.problems == []
    entry = LogReader(session).entry(outcome.captured[0].log_index)
    assert len(entry.entry) < 1_000
    assert len(json.dumps(outcome.captured[0].document, ensure_ascii=False)) > 40_000


CORPUS = sorted(
    p for p in (Path(__file__).resolve().parents[1] / "assets" / "epcis").rglob("*.json*")
    if "eventhash" not in p.parts
)  # fmt: skip


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_the_fast_schema_gate_is_never_more_lenient_than_the_reference(path: Path) -> None:
    obj = json.loads(path.read_bytes())
    if capture_input._schema_gate().is_valid(obj):
        assert schema_problems(obj) == []


def test_an_event_without_a_canonical_json_form_is_refused(
    session: Session, service: CaptureService, party: Party
) -> None:
    huge = {**shipping(4), "example:count": 2**60}
    doc = document([huge, shipping(5)])
    doc["@context"] = [doc["@context"][0], {"example": "https://example.com/ns/"}]
    received = receive_json(doc, LIMITS)
    outcome = service.capture(
        party.id, received.envelope, received.events, behaviour=Behaviour.PROCEED
    )
    assert [c.index for c in outcome.captured] == [1]
    assert "RFC 8785" in outcome.problems[0].message
    assert counts(session)["events"] == 1
