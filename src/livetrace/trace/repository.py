"""Every SQL query of the trace package: projection reads and writes, traversal lookups.

Traversal lookups bind their whole set of identifiers as one parameter (`IdList`), so a trace
level of ten thousand items is one indexed statement, never one query per item; other reads and
the projection writes go in chunks of `CHUNK` values.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, TypeVar
from typing import cast as typing_cast

from sqlalchemy import (
    JSON,
    Dialect,
    Row,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from livetrace.epcis.models import EpcisEventEpc, EpcisEventRow, undeclared
from livetrace.identity.models import Party
from livetrace.kit.clock import utcnow
from livetrace.kit.lru import Lru
from livetrace.store.bulk import batched, load_tuples, update_tuples
from livetrace.store.uow import rows_connection
from livetrace.trace.fold import Interval, State
from livetrace.trace.models import (
    PROJECTION_TABLES,
    Containment,
    ItemState,
    LineageEdge,
    LotEvent,
    Recall,
    RecallOrder,
    RecallUnit,
    TransactionLink,
    VoidedEvent,
)

CHUNK = 900  # values per IN list: under SQLite's and psycopg's bound-parameter limits
T = TypeVar("T")
# Lot-event roles that mean "this event made the lot" (not merely observed or consumed it).
PRODUCED_ROLES = ("commission", "quantityList", "outputQuantityList")


class ProjectionRepository:
    """Reads and writes of the projection tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- item state ------------------------------------------------------------------------------

    def states(self, epcs: Iterable[str]) -> dict[str, State]:
        """The stored state of each identifier that has one."""
        ids = sorted(set(epcs))
        if not ids:
            return {}
        query = _full_states(self.session.get_bind().dialect.name)
        return {row.epc: _state(row) for row in self.session.execute(query, {"ids": ids})}

    def save_states(self, new: Sequence[State], existing: Sequence[State] = ()) -> None:
        """Insert the states of identifiers without a row, update those that have one."""
        if new:
            load_tuples(self.session, _table(ItemState), [_state_tuple(s) for s in new])
        if existing:
            update_tuples(self.session, _table(ItemState), [_state_tuple(s) for s in existing])

    def delete_states(self, epcs: Iterable[str]) -> None:
        """Drop the state rows of these identifiers."""
        for batch in batched(sorted(set(epcs)), CHUNK):
            self.session.execute(delete(ItemState).where(ItemState.epc.in_(batch)))

    # --- containment -----------------------------------------------------------------------------

    def open_intervals(self, children: Iterable[str], parents: Iterable[str]) -> list[Interval]:
        """Open intervals whose child or parent is among the given identifiers."""
        found: dict[tuple[str, str, int], Interval] = {}
        dialect = self.session.get_bind().dialect.name
        for column, values in (("child_epc", children), ("parent_epc", parents)):
            ids = sorted(set(values))
            if not ids:
                continue
            for row in self.session.execute(_open_intervals(dialect, column), {"ids": ids}):
                found.setdefault(_key(row), _interval(row))
        return [found[k] for k in sorted(found)]

    def save_intervals(self, touched: Sequence[Interval]) -> None:
        """Insert new intervals and record the closing of existing ones."""
        new = [_interval_tuple(i) for i in touched if i.new]
        if new:
            load_tuples(self.session, _table(Containment), new)
        closed = [(i.unpack_log_index, i.unpack_time, i.parent_epc, i.child_epc, i.pack_log_index)
                  for i in touched if not i.new]  # fmt: skip
        if closed:
            update_tuples(self.session, _table(Containment), closed, _UNPACK)

    def children_ever(self, parents: Iterable[str]) -> set[str]:
        """Every identifier that was ever inside one of `parents`."""
        out: set[str] = set()
        for batch in batched(sorted(set(parents)), CHUNK):
            query = select(Containment.child_epc).where(Containment.parent_epc.in_(batch))
            out.update(self.session.scalars(query))
        return out

    def delete_intervals(self, children: Iterable[str], parents: Iterable[str]) -> set[str]:
        """Drop intervals whose child or parent is given; return the parents of dropped rows."""
        dropped: set[str] = set()
        for column, values in (
            (Containment.child_epc, children),
            (Containment.parent_epc, parents),
        ):
            for batch in batched(sorted(set(values)), CHUNK):
                dropped.update(
                    self.session.scalars(select(Containment.parent_epc).where(column.in_(batch)))
                )
                self.session.execute(delete(Containment).where(column.in_(batch)))
        return dropped

    # --- per-event facts -------------------------------------------------------------------------

    def insert_rows(self, table: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert fact rows (tuples in the table's column order) into one projection table."""
        if rows:
            load_tuples(self.session, _table(table), rows)

    def delete_event_facts(self, event_pk: uuid.UUID) -> None:
        """Remove every per-event fact row an event produced."""
        for table in (LineageEdge, LotEvent, TransactionLink):
            self.session.execute(delete(table).where(table.event_pk == event_pk))

    def mark_voided(self, event_pk: uuid.UUID, declared_log_index: int) -> bool:
        """Record that an event was declared erroneous; False if it already was."""
        if self.session.get(VoidedEvent, event_pk) is not None:
            return False
        self.session.execute(
            insert(VoidedEvent), [{"event_pk": event_pk, "declared_log_index": declared_log_index}]
        )
        return True

    def truncate(self) -> None:
        """Empty every projection table (recall campaigns are kept)."""
        for table in reversed(PROJECTION_TABLES):
            self.session.execute(delete(table))

    # --- events ----------------------------------------------------------------------------------

    def declared_target(
        self, event_id: str | None, event_hash: str | None, before: int
    ) -> EpcisEventRow | None:
        """The event an error declaration at log position `before` names (by ID, else by hash).

        Capture may already have marked the original (`error_declared_by`); the declaration's
        own row has a later log position, so `before` keeps it out.
        """
        for column, value in ((EpcisEventRow.event_id, event_id),
                              (EpcisEventRow.event_hash, event_hash)):  # fmt: skip
            if not value:
                continue
            query = (
                select(EpcisEventRow)
                .where(column == value, EpcisEventRow.log_index < before)
                .order_by(EpcisEventRow.log_index)
                .limit(1)
            )
            found = self.session.scalar(query)
            if found is not None:
                return found
        return None

    def named_epcs(self, event_pk: uuid.UUID) -> set[str]:
        """Every canonical identifier an event names."""
        query = select(EpcisEventEpc.epc).where(EpcisEventEpc.event_pk == event_pk)
        return set(self.session.scalars(query))

    def replay_events(
        self, epcs: set[str], unpack_parents: set[str], before: int
    ) -> list[EpcisEventRow]:
        """Live events before `before` that name one of `epcs`, or unpack one of the parents."""
        pks: set[uuid.UUID] = set()
        for batch in batched(sorted(epcs), CHUNK):
            pks.update(self.session.scalars(
                select(EpcisEventEpc.event_pk).where(EpcisEventEpc.epc.in_(batch))
            ))  # fmt: skip
        for batch in batched(sorted(unpack_parents), CHUNK):
            pks.update(self.session.scalars(
                select(EpcisEventEpc.event_pk)
                .join(EpcisEventRow, EpcisEventRow.id == EpcisEventEpc.event_pk)
                .where(EpcisEventEpc.epc.in_(batch), EpcisEventEpc.role == "parentID",
                       EpcisEventRow.action == "DELETE")
            ))  # fmt: skip
        rows: list[EpcisEventRow] = []
        for ids in batched(sorted(pks, key=str), CHUNK):
            rows += self.session.scalars(
                select(EpcisEventRow).where(
                    EpcisEventRow.id.in_(ids),
                    EpcisEventRow.log_index < before,
                    EpcisEventRow.error_declared_by.is_(None),
                    ~EpcisEventRow.id.in_(select(VoidedEvent.event_pk)),
                )
            )
        return sorted(rows, key=lambda r: r.log_index)

    def events_in_order(self, after: int, limit: int) -> list[EpcisEventRow]:
        """Stored events after log position `after`, in log order."""
        query = (
            select(EpcisEventRow)
            .where(EpcisEventRow.log_index > after)
            .order_by(EpcisEventRow.log_index)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def table_rows(self, table: Any) -> list[tuple[Any, ...]]:
        """Every row of a projection table in primary-key order (for rebuild checks)."""
        cols = list(table.__table__.columns)
        keys = list(table.__table__.primary_key.columns)
        return [tuple(r) for r in self.session.execute(select(*cols).order_by(*keys))]


class StateRow(NamedTuple):
    """The columns of an item state a trace shows (dispositions as JSON text)."""

    epc: str
    gtin: str | None
    lot_class: str | None
    status: str
    disposition: str | None
    dispositions_json: str | None
    biz_location: str | None
    owner: str | None
    last_log_index: int


class HeldRow(NamedTuple):
    """A containment interval as a trace reads it."""

    parent_epc: str
    child_epc: str
    pack_log_index: int
    unpack_log_index: int | None


class LinkRow(NamedTuple):
    """A business-transaction link as a trace reads it."""

    epc: str
    position: int
    biz_transaction: str
    type: str | None
    action: str | None
    biz_step: str | None
    log_index: int
    event_time: datetime


class IdList(TypeDecorator[list[str]]):
    """A list of identifiers bound as one parameter: a text array on PostgreSQL, JSON on SQLite.

    One parameter instead of an IN list keeps every traversal lookup one statement whatever its
    size, with one SQL text the driver and the database can cache.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """A text array where the database has one, else a JSON text."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        """The list itself for an array, else its JSON text."""
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


def _among(column: Any, dialect: str) -> Any:
    """`column` is one of the `ids` parameter's values."""
    ids = bindparam("ids", type_=IdList())
    if dialect == "postgresql":
        return column == any_(ids)
    values = func.json_each(ids).table_valued("value")
    return column.in_(select(values.c.value))


@cache
def _full_states(dialect: str) -> Any:
    """Whole item-state rows of the `ids` parameter's identifiers (one statement, any size)."""
    return select(ItemState.__table__).where(_among(ItemState.epc, dialect))


@cache
def _open_intervals(dialect: str, column: str) -> Any:
    """Open containment rows whose `column` is one of the `ids` parameter's identifiers."""
    table = _table(Containment)
    return select(table).where(_among(table.c[column], dialect), table.c.unpack_log_index.is_(None))


@cache
def _statements(dialect: str) -> dict[str, Any]:
    """The traversal statements for one dialect, built once: a trace runs a dozen of them, and
    building a statement costs more than SQLite takes to run it."""
    a, b = aliased(LineageEdge), aliased(LineageEdge)

    def lineage(mine: str, other: str) -> Any:
        return (
            select(a.epc, b.epc, b.is_class, b.event_pk)
            .join(b, and_(b.group_key == a.group_key, b.role == other))
            .where(a.role == mine, _among(a.epc, dialect))
        )

    # Only the columns traces show, in the order of the row tuples: timestamps and UUIDs cost
    # more to convert than to read, and the dispositions come as JSON text (nearly always `[]`,
    # which needs no parsing).
    state = (ItemState.epc, ItemState.gtin, ItemState.lot_class, ItemState.status,
             ItemState.disposition,
             cast(ItemState.persistent_dispositions, Text).label("dispositions_json"),
             ItemState.biz_location, ItemState.owner, ItemState.last_log_index)  # fmt: skip
    interval = (Containment.parent_epc, Containment.child_epc, Containment.pack_log_index,
                Containment.unpack_log_index)  # fmt: skip
    link = (TransactionLink.epc, TransactionLink.position, TransactionLink.biz_transaction,
            TransactionLink.type, TransactionLink.action, TransactionLink.biz_step,
            TransactionLink.log_index, TransactionLink.event_time)  # fmt: skip
    of_lots = _among(ItemState.lot_class, dialect)
    holder = aliased(ItemState)
    holder_state = (holder.epc, holder.gtin, holder.lot_class, holder.status, holder.disposition,
                    cast(holder.persistent_dispositions, Text), holder.biz_location,
                    holder.owner, holder.last_log_index)  # fmt: skip
    return {
        "states": select(*state).where(_among(ItemState.epc, dialect)),
        "by_child": select(*interval).where(_among(Containment.child_epc, dialect)),
        # With the container's state: placing a unit needs it, and it saves a round trip.
        "holders": select(*interval, *holder_state)
        .outerjoin(holder, holder.epc == Containment.parent_epc)
        .where(_among(Containment.child_epc, dialect)),
        "by_parent": select(*interval).where(_among(Containment.parent_epc, dialect)),
        "up": lineage("out", "in"),
        "down": lineage("in", "out"),
        # The items of lots, and what hangs off them, joined in the database: one statement
        # for ten thousand items instead of lookups by their identifiers.
        "members": select(*state).where(of_lots),
        "member_intervals": select(*interval)
        .join(ItemState, ItemState.epc == Containment.child_epc)
        .where(of_lots),
        "member_links": select(*link)
        .join(ItemState, ItemState.epc == TransactionLink.epc)
        .where(of_lots),
        # Items as transformation inputs are rare: the instance index finds the few there are.
        "member_lineage": select(a.epc, b.epc, b.is_class, b.event_pk)
        .join(b, and_(b.group_key == a.group_key, b.role == "out"))
        .join(ItemState, ItemState.epc == a.epc)
        .where(a.is_class.is_(False), a.role == "in", of_lots),
        # Party names come along with the facts and events that cite them: one round trip less.
        "lot_events": select(LotEvent.__table__, Party.name.label("party_name"))
        .outerjoin(Party, Party.id == LotEvent.party_id)
        .where(_among(LotEvent.lot_class, dialect)),
        "links": select(*link).where(_among(TransactionLink.epc, dialect)),
        # Events naming identifiers: their columns only; documents come apart (`_slim`).
        "naming": (
            select(
                EpcisEventEpc.epc,
                EpcisEventRow.id,
                EpcisEventRow.event_hash,
                EpcisEventRow.event_id,
                EpcisEventRow.event_time,
                EpcisEventRow.biz_step,
                EpcisEventRow.biz_location,
                EpcisEventRow.disposition,
                EpcisEventRow.party_id,
                EpcisEventRow.log_index,
                Party.name,
            )
            .join(EpcisEventRow, EpcisEventRow.id == EpcisEventEpc.event_pk)
            .outerjoin(Party, Party.id == EpcisEventRow.party_id)
            .where(
                _among(EpcisEventEpc.epc, dialect),
                undeclared(dialect),
                ~EpcisEventRow.id.in_(select(VoidedEvent.event_pk)),
            )
        ),
        "slim_documents": select(EpcisEventRow.id, _slim(dialect)).where(
            EpcisEventRow.id.in_(bindparam("pks", expanding=True))
        ),
    }


# Keys of an event document that list identifiers: a commissioning event's lists grow with its
# batch, and no trace output reads them (it reads the projections instead).
LIST_KEYS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList", "quantityList",
             "childQuantityList", "inputQuantityList", "outputQuantityList")  # fmt: skip


def _slim(dialect: str) -> Any:
    """An event's document without its identifier lists, cut in the database (C, not Python)."""
    if dialect == "postgresql":
        keys = cast(list(LIST_KEYS), ARRAY(Text))
        return type_coerce(EpcisEventRow.document.op("-")(keys), JSONB)
    paths = [f"$.{key}" for key in LIST_KEYS]
    return type_coerce(func.json_remove(EpcisEventRow.document, *paths), JSON)


class NamedEvent(NamedTuple):
    """An event as a trace shows it: its columns, and its document without identifier lists."""

    id: uuid.UUID
    event_id: str
    event_time: datetime
    biz_step: str | None
    biz_location: str | None
    disposition: str | None
    party_id: uuid.UUID | None
    log_index: int
    document: dict[str, Any]


# Slim event documents by (event key, content hash). Events never change (an error declaration
# adds an event; traces filter the declared one out when they query), and the hash names the
# content, so an entry is never stale.
SLIM_DOCUMENTS: Lru[tuple[uuid.UUID, str], dict[str, Any]] = Lru(20_000)


class TraceRepository:
    """Lookups the traversals and reports make."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, name: str, values: Iterable[str]) -> list[Any]:
        ids = sorted(set(values))
        if not ids:
            return []
        statement = _statements(self.session.get_bind().dialect.name)[name]
        return list(self.session.execute(statement, {"ids": ids}).all())

    def _core_rows(self, name: str, values: Iterable[str]) -> list[Any]:
        """`_rows` for column-only statements, run on the session's connection: the ORM adds
        nothing to plain columns but its own cost per row."""
        ids = sorted(set(values))
        if not ids:
            return []
        connection = rows_connection(self.session)
        statement = _statements(connection.dialect.name)[name]
        return list(connection.execute(statement, {"ids": ids}).all())

    # Rows become named tuples once: reading a field of a SQLAlchemy row by name costs ten times
    # more, and the shaping reads a dozen fields of ten thousand rows.

    def states(self, epcs: Iterable[str]) -> dict[str, StateRow]:
        """State rows by identifier."""
        return {row.epc: row for row in map(StateRow._make, self._core_rows("states", epcs))}

    def intervals_by_child(self, children: Iterable[str]) -> list[HeldRow]:
        """Every containment interval (open or closed) of these children."""
        return list(map(HeldRow._make, self._core_rows("by_child", children)))

    def holders(self, children: Iterable[str]) -> list[tuple[HeldRow, StateRow | None]]:
        """Every containment interval of these children, with the container's state (None when
        it has none)."""
        out: list[tuple[HeldRow, StateRow | None]] = []
        for row in self._core_rows("holders", children):
            values = tuple(row)
            state = StateRow._make(values[4:]) if values[4] is not None else None
            out.append((HeldRow._make(values[:4]), state))
        return out

    def intervals_by_parent(self, parents: Iterable[str]) -> list[HeldRow]:
        """Every containment interval (open or closed) of these parents."""
        return list(map(HeldRow._make, self._core_rows("by_parent", parents)))

    def lineage(
        self, epcs: Iterable[str], *, upstream: bool
    ) -> list[tuple[str, str, bool, uuid.UUID]]:
        """(from, to, is_class, event_pk) pairs: inputs of outputs (upstream) or the reverse."""
        rows = self._core_rows("up" if upstream else "down", epcs)
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def items_of_lots(self, lots: Iterable[str]) -> list[tuple[str, str]]:
        """(lot, item) for every item whose lot is one of `lots`."""
        return [(r.lot_class, r.epc) for r in self.members(lots) if r.lot_class]

    def members(self, lots: Iterable[str]) -> list[StateRow]:
        """State rows of every item whose lot is one of `lots`."""
        return list(map(StateRow._make, self._core_rows("members", lots)))

    def member_intervals(self, lots: Iterable[str]) -> list[HeldRow]:
        """Containment intervals of every item of these lots."""
        return list(map(HeldRow._make, self._core_rows("member_intervals", lots)))

    def member_links(self, lots: Iterable[str]) -> list[LinkRow]:
        """Transaction links of every item of these lots."""
        return list(map(LinkRow._make, self._core_rows("member_links", lots)))

    def member_lineage(self, lots: Iterable[str]) -> list[tuple[str, str, bool, uuid.UUID]]:
        """(input, output, is_class, event_pk) of transformations items of these lots went into."""
        return [(r[0], r[1], r[2], r[3]) for r in self._core_rows("member_lineage", lots)]

    def lot_events(self, lots: Iterable[str]) -> list[Row[Any]]:
        """Every event fact about these lots, in log order."""
        rows = self._core_rows("lot_events", lots)
        return sorted(rows, key=lambda r: (r.log_index, r.lot_class))

    def known_lot(self, lot: str) -> bool:
        """Whether any projection mentions the lot."""
        for _table, column in ((LotEvent, LotEvent.lot_class), (ItemState, ItemState.lot_class),
                              (LineageEdge, LineageEdge.epc)):  # fmt: skip
            if self.session.scalar(select(column).where(column == lot).limit(1)) is not None:
                return True
        return False

    def lots_by_line(self, line: str, shift: str | None, start: Any, end: Any) -> set[str]:
        """Lots produced on a line (and shift) within a time window."""
        query = select(LotEvent.lot_class).where(
            LotEvent.line == line, LotEvent.role.in_(PRODUCED_ROLES)
        )
        if shift:
            query = query.where(LotEvent.shift == shift)
        if start is not None:
            query = query.where(LotEvent.event_time >= start)
        if end is not None:
            query = query.where(LotEvent.event_time < end)
        return set(self.session.scalars(query))

    def lots_by_party(self, party_id: uuid.UUID) -> set[str]:
        """Lots whose origin a party recorded (commissioned or produced them)."""
        query = select(LotEvent.lot_class).where(
            LotEvent.party_id == party_id, LotEvent.role.in_(PRODUCED_ROLES)
        )
        return set(self.session.scalars(query))

    def links(self, epcs: Iterable[str]) -> list[LinkRow]:
        """Business-transaction links of these identifiers, in log order."""
        rows = map(LinkRow._make, self._core_rows("links", epcs))
        return sorted(rows, key=lambda r: (r.log_index, r.epc, r.position))

    def named_events(
        self, epcs: Iterable[str]
    ) -> tuple[list[tuple[str, NamedEvent]], dict[uuid.UUID, str]]:
        """`events_naming`, with the names of the parties that captured the events."""
        rows = self._core_rows("naming", epcs)
        documents = self._slim_documents({(r[1], r[2]) for r in rows})
        events = sorted(
            ((r[0], NamedEvent(r[1], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                               documents[r[1]])) for r in rows),
            key=lambda p: (p[1].log_index, p[0]),
        )  # fmt: skip
        return events, {r[8]: r[10] for r in rows if r[10] is not None}

    def _slim_documents(self, keys: set[tuple[uuid.UUID, str]]) -> dict[uuid.UUID, dict[str, Any]]:
        """Slim documents of these events: remembered ones, the rest in one statement."""
        found: dict[uuid.UUID, dict[str, Any]] = {}
        missing: dict[uuid.UUID, str] = {}
        for pk, digest in keys:
            document = SLIM_DOCUMENTS.get((pk, digest))
            if document is None:
                missing[pk] = digest
            else:
                found[pk] = document
        connection = self.session.connection()
        statement = _statements(connection.dialect.name)["slim_documents"]
        for batch in batched(sorted(missing), CHUNK):
            for pk, document in connection.execute(statement, {"pks": batch}):
                found[pk] = document
                SLIM_DOCUMENTS.put((pk, missing[pk]), document)
        return found

    def party_names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Party names by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = select(Party.id, Party.name).where(Party.id.in_(wanted))
        return dict(self.session.execute(query).all())

    def voided(self, pks: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these events were declared erroneous."""
        out: set[uuid.UUID] = set()
        for batch in batched(sorted(set(pks)), CHUNK):
            out.update(self.session.scalars(
                select(VoidedEvent.event_pk).where(VoidedEvent.event_pk.in_(batch))
            ))  # fmt: skip
        return out


def _state(row: Row[Any]) -> State:
    return State(
        epc=row.epc, gtin=row.gtin, lot_class=row.lot_class, status=row.status,
        disposition=row.disposition, persistent_dispositions=tuple(row.persistent_dispositions),
        biz_location=row.biz_location, read_point=row.read_point, owner=row.owner,
        last_biz_step=row.last_biz_step, last_party_id=row.last_party_id,
        first_log_index=row.first_log_index, last_log_index=row.last_log_index,
        first_time=row.first_time, last_time=row.last_time,
    )  # fmt: skip


def _state_tuple(s: State) -> tuple[Any, ...]:
    """A state as a row of `trace_item_state`: its fields are the columns, in order.

    The dispositions stay a tuple: it serialises to the same JSON array as a list, and being
    hashable it lets the writer serialise each distinct value once.
    """
    return s


def _key(row: Row[Any]) -> tuple[str, str, int]:
    return (row.parent_epc, row.child_epc, row.pack_log_index)


def _interval(row: Row[Any]) -> Interval:
    return Interval(row.parent_epc, row.child_epc, row.pack_log_index, row.child_is_class,
                    row.quantity, row.pack_time, row.unpack_log_index, row.unpack_time)  # fmt: skip


def _interval_tuple(i: Interval) -> tuple[Any, ...]:
    """An interval as a row of `trace_containment`, in column order."""
    return (i.parent_epc, i.child_epc, i.pack_log_index, i.child_is_class, i.quantity,
            i.pack_time, i.unpack_log_index, i.unpack_time)  # fmt: skip


_UNPACK = ("unpack_log_index", "unpack_time")


def _table(model: Any) -> Table:
    """The Core table of a mapped class."""
    return typing_cast("Table", model.__table__)


# Values that repeat across the rows of a batch (event times, parties) and are hashable.
class RecallRepository:
    """Reads and writes of recall campaigns."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, recall: Recall, units: Sequence[dict[str, Any]],
            orders: Sequence[dict[str, Any]]) -> Recall:  # fmt: skip
        """Store a campaign with its frozen units and orders."""
        self.session.add(recall)
        self.session.flush()
        for batch in batched(units):
            self.session.execute(insert(RecallUnit), batch)
        for batch in batched(orders):
            self.session.execute(insert(RecallOrder), batch)
        return recall

    def get(self, ref: str) -> Recall | None:
        """A campaign by id or number."""
        try:
            return self.session.get(Recall, uuid.UUID(ref))
        except ValueError:
            return self.session.scalar(select(Recall).where(Recall.number == ref))

    def campaigns(self, party_id: uuid.UUID | None) -> list[Recall]:
        """Campaigns, newest first; one party's when given."""
        query = select(Recall).order_by(Recall.opened_at.desc(), Recall.number)
        if party_id is not None:
            query = query.where(Recall.party_id == party_id)
        return list(self.session.scalars(query))

    def units(self, recall_id: uuid.UUID) -> list[RecallUnit]:
        """The frozen units of a campaign."""
        query = select(RecallUnit).where(RecallUnit.recall_id == recall_id)
        return list(self.session.scalars(query.order_by(RecallUnit.kind, RecallUnit.epc)))

    def orders(self, recall_id: uuid.UUID) -> list[RecallOrder]:
        """Orders tied to a campaign's units."""
        query = select(RecallOrder).where(RecallOrder.recall_id == recall_id)
        return list(self.session.scalars(query.order_by(RecallOrder.biz_transaction)))

    def progress(self, recall_id: uuid.UUID) -> dict[str, int]:
        """How many units are at each progress step."""
        query = (
            select(RecallUnit.progress, func.count())
            .where(RecallUnit.recall_id == recall_id)
            .group_by(RecallUnit.progress)
        )
        return dict(self.session.execute(query).all())

    def set_progress(self, recall_id: uuid.UUID, epcs: Sequence[str], progress: str,
                     note: str | None) -> int:  # fmt: skip
        """Move units to a progress step; return how many rows changed."""
        changed = 0
        for batch in batched(sorted(set(epcs)), CHUNK):
            result = self.session.execute(
                update(RecallUnit)
                .where(RecallUnit.recall_id == recall_id, RecallUnit.epc.in_(batch))
                .values(progress=progress, note=note, updated_at=utcnow())
            )
            changed += int(getattr(result, "rowcount", 0) or 0)
        return changed

    def unit_epcs(self, recall_id: uuid.UUID, epcs: Iterable[str]) -> dict[str, str]:
        """Progress of the given units that belong to the campaign."""
        out: dict[str, str] = {}
        for batch in batched(sorted(set(epcs)), CHUNK):
            query = select(RecallUnit.epc, RecallUnit.progress).where(
                RecallUnit.recall_id == recall_id, RecallUnit.epc.in_(batch)
            )
            out.update(dict(self.session.execute(query).all()))
        return out

    def open_for(self, epcs: Iterable[str]) -> list[tuple[Recall, RecallUnit]]:
        """Open campaigns whose frozen units include one of `epcs`."""
        query = (
            select(Recall, RecallUnit)
            .join(RecallUnit, RecallUnit.recall_id == Recall.id)
            .where(RecallUnit.epc.in_(sorted(set(epcs))), Recall.status == "open")
            .order_by(Recall.opened_at, RecallUnit.epc)
        )
        return [(r, u) for r, u in self.session.execute(query)]


class AnalyticsRepository:
    """Reads behind dwell times, completeness and supplier quality."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def instance_events(self, gtin: str | None, limit: int) -> list[Row[Any]]:
        """(epc, time, biz_step, location) of live events naming items, by item then log order."""
        query = (
            select(EpcisEventEpc.epc, EpcisEventRow.event_time, EpcisEventRow.biz_step,
                   EpcisEventRow.biz_location, EpcisEventRow.log_index)
            .join(EpcisEventRow, EpcisEventRow.id == EpcisEventEpc.event_pk)
            .where(EpcisEventEpc.is_class.is_(False),
                   EpcisEventRow.error_declared_by.is_(None),
                   EpcisEventRow.error_declaration_time.is_(None),
                   ~EpcisEventRow.id.in_(select(VoidedEvent.event_pk)))
            .order_by(EpcisEventEpc.epc, EpcisEventRow.log_index)
            .limit(limit)
        )  # fmt: skip
        if gtin:
            query = query.where(EpcisEventEpc.epc.like(f"https://id.gs1.org/01/{gtin}/%"))
        return typing_cast("list[Row[Any]]", list(self.session.execute(query).all()))

    def lot_events_of_gtin(self, gtin: str) -> list[Row[Any]]:
        """Lot facts of one product's lots."""
        query = select(LotEvent.__table__).where(LotEvent.gtin == gtin)
        return list(self.session.execute(query.order_by(LotEvent.log_index)).all())

    def record_lags(self, event_pks: Iterable[uuid.UUID]) -> list[float]:
        """Seconds between event time and record time for these events."""
        out: list[float] = []
        for batch in batched(sorted(set(event_pks)), CHUNK):
            query = select(EpcisEventRow.event_time, EpcisEventRow.record_time).where(
                EpcisEventRow.id.in_(batch)
            )
            out += [max(0.0, (rec - ev).total_seconds()) for ev, rec in self.session.execute(query)]
        return out

    def produced_lots(self) -> list[Row[Any]]:
        """Lot facts of every lot some event made (commissioned or transformed)."""
        query = select(LotEvent.__table__).where(LotEvent.role.in_(PRODUCED_ROLES))
        return list(self.session.execute(query.order_by(LotEvent.log_index)).all())

    def output_lots(self) -> set[str]:
        """Every identifier that is a transformation output."""
        return set(self.session.scalars(select(LineageEdge.epc).where(LineageEdge.role == "out")))

    def recall_counts(self, lots: Iterable[str]) -> dict[str, int]:
        """How many recalls froze each lot."""
        out: dict[str, int] = {}
        for batch in batched(sorted(set(lots)), CHUNK):
            query = (
                select(RecallUnit.epc, func.count())
                .where(RecallUnit.epc.in_(batch))
                .group_by(RecallUnit.epc)
            )
            out.update(dict(self.session.execute(query).all()))
        return out
