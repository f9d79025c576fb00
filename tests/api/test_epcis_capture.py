"""HTTP capture binding: `/capture` jobs, `POST /events`, limits and EPCIS problem types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.epcis import declaration, document, document_bytes, events, shipping, single
from factories.identity import Member, make_member, make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis.models import EpcisEventEpc, EpcisEventRow
from livetrace.ledger.models import LogState
from livetrace.trace.models import ItemState

JSON_LD = {"Content-Type": "application/ld+json"}


@pytest.fixture
def mill(session: Session, encryptor: KeyEncryptor) -> Member:
    """A member of a rice mill with read, write and admin scopes."""
    return make_member(session, encryptor, make_party(session, encryptor, roles=["manufacturer"]))


def stored(session: Session) -> tuple[int, int]:
    """Events stored and the log size."""
    events_count = session.execute(select(func.count()).select_from(EpcisEventRow)).scalar_one()
    state = session.execute(select(LogState)).scalar_one_or_none()
    return events_count, state.size if state else 0


def post_capture(client: TestClient, who: Member, body: bytes, **headers: str) -> Any:
    """POST /capture with a JSON-LD body unless another content type is given."""
    return client.post("/capture", content=body, headers={**who.headers, **JSON_LD, **headers})


def test_options_advertise_the_limits(client: TestClient) -> None:
    r = client.options("/capture")
    assert r.status_code == 204
    assert r.headers["GS1-EPCIS-Capture-Limit"] == "10000"
    assert r.headers["GS1-EPCIS-Capture-File-Size-Limit"] == str(64 << 20)
    assert "proceed" in r.headers["GS1-Capture-Error-Behaviour"]


def test_capture_answers_202_with_the_job_location(
    client: TestClient, mill: Member, session: Session
) -> None:
    r = post_capture(client, mill, document_bytes(events(6)))
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    job = client.get(location, headers=mill.headers).json()
    assert job["running"] is False and job["success"] is True
    assert job["captureErrorBehaviour"] == "rollback"
    assert job["capturedCount"] == 6 and job["errors"] == []
    assert stored(session) == (6, 6)
    listed = client.get("/capture", headers=mill.headers)
    assert [j["captureID"] for j in listed.json()] == [job["captureID"]]
    assert listed.headers["X-Total-Count"] == "1"


def test_rollback_job_with_a_bad_event_stores_nothing(
    client: TestClient, mill: Member, session: Session
) -> None:
    bad = {**shipping(9), "bizStep": "transforming"}
    r = post_capture(client, mill, document_bytes([*events(4), bad]))
    assert r.status_code == 202
    job = client.get(r.headers["Location"], headers=mill.headers).json()
    assert job["success"] is False and job["capturedCount"] == 0
    (error,) = job["errors"]
    assert error["type"] == "epcisException:ValidationException"
    assert error["path"] == "epcisBody.eventList[4].bizStep"
    assert "transforming" in error["detail"]
    assert stored(session) == (0, 0)


def test_proceed_job_stores_the_good_events(
    client: TestClient, mill: Member, session: Session
) -> None:
    bad = {**shipping(9), "disposition": "in_transport"}
    body = document_bytes([*events(3), bad])
    r = post_capture(client, mill, body, **{"GS1-Capture-Error-Behaviour": "proceed"})
    job = r.json()
    assert job["success"] is False and job["capturedCount"] == 3
    assert [e["eventIndex"] for e in job["errors"]] == [3]
    assert stored(session) == (3, 3)


def test_xml_capture(client: TestClient, mill: Member, session: Session) -> None:
    xml = bindings_xml.to_xml(bindings_json.parse_document(document(events(3))))
    r = post_capture(client, mill, xml, **{"Content-Type": "application/xml"})
    assert r.status_code == 202 and r.json()["capturedCount"] == 3
    assert stored(session) == (3, 3)


@pytest.mark.parametrize(
    ("body", "headers", "status", "epcis_type", "needle"),
    [
        (b'{"type": "EPCISDocument",', {}, 400, "ValidationException", "not valid JSON"),
        (b"<EPCISDocument><x>", {"Content-Type": "application/xml"}, 400, "ValidationException", "well-formed"),
        (b"a,b\n1,2", {"Content-Type": "text/csv"}, 415, "UnsupportedMediaTypeException", "text/csv"),
        (b"{}", {"GS1-Capture-Error-Behaviour": "sometimes"}, 400, "ValidationException", "sometimes"),
    ],
)  # fmt: skip
def test_unreadable_captures_are_refused_without_a_job(
    client: TestClient,
    mill: Member,
    session: Session,
    body: bytes,
    headers: dict[str, str],
    status: int,
    epcis_type: str,
    needle: str,
) -> None:
    r = post_capture(client, mill, body, **headers)
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["type"] == f"epcisException:{epcis_type}"
    assert needle in problem["detail"]
    assert client.get("/capture", headers=mill.headers).json() == []


def test_oversized_documents_are_refused(
    client: TestClient, mill: Member, session: Session
) -> None:
    client.app.state.ctx.settings.epcis_capture_file_size_limit = 2048  # type: ignore[attr-defined]
    r = post_capture(client, mill, document_bytes(events(40)))
    assert r.status_code == 413
    assert r.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert stored(session) == (0, 0)


def test_capture_needs_the_write_scope(
    client: TestClient, session: Session, encryptor: KeyEncryptor
) -> None:
    reader = make_member(session, encryptor, make_party(session, encryptor), scopes=("read",))
    r = post_capture(client, reader, document_bytes(events(1)))
    assert r.status_code == 403
    assert r.json()["type"] == "epcisException:SecurityException"


def test_capturing_for_another_party_is_refused(
    client: TestClient, mill: Member, session: Session, encryptor: KeyEncryptor
) -> None:
    other = make_party(session, encryptor)
    r = client.post(
        f"/events?party={other.id}", content=json.dumps(single(shipping(1))),
        headers={**mill.headers, **JSON_LD},
    )  # fmt: skip
    assert r.status_code == 403
    assert "may not capture events signed for party" in r.json()["detail"]
    assert stored(session) == (0, 0)


def test_post_events_201_then_409(client: TestClient, mill: Member, session: Session) -> None:
    body = json.dumps(single(shipping(1)))
    first = client.post("/events", content=body, headers={**mill.headers, **JSON_LD})
    assert first.status_code == 201, first.text
    event_id = first.json()["eventID"]
    assert first.headers["Location"].startswith("/events/ni%3A%2F%2F%2Fsha-256")
    again = client.post("/events", content=body, headers={**mill.headers, **JSON_LD})
    assert again.status_code == 409
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert event_id in again.json()["detail"]
    assert stored(session) == (1, 1)


@pytest.mark.parametrize(
    ("change", "needle", "field"),
    [
        ({"colour": "red"}, "colour", "$"),
        ({"bizStep": "transforming"}, "transforming", "$.bizStep"),
        ({"epcList": ["urn:epc:id:sscc:6901234.12345"]}, "sscc", "$.epcList[0]"),
        ({"action": "CREATE"}, "CREATE", "$.action"),
    ],
)
def test_post_events_rejects_bad_events_precisely(
    client: TestClient,
    mill: Member,
    session: Session,
    change: dict[str, Any],
    needle: str,
    field: str,
) -> None:
    body = json.dumps(single({**shipping(1), **change}))
    r = client.post("/events", content=body, headers={**mill.headers, **JSON_LD})
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["type"] == "epcisException:ValidationException"
    assert needle in problem["detail"]
    assert problem["field"].startswith(field)
    assert stored(session) == (0, 0)


def test_correction_over_http(client: TestClient, mill: Member, session: Session) -> None:
    original = shipping(3)
    first = client.post(
        "/events", content=json.dumps(single(original)), headers={**mill.headers, **JSON_LD}
    )
    event_id = first.json()["eventID"]
    decl = single(declaration(original, event_id))
    second = client.post("/events", content=json.dumps(decl), headers={**mill.headers, **JSON_LD})
    assert second.status_code == 201, second.text
    row = session.execute(
        select(EpcisEventRow).where(EpcisEventRow.event_id == event_id)
    ).scalar_one()
    assert row.error_reason == "incorrect_data"
    assert row.document == first.json()


def test_http_capture_keeps_the_trace_projections_in_step(
    client: TestClient, mill: Member, session: Session
) -> None:
    r = post_capture(client, mill, document_bytes(events(3)))
    assert r.status_code == 202, r.text
    captured = session.scalars(
        select(EpcisEventEpc.epc).where(EpcisEventEpc.role == "epcList")
    ).all()
    tracked = set(session.scalars(select(ItemState.epc)).all())
    assert captured and set(captured) <= tracked
