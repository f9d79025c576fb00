"""Webhook subscriptions end to end: a real HTTP receiver on loopback, signatures, retries, resume."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories.epcis_query import Dataset, make_dataset, store
from livetrace.context import AppContext
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.query_models import Subscription
from livetrace.kit.clock import utcnow
from livetrace.worker.subscriptions import SubscriptionWorker

TOKEN = "receiver-shared-secret"


@dataclass
class Receiver:
    """A webhook endpoint: records each POST, answers with `status`."""

    url: str
    status: int = 200
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def documents(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.posts.append((dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def data(session: Session, encryptor: KeyEncryptor) -> Dataset:
    made = make_dataset(session, encryptor)
    session.commit()
    return made


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def subscribe(client: TestClient, data: Dataset, receiver: Receiver, since: str) -> str:
    query = {"name": "shipments", "query": {"EQ_bizStep": ["shipping", "receiving"]}}
    assert client.post("/queries", json=query, headers=data.carrier.headers).status_code == 201
    body = {"dest": receiver.url, "signatureToken": TOKEN, "stream": True,
            "initialRecordTime": since}  # fmt: skip
    resp = client.post("/queries/shipments/subscriptions", json=body, headers=data.carrier.headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["subscriptionID"])


def event_ids(doc: dict[str, Any]) -> list[str]:
    return [e["eventID"] for e in doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_delivers_signed_batches_and_resumes_after_failures(
    client: TestClient, ctx: AppContext, session: Session, data: Dataset, receiver: Receiver,
    http: httpx.Client,
) -> None:  # fmt: skip
    sub_id = subscribe(client, data, receiver, "2000-01-01T00:00:00Z")
    worker = SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http)
    assert worker.run_once() == 1
    headers, body = receiver.posts[0]
    expected = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert headers["GS1-Signature"] == expected
    doc = receiver.documents()[0]
    assert doc["epcisBody"]["queryResults"]["subscriptionID"] == sub_id
    assert event_ids(doc) == [data.events["ship"].event_id, data.events["receive"].event_id]
    assert worker.run_once() == 0 and len(receiver.posts) == 1  # nothing new, nothing sent

    receiver.status = 503
    later = store(session, data.carrier.party, {
        "type": "ObjectEvent", "eventTime": "2026-10-02T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
        "epcList": data.items[:1],
    })  # fmt: skip
    session.commit()
    soon = utcnow() + timedelta(seconds=5)
    assert SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http,
                              clock=lambda: soon).run_once() == 0  # fmt: skip
    sub = session.get(Subscription, uuid.UUID(sub_id))
    session.refresh(sub)
    assert sub is not None and sub.failures == 1 and "503" in (sub.last_error or "")

    # A fresh worker (as after a restart) retries once the backoff has passed.
    receiver.status = 200
    restart = soon + timedelta(minutes=11)
    fresh = SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http, clock=lambda: restart)
    assert fresh.run_once() == 1
    assert event_ids(receiver.documents()[-1]) == [later.event_id]
    session.refresh(sub)
    assert sub.failures == 0 and sub.last_log_index == later.log_index


def test_initial_record_time_defaults_to_now_and_visibility_applies(
    client: TestClient, ctx: AppContext, data: Dataset, receiver: Receiver, http: httpx.Client
) -> None:
    future = (utcnow() + timedelta(days=1)).isoformat()
    subscribe(client, data, receiver, future)
    worker = SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http,
                                clock=lambda: utcnow() + timedelta(days=2))  # fmt: skip
    assert worker.run_once() == 0 and receiver.posts == []


def test_subscription_controls_and_lifecycle(
    client: TestClient, data: Dataset, receiver: Receiver
) -> None:
    h = data.carrier.headers
    client.post("/queries", json={"name": "q", "query": {}}, headers=h)
    no_stream = client.post("/queries/q/subscriptions", json={"dest": receiver.url}, headers=h)
    assert no_stream.json()["type"] == "epcisException:SubscriptionControlsException"
    assert no_stream.status_code == 400
    bad_dest = client.post("/queries/q/subscriptions", json={"dest": "ftp://x", "stream": True},
                           headers=h)  # fmt: skip
    assert bad_dest.status_code == 400
    made = client.post("/queries/q/subscriptions", json={"dest": receiver.url, "stream": True},
                       headers=h).json()  # fmt: skip
    sub = f"/queries/q/subscriptions/{made['subscriptionID']}"
    assert client.get(sub, headers=h).json()["dest"] == receiver.url
    assert len(client.get("/queries/q/subscriptions", headers=h).json()) == 1
    assert client.delete(sub, headers=data.shop.headers).status_code == 403
    assert client.delete(sub, headers=h).status_code == 204
    gone = client.get(sub, headers=h)
    assert gone.status_code == 404
    assert gone.json()["type"] == "epcisException:NoSuchSubscriptionException"


# --- scheduled subscriptions ---------------------------------------------------------------------


def subscribe_scheduled(
    client: TestClient, data: Dataset, receiver: Receiver, since: str, **controls: Any
) -> dict[str, Any]:
    query = {"name": "hourly", "query": {"EQ_bizStep": ["shipping", "receiving"]}}
    assert client.post("/queries", json=query, headers=data.carrier.headers).status_code == 201
    body = {"dest": receiver.url, "signatureToken": TOKEN, "initialRecordTime": since, **controls}
    resp = client.post("/queries/hourly/subscriptions", json=body, headers=data.carrier.headers)
    assert resp.status_code == 201, resp.text
    made: dict[str, Any] = resp.json()
    return made


def at(when: datetime) -> Callable[[], datetime]:
    return lambda: when


def test_scheduled_subscription_delivers_what_is_new_at_each_run(
    client: TestClient, ctx: AppContext, session: Session, data: Dataset, receiver: Receiver,
    http: httpx.Client,
) -> None:  # fmt: skip
    made = subscribe_scheduled(client, data, receiver, "2000-01-01T00:00:00Z",
                               schedule={"minute": "0"})  # fmt: skip
    assert made["stream"] is False and made["schedule"] == {"minute": "0"}
    due = datetime.fromisoformat(made["nextRunAt"])
    assert (due.minute, due.second) == (0, 0)

    def worker(now: datetime) -> SubscriptionWorker:
        return SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http, clock=at(now))

    assert worker(due - timedelta(seconds=1)).run_once() == 0 and receiver.posts == []
    assert worker(due).run_once() == 1
    headers, body = receiver.posts[0]
    expected = "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    assert headers["GS1-Signature"] == expected
    doc = receiver.documents()[0]
    assert doc["epcisBody"]["queryResults"]["subscriptionID"] == made["subscriptionID"]
    assert event_ids(doc) == [data.events["ship"].event_id, data.events["receive"].event_id]
    assert worker(due).run_once() == 0 and len(receiver.posts) == 1  # run drained: wait an hour
    sub_url = f"/queries/hourly/subscriptions/{made['subscriptionID']}"
    shown = client.get(sub_url, headers=data.carrier.headers).json()
    assert shown["nextRunAt"] == (due + timedelta(hours=1)).isoformat()

    later = store(session, data.carrier.party, {
        "type": "ObjectEvent", "eventTime": "2026-10-02T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping",
        "epcList": data.items[:1],
    })  # fmt: skip
    session.commit()
    assert worker(due + timedelta(minutes=30)).run_once() == 0  # recorded, but not yet due
    receiver.status = 503
    assert worker(due + timedelta(hours=1)).run_once() == 0
    sub = session.get(Subscription, uuid.UUID(made["subscriptionID"]))
    assert sub is not None and sub.failures == 1 and sub.last_log_index >= 0

    # A restarted worker retries after the backoff and sends what the receiver has not taken.
    receiver.status = 200
    assert worker(due + timedelta(hours=1, minutes=11)).run_once() == 1
    assert event_ids(receiver.documents()[-1]) == [later.event_id]
    session.refresh(sub)
    assert sub.failures == 0 and sub.last_log_index == later.log_index
    assert worker(due + timedelta(hours=1, minutes=11)).run_once() == 0
    # Nothing new at the next run and no reportIfEmpty: nothing is sent.
    assert worker(due + timedelta(hours=2)).run_once() == 0 and len(receiver.posts) == 3


def test_scheduled_subscription_reports_empty_runs_when_asked(
    client: TestClient, ctx: AppContext, data: Dataset, receiver: Receiver, http: httpx.Client
) -> None:
    future = (utcnow() + timedelta(days=30)).isoformat()
    made = subscribe_scheduled(client, data, receiver, future,
                               schedule={"second": "0"}, reportIfEmpty=True)  # fmt: skip
    due = datetime.fromisoformat(made["nextRunAt"])
    assert made["reportIfEmpty"] is True

    def worker(now: datetime) -> SubscriptionWorker:
        return SubscriptionWorker(ctx.sessions, ctx.encryptor, http=http, clock=at(now))

    assert worker(due).run_once() == 1
    assert event_ids(receiver.documents()[0]) == []
    headers, body = receiver.posts[0]
    assert (
        headers["GS1-Signature"]
        == "sha256=" + hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    )
    assert worker(due).run_once() == 0  # one report per run
    assert worker(due + timedelta(minutes=1)).run_once() == 1 and len(receiver.posts) == 2


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        ({"schedule": {"hour": "25"}}, "schedule.hour: 25 is outside 0 through 23"),
        ({"schedule": {"minute": "[40-20]"}}, "schedule.minute: range [40-20] runs backwards"),
        ({"schedule": {"hour": "1"}, "stream": True}, "either a schedule or stream=true"),
        ({"schedule": {}}, "give at least one of second, minute"),
        ({"schedule": {"dayOfMonth": "31", "month": "4"}}, "never fall on one day"),
        ({"stream": True, "reportIfEmpty": True}, "reportIfEmpty applies to scheduled"),
    ],
)
def test_schedule_controls_are_checked(
    client: TestClient, data: Dataset, receiver: Receiver, controls: dict[str, Any], message: str
) -> None:
    h = data.carrier.headers
    client.post("/queries", json={"name": "q", "query": {}}, headers=h)
    resp = client.post("/queries/q/subscriptions", json={"dest": receiver.url, **controls},
                       headers=h)  # fmt: skip
    assert resp.status_code == 400
    assert resp.json()["type"] == "epcisException:SubscriptionControlsException"
    assert message in resp.text
