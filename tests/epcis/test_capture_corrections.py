"""Corrections: error declarations plus corrective events; the original is never changed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.epcis import declaration, document, shipping
from factories.identity import make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture import Behaviour, CaptureOutcome, CaptureService
from livetrace.epcis.capture_input import CaptureLimits, receive_json
from livetrace.epcis.models import EpcisEventRow
from livetrace.identity.models import Party
from livetrace.ledger.reads import LogReader

ORIGIN = "capture.test/log"
LIMITS = CaptureLimits(max_events=100, max_bytes=1 << 20)
CORRECTIVE_ID = "urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8"


@pytest.fixture
def party(session: Session, encryptor: KeyEncryptor) -> Party:
    """A carrier that ships pallets."""
    return make_party(session, encryptor, roles=["carrier"])


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor) -> CaptureService:
    """The capture service on the test log."""
    return CaptureService(session, encryptor, ORIGIN)


def capture(
    service: CaptureService, party: Party, event_list: list[dict[str, Any]]
) -> CaptureOutcome:
    """Capture a document of `event_list` (rollback mode)."""
    received = receive_json(document(event_list), LIMITS)
    return service.capture(party.id, received.envelope, received.events)


def row(session: Session, event_id: str) -> EpcisEventRow:
    """The stored row of an event."""
    return session.execute(
        select(EpcisEventRow).where(EpcisEventRow.event_id == event_id)
    ).scalar_one()


def test_declaration_and_corrective_event_leave_the_original_unchanged(
    session: Session, service: CaptureService, party: Party
) -> None:
    original = shipping(1)
    first = capture(service, party, [original]).captured[0]
    stored_before = copy.deepcopy(row(session, first.event_id).document)
    corrective = {**shipping(1), "eventID": CORRECTIVE_ID, "disposition": "in_progress"}
    outcome = capture(
        service,
        party,
        [declaration(original, first.event_id, corrective=[CORRECTIVE_ID]), corrective],
    )
    assert outcome.problems == []
    decl, fixed = outcome.captured
    assert decl.event_id.startswith("ni:///sha-256;") and "?ver=" not in decl.event_id
    assert fixed.event_id == CORRECTIVE_ID
    marked = row(session, first.event_id)
    assert marked.document == stored_before
    assert marked.error_declared_by == decl.event_id
    assert marked.error_reason == "incorrect_data"
    assert marked.error_declaration_time is not None
    declared = row(session, decl.event_id)
    assert declared.document["eventID"] == first.event_id
    assert declared.document["errorDeclaration"]["correctiveEventIDs"] == [CORRECTIVE_ID]
    body = LogReader(session).entry(decl.log_index).statement.body
    assert body["declares"] == first.event_id


def test_a_declaration_without_event_id_finds_the_original_by_hash(
    session: Session, service: CaptureService, party: Party
) -> None:
    original = shipping(2)
    first = capture(service, party, [original]).captured[0]
    bare = declaration(original, "unused", reason="did_not_occur")
    del bare["eventID"]
    outcome = capture(service, party, [bare])
    assert outcome.problems == []
    assert row(session, first.event_id).error_reason == "did_not_occur"
    stored = row(session, outcome.captured[0].event_id).document
    assert stored["eventID"] == first.event_id


def test_the_original_may_be_earlier_in_the_same_capture(
    session: Session, service: CaptureService, party: Party
) -> None:
    event_id = "urn:uuid:11111111-2222-4333-8444-555555555555"
    original = {**shipping(3), "eventID": event_id}
    outcome = capture(service, party, [original, declaration(original, event_id)])
    assert outcome.problems == []
    assert row(session, event_id).error_declared_by == outcome.captured[1].event_id


@pytest.mark.parametrize(
    ("change", "code", "needle"),
    [
        ("unknown", "epcis-declaration-unknown-event", "does not hold"),
        ("altered", "epcis-declaration-mismatch", "must repeat the event"),
        ("twice", "epcis-declaration-repeated", "already declared erroneous"),
    ],
)
def test_bad_declarations_are_refused(
    session: Session, service: CaptureService, party: Party, change: str, code: str, needle: str
) -> None:
    original = shipping(4)
    first = capture(service, party, [original]).captured[0]
    if change == "twice":
        capture(service, party, [declaration(original, first.event_id)])
    named = (
        "urn:uuid:99999999-2222-4333-8444-555555555555" if change == "unknown" else first.event_id
    )
    copy_of = {**original, "disposition": "damaged"} if change == "altered" else original
    outcome = capture(service, party, [declaration(copy_of, named, when="2026-09-03T08:00:00Z")])
    assert outcome.captured == []
    assert outcome.problems[0].code == code
    assert needle in outcome.problems[0].message


def test_only_the_capturing_party_may_declare_its_event_erroneous(
    session: Session, encryptor: KeyEncryptor, service: CaptureService, party: Party
) -> None:
    original = shipping(5)
    first = capture(service, party, [original]).captured[0]
    other = make_party(session, encryptor, roles=["carrier"])
    outcome = capture(service, other, [declaration(original, first.event_id)])
    assert outcome.captured == []
    assert outcome.problems[0].epcis_type == "epcisException:SecurityException"
    assert row(session, first.event_id).error_declared_by is None


def test_proceed_keeps_the_good_events_when_a_declaration_fails(
    session: Session, service: CaptureService, party: Party
) -> None:
    stray = declaration(shipping(6), "urn:uuid:99999999-0000-4333-8444-555555555555")
    received = receive_json(document([stray, shipping(7)]), LIMITS)
    outcome = service.capture(
        party.id, received.envelope, received.events, behaviour=Behaviour.PROCEED
    )
    assert [c.index for c in outcome.captured] == [1]
    assert [p.event_index for p in outcome.problems] == [0]
