"""Named queries and their webhook subscriptions.

Protocol: a subscriber names a stored query, a `dest` URL (http/https) and optionally a
`signatureToken`; new matching events (in `log_index` order, recorded at or after the initial
record time) are POSTed to `dest` as an `EPCISQueryDocument`, with the header
`GS1-Signature: sha256=<hex HMAC-SHA256 of the body under the signature token>`. A 2xx response
acknowledges every event in the body: the subscription's position moves past them. Anything else
(or no answer) leaves the position where it was and schedules a retry with exponential backoff,
so after a restart delivery resumes from the last acknowledged event. The subscription reads with
the visibility of the party that created it.

A subscription either streams (`stream: true`: delivered as soon as events are recorded) or runs
on the standard's `schedule` (`epcis/schedule.py`): at each run time the events recorded since
the last acknowledged delivery are sent, in batches; a run with nothing new sends an empty result
only when `reportIfEmpty` is set.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.epc_format import EpcFormat
from livetrace.epcis.errors import EpcisError
from livetrace.epcis.paging import PageKey
from livetrace.epcis.query import json_params, parse_query
from livetrace.epcis.query_models import NamedQuery, Subscription
from livetrace.epcis.query_repository import EVERYTHING, QueryRepository, StoredEvent, Visibility
from livetrace.epcis.query_types import (
    ColumnCompare,
    EventQuery,
    NoSuchNameError,
    QueryNameExistsError,
    QueryParameterError,
)
from livetrace.epcis.schedule import ScheduleError, parse_schedule, upcoming
from livetrace.identity.errors import AccessDeniedError
from livetrace.identity.policy import Principal, require_scope
from livetrace.identity.roles import Scope
from livetrace.kit.clock import utcnow
from livetrace.kit.errors import NotFoundError, ValidationError

SIGNATURE_HEADER = "GS1-Signature"
MAX_BACKOFF = timedelta(minutes=10)
QUERY_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class SubscriptionControlsError(EpcisError, ValidationError):
    """A subscription request the repository cannot honour (no stream, bad dest, schedule)."""

    code = "epcis-subscription-controls"
    epcis_type = "epcisException:SubscriptionControlsException"


class NoSuchSubscriptionError(EpcisError, NotFoundError):
    """A subscription that does not exist under this query."""

    code = "epcis-no-such-subscription"
    epcis_type = "epcisException:NoSuchSubscriptionException"


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """What a client sends to subscribe."""

    dest: str
    signature_token: str | None = None
    stream: bool = False
    initial_record_time: datetime | None = None
    schedule: dict[str, Any] | None = None
    report_if_empty: bool = False
    epc_format: EpcFormat = EpcFormat.DIGITAL_LINK


def sign(secret: str, body: bytes) -> str:
    """The `GS1-Signature` header value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_named_query(body: dict[str, Any]) -> EventQuery:
    """A stored query body as an EventQuery (its `@context` resolves field prefixes)."""
    params, prefixes = json_params(body)
    return parse_query(params, prefixes=prefixes)


class NamedQueryService:
    """Create, read and delete named queries and their subscriptions."""

    def __init__(self, session: Session, encryptor: KeyEncryptor) -> None:
        self.session = session
        self.repo = QueryRepository(session)
        self.encryptor = encryptor

    def create(self, principal: Principal, name: str, query: dict[str, Any]) -> NamedQuery:
        """Store a query under a unique name after checking its parameters."""
        require_scope(principal, Scope.READ)
        if not name or len(name) > 200 or not set(name) <= QUERY_NAME_CHARS:
            raise QueryParameterError(
                "name: 1-200 characters of letters, digits, `-`, `_` or `.`", field="name"
            )
        if not isinstance(query, dict):
            raise QueryParameterError("query must be a JSON object of parameters", field="query")
        parse_named_query(query)
        if self.repo.named_query(name) is not None:
            raise QueryNameExistsError(f"a query named {name!r} exists already", field="name")
        row = NamedQuery(name=name, party_id=principal.party_id, query=query)
        self.session.add(row)
        self.session.flush()
        return row

    def visible_queries(self, principal: Principal) -> list[NamedQuery]:
        """Named queries the caller created (overseers: all)."""
        require_scope(principal, Scope.READ)
        rows = self.repo.named_queries(None, 1000)
        if principal.is_overseer:
            return rows
        return [r for r in rows if r.party_id == principal.party_id]

    def get(self, name: str) -> NamedQuery:
        """The named query; NoSuchNameError when absent."""
        row = self.repo.named_query(name)
        if row is None:
            raise NoSuchNameError(f"no query named {name!r}", field="queryName")
        return row

    def delete(self, principal: Principal, name: str) -> None:
        """Delete a query (its owner or the platform); its subscriptions go with it."""
        row = self.get(name)
        _require_owner(principal, row.party_id)
        self.session.delete(row)
        self.session.flush()

    def subscribe(
        self, principal: Principal, name: str, req: SubscriptionRequest, now: datetime | None = None
    ) -> Subscription:
        """A new stream or scheduled subscription to a named query."""
        require_scope(principal, Scope.READ)
        query = self.get(name)
        _check_request(req)
        created = now or utcnow()
        start = req.initial_record_time or created
        first_run = _first_run(req.schedule, created) if req.schedule is not None else None
        sub = Subscription(
            id=uuid.uuid4(), query_id=query.id, party_id=principal.party_id, dest=req.dest,
            epc_format=req.epc_format.value, active=True, initial_record_time=start,
            min_record_time=start, last_log_index=-1, failures=0,
            next_attempt_at=first_run or start, schedule=req.schedule,
            report_if_empty=req.report_if_empty, run_due_at=first_run,
        )  # fmt: skip
        if req.signature_token:
            sub.secret = self.encryptor.encrypt(req.signature_token.encode(), bind_to=str(sub.id))
        self.session.add(sub)
        self.session.flush()
        return sub

    def subscription(self, name: str, subscription_id: str) -> Subscription:
        """One subscription of a named query."""
        query = self.get(name)
        for sub in self.repo.subscriptions(query.id):
            if str(sub.id) == subscription_id:
                return sub
        raise NoSuchSubscriptionError(
            f"query {name!r} has no subscription {subscription_id!r}", field="subscriptionID"
        )

    def unsubscribe(self, principal: Principal, name: str, subscription_id: str) -> None:
        """Delete a subscription (its creator or the platform)."""
        sub = self.subscription(name, subscription_id)
        _require_owner(principal, sub.party_id)
        self.session.delete(sub)
        self.session.flush()

    def secret(self, sub: Subscription) -> str | None:
        """The subscriber's signature token, unsealed."""
        if sub.secret is None:
            return None
        return self.encryptor.decrypt(sub.secret, bind_to=str(sub.id)).decode()


class DeliveryService:
    """What the delivery worker needs: due subscriptions, their next batch, the outcome."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = QueryRepository(session)

    def claim(self, now: datetime, lease: timedelta, limit: int = 100) -> list[Subscription]:
        """Subscriptions due now, leased to this worker so concurrent workers skip them."""
        due = self.repo.due_subscriptions(now, limit)
        for sub in due:
            sub.next_attempt_at = now + lease
        self.session.flush()
        return due

    def next_batch(self, sub: Subscription, query: NamedQuery, limit: int) -> list[StoredEvent]:
        """The next events after the acknowledged position, in log order."""
        parsed = replace(
            parse_named_query(query.query), order_by="log_index", descending=False,
            event_count_limit=None, max_event_count=None,
        )  # fmt: skip
        since = ColumnCompare("record_time", "GE", sub.initial_record_time)
        parsed = replace(parsed, conditions=(*parsed.conditions, since))
        after = PageKey(None, sub.last_log_index, 0)
        return self.repo.page(parsed, self._visibility(sub), after, limit)

    def acknowledged(self, sub: Subscription, last: StoredEvent | None, now: datetime) -> None:
        """The receiver took everything up to `last` (None: an empty scheduled report)."""
        if last is not None:
            sub.last_log_index = last.log_index
            sub.min_record_time = max(sub.min_record_time, last.record_time)
        sub.last_notified_at, sub.failures, sub.last_error = now, 0, None
        if last is None:
            self._next_run(sub, now)
        else:
            sub.next_attempt_at = now  # more may be waiting: read the next batch at once
        self.session.flush()

    def idle(self, sub: Subscription, now: datetime, wait: timedelta) -> None:
        """Nothing new: a stream looks again after `wait`, a schedule at its next run."""
        if sub.schedule is None:
            sub.next_attempt_at = now + wait
        else:
            self._next_run(sub, now)
        self.session.flush()

    def report_empty(self, sub: Subscription) -> bool:
        """Whether a scheduled run with nothing new must still notify (`reportIfEmpty`)."""
        if sub.schedule is None or not sub.report_if_empty or sub.run_due_at is None:
            return False
        return sub.last_notified_at is None or sub.last_notified_at < sub.run_due_at

    def _next_run(self, sub: Subscription, now: datetime) -> None:
        """The current scheduled run is done: wait for the next one (missed runs merge)."""
        after = max(now, sub.run_due_at) if sub.run_due_at is not None else now
        # Stored schedules were checked when subscribing, so they parse and have a next run.
        due = upcoming(parse_schedule(sub.schedule or {}), after)
        sub.run_due_at = sub.next_attempt_at = due

    def failed(self, sub: Subscription, error: str, now: datetime) -> None:
        """Delivery failed: keep the position, back off exponentially."""
        sub.failures += 1
        sub.last_error = error[:2000]
        sub.next_attempt_at = now + min(timedelta(seconds=2 ** min(sub.failures, 12)), MAX_BACKOFF)
        self.session.flush()

    def _visibility(self, sub: Subscription) -> Visibility:
        if sub.party_id is None or self.repo.is_overseer_party(sub.party_id):
            return EVERYTHING
        return self.repo.visibility_for(sub.party_id)


def _check_request(req: SubscriptionRequest) -> None:
    parts = urlsplit(req.dest)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SubscriptionControlsError("dest must be an http or https URL", field="dest")
    if req.schedule is not None and req.stream:
        raise SubscriptionControlsError(
            "give either a schedule or stream=true, not both", field="schedule"
        )
    if req.schedule is None and not req.stream:
        raise SubscriptionControlsError(
            "give a schedule, or set stream to true to receive events as they are captured",
            field="stream",
        )
    if req.stream and req.report_if_empty:
        raise SubscriptionControlsError(
            "reportIfEmpty applies to scheduled subscriptions only", field="reportIfEmpty"
        )


def _first_run(schedule: dict[str, Any], created: datetime) -> datetime:
    """The first run time after `created`; SubscriptionControlsError for a bad schedule."""
    try:
        return upcoming(parse_schedule(schedule), created)
    except ScheduleError as exc:
        raise SubscriptionControlsError(str(exc), field=exc.field) from exc


def _require_owner(principal: Principal, owner: uuid.UUID | None) -> None:
    require_scope(principal, Scope.READ)
    if not (principal.is_platform or principal.party_id == owner):
        raise AccessDeniedError("only its creator or the platform may delete this")
