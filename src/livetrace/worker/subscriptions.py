"""Delivers EPCIS subscription results to webhooks.

Each round claims the due subscriptions (a lease keeps other workers off them), reads the next
batch after the acknowledged position in its own transaction, POSTs it outside any transaction,
and records the outcome in a third: acknowledged on 2xx, otherwise a retry with backoff. All state
lives in the database, so a restarted worker resumes from the last acknowledged event.
Scheduled subscriptions fall due at their run times and are then drained batch by batch; a run
with nothing new sends an empty result only when the subscription asked for `reportIfEmpty`.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.epc_format import EpcFormat
from livetrace.epcis.query_models import NamedQuery, Subscription
from livetrace.epcis.query_repository import StoredEvent
from livetrace.epcis.query_service import query_document, render_events
from livetrace.epcis.subscriptions import (
    SIGNATURE_HEADER,
    DeliveryService,
    NamedQueryService,
    sign,
)
from livetrace.kit.clock import utcnow
from livetrace.store.uow import unit_of_work

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
IDLE = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A batch ready to send: where, what, and the last event it acknowledges (None: empty)."""

    subscription_id: uuid.UUID
    dest: str
    body: bytes
    headers: dict[str, str]
    last: StoredEvent | None


class SubscriptionWorker:
    """Delivers new matching events to every active subscription."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        encryptor: KeyEncryptor,
        *,
        http: httpx.Client | None = None,
        batch: int = 100,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.encryptor = encryptor
        self.http = http or httpx.Client(timeout=10.0)
        self.batch = batch
        self.clock = clock

    def run_once(self) -> int:
        """Serve every due subscription once; the number of batches delivered."""
        with unit_of_work(self.sessions) as session:
            claimed = [s.id for s in DeliveryService(session).claim(self.clock(), LEASE)]
        return sum(self._serve(sub_id) for sub_id in claimed)

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Loop until `stop` is set, pausing when a round delivered nothing."""
        while not stop.is_set():
            try:
                delivered = self.run_once()
            except OperationalError as exc:
                # A database that is briefly unreachable or locked must not end the worker.
                log.warning("subscription round failed: %s", exc)
                delivered = 0
            if delivered == 0:
                stop.wait(interval)

    def _serve(self, sub_id: uuid.UUID) -> bool:
        delivery = self._prepare(sub_id)
        if delivery is None:
            return False
        error = self._post(delivery)
        with unit_of_work(self.sessions) as session:
            svc, sub = DeliveryService(session), session.get(Subscription, sub_id)
            if sub is None:  # deleted while we were sending
                return False
            if error is None:
                svc.acknowledged(sub, delivery.last, self.clock())
            else:
                svc.failed(sub, error, self.clock())
        return error is None

    def _prepare(self, sub_id: uuid.UUID) -> Delivery | None:
        with unit_of_work(self.sessions) as session:
            svc, sub = DeliveryService(session), session.get(Subscription, sub_id)
            query = session.get(NamedQuery, sub.query_id) if sub else None
            if sub is None or query is None:
                return None
            rows = svc.next_batch(sub, query, self.batch)
            if not rows and not svc.report_empty(sub):
                svc.idle(sub, self.clock(), IDLE)
                return None
            return self._delivery(session, sub, query, rows)

    def _delivery(
        self, session: Session, sub: Subscription, query: NamedQuery, rows: list[StoredEvent]
    ) -> Delivery:
        events = render_events(DeliveryService(session).repo, rows, EpcFormat(sub.epc_format))
        doc = query_document(events, query_name=query.name, subscription_id=str(sub.id))
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/ld+json", "GS1-EPCIS-Version": "2.0.0"}
        secret = NamedQueryService(session, self.encryptor).secret(sub)
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        return Delivery(sub.id, sub.dest, body, headers, rows[-1] if rows else None)

    def _post(self, delivery: Delivery) -> str | None:
        """None when the receiver acknowledged (2xx), else what went wrong."""
        try:
            resp = self.http.post(delivery.dest, content=delivery.body, headers=delivery.headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= resp.status_code < 300:
            return None
        return f"HTTP {resp.status_code} from {delivery.dest}"
