"""The EPCIS query service: run a parsed query for a caller, page by page, as stored events.

Read access (who may see an event): overseers (platform, regulator) and the system see every
event; any other party sees the events it captured, events at or from/to its own locations or GLN,
and events naming its own products (identifiers under its GS1 company prefix). See `Visibility`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from livetrace.epcis.epc_format import EpcFormat, translate_event
from livetrace.epcis.identifiers import canonical_epc
from livetrace.epcis.namespaces import DEFAULT_CONTEXT_URL
from livetrace.epcis.paging import PageKey, PageTokens
from livetrace.epcis.query_repository import EVERYTHING, QueryRepository, StoredEvent, Visibility
from livetrace.epcis.query_types import (
    EventQuery,
    NoSuchNameError,
    PageControls,
    QueryTooLargeError,
)
from livetrace.identity.errors import AccessDeniedError
from livetrace.identity.policy import Principal, require_scope
from livetrace.identity.roles import Scope
from livetrace.kit.clock import utcnow


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of results: event JSON objects and the token of the next page, if any."""

    events: list[dict[str, Any]]
    next_token: str | None = None
    token_expires: datetime | None = None
    last: StoredEvent | None = None


@dataclass(frozen=True, slots=True)
class ValuePage:
    """One page of a browse list (bizSteps, read points, …)."""

    values: list[str]
    next_token: str | None = None


class EventQueryService:
    """Runs queries with the caller's visibility, keyset paging and EPC format."""

    def __init__(
        self, session: Session, tokens: PageTokens, *, now: Callable[[], datetime] = utcnow
    ) -> None:
        self.session = session
        self.repo = QueryRepository(session)
        self.tokens = tokens
        self.now = now

    def visibility(self, principal: Principal) -> Visibility:
        """What `principal` may read; needs the `read` scope."""
        require_scope(principal, Scope.READ)
        if principal.is_overseer or principal.party_id is None:
            return EVERYTHING
        return self.repo.visibility_for(principal.party_id)

    def run(
        self,
        vis: Visibility,
        query: EventQuery,
        page: PageControls,
        fmt: EpcFormat = EpcFormat.DIGITAL_LINK,
    ) -> EventPage:
        """One page of the events matching `query` that `vis` allows."""
        now = self.now()
        key = self.tokens.read(page.token, query.fingerprint, now) if page.token else None
        served = key.served if key else 0
        if key is None and query.max_event_count is not None:
            self._check_size(query, vis, query.max_event_count)
        limit = page.per_page
        if query.event_count_limit is not None:
            limit = min(limit, query.event_count_limit - served)
        rows = self.repo.page(query, vis, key, limit + 1) if limit > 0 else []
        more = len(rows) > limit
        rows = rows[:limit]
        if query.event_count_limit is not None and served + len(rows) >= query.event_count_limit:
            more = False
        events = self.render(rows, fmt)
        if not more or not rows:
            return EventPage(events, last=rows[-1] if rows else None)
        next_key = PageKey(_order_value(query, rows[-1]), rows[-1].log_index, served + len(rows))
        token = self.tokens.issue(next_key, query.fingerprint, now)
        return EventPage(events, token, self.tokens.expiry(now), rows[-1])

    def event(self, vis: Visibility, event_id: str, fmt: EpcFormat) -> list[dict[str, Any]]:
        """The event(s) with this eventID; NoSuchNameError when none is visible."""
        rows = self.repo.by_event_id(event_id, vis)
        if not rows:
            raise NoSuchNameError(f"no event with eventID {event_id!r}", field="eventID")
        return self.render(rows, fmt)

    def browse(self, vis: Visibility, column: str, page: PageControls) -> ValuePage:
        """Distinct values of a column among visible events, paged by value."""
        fingerprint = f"browse:{column}"
        after = None
        if page.token:
            after = self.tokens.read(page.token, fingerprint, self.now()).order_value
        values = self.repo.distinct(column, vis, after, page.per_page + 1)
        if len(values) <= page.per_page:
            return ValuePage(values)
        values = values[: page.per_page]
        key = PageKey(values[-1], 0, 0)
        return ValuePage(values, self.tokens.issue(key, fingerprint, self.now()))

    def declare_parent(self, principal: Principal, child: str, parent: str | None) -> None:
        """Master data: `child` lies inside `parent` (None removes it), for `WD_` queries.

        Overseers may declare any location; other parties only locations under their own GLNs
        (any GLN extension of one of their locations).
        """
        require_scope(principal, Scope.WRITE)
        if not (principal.is_overseer or principal.party_id is None):
            own = self.repo.visibility_for(principal.party_id).identifiers
            site = canonical_epc(child).split("/254/")[0]
            if child not in own and site not in own:
                raise AccessDeniedError("only the location's party may place it in a hierarchy")
        self.repo.set_parent(child, parent)

    def render(self, rows: list[StoredEvent], fmt: EpcFormat) -> list[dict[str, Any]]:
        """Stored event JSON, identifiers translated per `fmt`."""
        return render_events(self.repo, rows, fmt)

    def _check_size(self, query: EventQuery, vis: Visibility, cap: int) -> None:
        if self.repo.count_upto(query, vis, cap + 1) > cap:
            raise QueryTooLargeError(
                f"more than maxEventCount={cap} events match; narrow the query or page with "
                "perPage instead",
                field="maxEventCount",
            )


def render_events(
    repo: QueryRepository, rows: list[StoredEvent], fmt: EpcFormat
) -> list[dict[str, Any]]:
    """Stored event JSON with identifiers in the requested form."""
    prefixes = repo.company_prefixes() if fmt is EpcFormat.EPC_URN else ()
    return [translate_event(r.document, fmt, prefixes) for r in rows]


def _order_value(query: EventQuery, row: StoredEvent) -> str | None:
    if query.order_by == "event_time":
        return row.event_time.isoformat()
    if query.order_by == "record_time":
        return row.record_time.isoformat()
    return None


def query_document(
    events: list[dict[str, Any]],
    *,
    query_name: str = "SimpleEventQuery",
    subscription_id: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """An `EPCISQueryDocument` (JSON-LD) around result events."""
    results: dict[str, Any] = {"queryName": query_name}
    if subscription_id is not None:
        results["subscriptionID"] = subscription_id
    results["resultsBody"] = {"eventList": events}
    return {
        "@context": [DEFAULT_CONTEXT_URL],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": (created or utcnow()).isoformat().replace("+00:00", "Z"),
        "epcisBody": {"queryResults": results},
    }
