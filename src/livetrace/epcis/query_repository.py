"""Every SQL statement of the EPCIS query side: event pages, counts, browse lists, hierarchy,
visibility, named queries and subscriptions.

Paging is keyset paging on (`order column`, `log_index`): `log_index` is unique and increases with
insertion, so it breaks ties and gives a stable order for any `orderBy`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select
from sqlalchemy.orm import Session

from livetrace.epcis._hash_ids import STEM
from livetrace.epcis.identifiers import canonical_epc
from livetrace.epcis.paging import PageKey
from livetrace.epcis.query_models import LocationParent, NamedQuery, Subscription
from livetrace.epcis.query_patterns import identifier_spellings
from livetrace.epcis.query_sql import EPC, EVENT, LINK, condition_sql
from livetrace.epcis.query_types import EventQuery
from livetrace.identity.models import Location, Party
from livetrace.kit.clock import ensure_utc

MAX_HIERARCHY_DEPTH = 32
BROWSE_COLUMNS = frozenset({"biz_step", "disposition", "read_point", "biz_location", "event_type"})


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which events a caller may read.

    Everything when `party_id` is None (overseers, the system); otherwise events the party
    captured, events whose read point, business location, source or destination is one of the
    party's identifiers (its GLN and locations, in every spelling), and events naming an
    identifier under the party's GS1 company prefix (its own products and logistic units).
    """

    party_id: uuid.UUID | None = None
    identifiers: tuple[str, ...] = ()
    product_patterns: tuple[str, ...] = ()

    def sql(self) -> ColumnElement[bool] | None:
        """The WHERE clause, None when everything is visible."""
        if self.party_id is None:
            return None
        clauses: list[ColumnElement[bool]] = [EVENT.party_id == self.party_id]
        if self.identifiers:
            ids = self.identifiers
            clauses += [EVENT.read_point.in_(ids), EVENT.biz_location.in_(ids)]
            clauses.append(EVENT.id.in_(select(LINK.event_pk).where(
                LINK.kind.in_(("source", "destination")), LINK.value.in_(ids))))  # fmt: skip
        if self.product_patterns:
            likes = or_(*(EPC.epc.like(p, escape="\\") for p in self.product_patterns))
            clauses.append(EVENT.id.in_(select(EPC.event_pk).where(likes)))
        return or_(*clauses)


EVERYTHING = Visibility()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event of a result page."""

    log_index: int
    event_time: datetime
    record_time: datetime
    document: dict[str, Any]


class QueryRepository:
    """Reads events for queries, and the location hierarchy."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    # -- events ---------------------------------------------------------------------------------

    def page(
        self, query: EventQuery, vis: Visibility, after: PageKey | None, limit: int
    ) -> list[StoredEvent]:
        """Up to `limit` events matching `query` after the keyset position `after`."""
        order = EVENT[query.order_by]
        stmt = select(EVENT.log_index, EVENT.event_time, EVENT.record_time, EVENT.document)
        stmt = stmt.where(*self._where(query, vis))
        if after is not None:
            stmt = stmt.where(_after(query, after))
        if query.descending:
            stmt = stmt.order_by(order.desc(), EVENT.log_index.desc())
        else:
            stmt = stmt.order_by(order.asc(), EVENT.log_index.asc())
        rows = self.session.execute(stmt.limit(limit)).all()
        return [StoredEvent(r[0], ensure_utc(r[1]), ensure_utc(r[2]), r[3]) for r in rows]

    def count_upto(self, query: EventQuery, vis: Visibility, cap: int) -> int:
        """How many events match, counting no further than `cap`."""
        inner = select(EVENT.id).where(*self._where(query, vis)).limit(cap).subquery()
        return int(self.session.scalar(select(func.count()).select_from(inner)) or 0)

    def by_event_id(self, event_id: str, vis: Visibility) -> list[StoredEvent]:
        """The event with this eventID, followed by the error declaration naming it, if any."""
        declared_by = select(EVENT.error_declared_by).where(EVENT.event_id == event_id)
        stmt = select(EVENT.log_index, EVENT.event_time, EVENT.record_time, EVENT.document).where(
            or_(EVENT.event_id == event_id, EVENT.event_id.in_(declared_by.scalar_subquery())),
            *self._where(EventQuery(), vis),
        )
        rows = self.session.execute(stmt.order_by(EVENT.log_index)).all()
        return [StoredEvent(r[0], ensure_utc(r[1]), ensure_utc(r[2]), r[3]) for r in rows]

    def distinct(self, column: str, vis: Visibility, after: str | None, limit: int) -> list[str]:
        """Distinct non-null values of a browse column, in order, after `after`."""
        if column not in BROWSE_COLUMNS:
            raise ValueError(f"{column} is not a browse column")
        col = EVENT[column]
        stmt = select(col).distinct().where(col.is_not(None))
        clause = vis.sql()
        if clause is not None:
            stmt = stmt.where(clause)
        if after is not None:
            stmt = stmt.where(col > after)
        return list(self.session.scalars(stmt.order_by(col).limit(limit)))

    def _where(self, query: EventQuery, vis: Visibility) -> list[ColumnElement[bool]]:
        clauses = [condition_sql(c, self.dialect, self.locations) for c in query.conditions]
        visible = vis.sql()
        return clauses if visible is None else [*clauses, visible]

    # -- locations ------------------------------------------------------------------------------

    def locations(self, values: Sequence[str], descendants: bool) -> list[str]:
        """Every stored spelling of the locations, with their descendants when asked."""
        roots = {canonical_epc(v) for v in values}
        found = set(roots) | set(values)
        if descendants:
            found |= self.descendants(roots)
        return sorted({s for v in found for s in identifier_spellings(v)})

    def descendants(self, roots: set[str]) -> set[str]:
        """Locations below `roots` in the declared hierarchy (breadth first, bounded depth)."""
        seen: set[str] = set()
        level = set(roots)
        for _ in range(MAX_HIERARCHY_DEPTH):
            if not level:
                break
            stmt = select(LocationParent.child).where(LocationParent.parent.in_(sorted(level)))
            level = set(self.session.scalars(stmt)) - seen - roots
            seen |= level
        return seen

    def set_parent(self, child: str, parent: str | None) -> None:
        """Declare (or, with None, remove) the parent of a location (canonical forms stored)."""
        key = canonical_epc(child)
        self.session.execute(delete(LocationParent).where(LocationParent.child == key))
        if parent is not None:
            self.session.add(LocationParent(child=key, parent=canonical_epc(parent)))
            self.session.flush()

    # -- visibility -----------------------------------------------------------------------------

    def visibility_for(self, party_id: uuid.UUID) -> Visibility:
        """What a non-overseer party may read (see `Visibility`)."""
        party = self.session.get(Party, party_id)
        if party is None:
            return Visibility(party_id=party_id)
        places = self.session.execute(
            select(Location.gln, Location.extension).where(Location.party_id == party_id)
        ).all()
        ids: set[str] = set()
        for gln, extension in places:
            tail = "" if extension in ("", "0") else f"/254/{extension}"
            ids.update(identifier_spellings(f"{STEM}/414/{gln}{tail}"))
        if party.gln:
            ids.update(identifier_spellings(f"{STEM}/414/{party.gln}"))
            ids.update(identifier_spellings(f"{STEM}/417/{party.gln}"))
        patterns: tuple[str, ...] = ()
        if party.company_prefix:
            cp = party.company_prefix
            patterns = (f"{STEM}/01/_{cp}%", f"{STEM}/00/_{cp}%")
        return Visibility(party_id=party_id, identifiers=tuple(sorted(ids)),
                          product_patterns=patterns)  # fmt: skip

    def company_prefixes(self) -> list[str]:
        """Every registered GS1 company prefix (to split keys when writing EPC URNs)."""
        stmt = select(Party.company_prefix).where(Party.company_prefix.is_not(None))
        return [p for p in self.session.scalars(stmt) if p]

    def is_overseer_party(self, party_id: uuid.UUID) -> bool:
        """Whether the party holds an overseer role (platform, regulator)."""
        party = self.session.get(Party, party_id)
        return party is not None and bool({"platform", "regulator"} & set(party.role_names))

    # -- named queries and subscriptions --------------------------------------------------------

    def named_query(self, name: str) -> NamedQuery | None:
        """The named query called `name`."""
        return self.session.scalars(select(NamedQuery).where(NamedQuery.name == name)).first()

    def named_queries(self, after: str | None, limit: int) -> list[NamedQuery]:
        """Named queries by name."""
        stmt = select(NamedQuery).order_by(NamedQuery.name).limit(limit)
        if after is not None:
            stmt = stmt.where(NamedQuery.name > after)
        return list(self.session.scalars(stmt))

    def subscriptions(self, query_id: uuid.UUID) -> list[Subscription]:
        """Subscriptions of a named query, oldest first."""
        stmt = select(Subscription).where(Subscription.query_id == query_id)
        return list(self.session.scalars(stmt.order_by(Subscription.created_at)))

    def due_subscriptions(self, now: datetime, limit: int) -> list[Subscription]:
        """Active subscriptions whose next delivery attempt is due."""
        stmt = select(Subscription).where(
            Subscription.active.is_(True), Subscription.next_attempt_at <= now
        )
        return list(self.session.scalars(stmt.order_by(Subscription.next_attempt_at).limit(limit)))


def _after(query: EventQuery, key: PageKey) -> ColumnElement[bool]:
    """Rows strictly after the keyset position, in the query's direction."""
    forward = not query.descending
    index_after = EVENT.log_index > key.log_index if forward else EVENT.log_index < key.log_index
    if query.order_by == "log_index":
        return index_after
    if key.order_value is None:
        return false()
    value = datetime.fromisoformat(key.order_value)
    order = EVENT[query.order_by]
    beyond = order > value if forward else order < value
    return or_(beyond, and_(order == value, index_after))
