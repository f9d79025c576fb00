"""Set-based writes of plain tuples, below the ORM: the bulk paths (capture, projections).

PostgreSQL through psycopg gets a `COPY … FROM STDIN`, anything else one driver-level executemany
per thousand rows. Every value goes through its column type's bind processor first, so the stored
values are the ones a Core insert would store; the statement is built once per table and column
list, and the per-row cost of SQLAlchemy's parameter handling is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Dialect, Table
from sqlalchemy.orm import Session

T = TypeVar("T")
BATCH = 1000


def batched(values: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """`values` in lists of at most `size`."""
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch


_MEMO_TYPES = frozenset({datetime, uuid.UUID, str, tuple})


def load_tuples(
    session: Session,
    table: Table,
    rows: Sequence[tuple[Any, ...]],
    columns: tuple[str, ...] | None = None,
) -> None:
    """Insert `rows` (tuples of `columns`, default every column in table order) in one write.

    PostgreSQL through psycopg gets a `COPY`, anything else one driver-level executemany: both
    skip building a parameter dict per row. Values go through their column types' bind
    processors first, so the stored values are the ones a Core insert would store.
    """
    session.flush()  # the driver-level write below does not flush pending objects itself
    connection = session.connection()
    plan = _plan(connection.dialect, table, None, columns)
    values = plan.bind(rows)
    if plan.copy:
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(plan.insert_sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
        return
    for batch in batched(values):
        connection.exec_driver_sql(plan.insert_sql, batch)


def update_tuples(session: Session, table: Table, rows: Sequence[tuple[Any, ...]],
                   columns: tuple[str, ...] | None = None) -> None:  # fmt: skip
    """Set `columns` (default: every non-key column) of rows found by their primary key.

    Each tuple holds the new values of `columns`, then the key; with no `columns`, it is a whole
    row in table order.
    """
    session.flush()
    connection = session.connection()
    plan = _plan(connection.dialect, table, columns, None)
    values = plan.bind(rows)
    if plan.update_order is not None:
        values = [tuple(row[i] for i in plan.update_order) for row in values]
    for batch in batched(values):
        connection.exec_driver_sql(plan.update_sql, batch)


class _Plan:
    """The driver-level statements and bind processors of one table on one dialect."""

    def __init__(
        self,
        dialect: Dialect,
        table: Table,
        columns: tuple[str, ...] | None,
        inserted: tuple[str, ...] | None,
    ) -> None:
        keys = [c.name for c in table.primary_key.columns]
        everything = list(inserted) if inserted else [c.name for c in table.columns]
        values = list(columns) if columns is not None else [n for n in everything if n not in keys]
        # Inserted rows hold `everything` in order; partial updates the changed values, then the key.
        order = everything if columns is None else values + keys
        # Columns of one type share a memo (first and last time of a new state are one value).
        self.processors = [
            (i, repr(table.c[name].type), p)
            for i, name in enumerate(order)
            if (p := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        if columns is None:  # whole rows: move the key to the end for the UPDATE
            self.update_order: list[int] | None = [order.index(n) for n in values + keys]
        else:
            self.update_order = None
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer
        name = quote.format_table(table)
        self.copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
        listed = ", ".join(quote.quote(n) for n in everything)
        if self.copy:
            self.insert_sql = f"COPY {name} ({listed}) FROM STDIN"
        else:
            marks = ", ".join(mark for _ in everything)
            # Names come from the table's metadata, values are bound: nothing user-supplied.
            self.insert_sql = f"INSERT INTO {name} ({listed}) VALUES ({marks})"  # noqa: S608
        sets = ", ".join(f"{quote.quote(n)} = {mark}" for n in values)
        where = " AND ".join(f"{quote.quote(n)} = {mark}" for n in keys)
        self.update_sql = f"UPDATE {name} SET {sets} WHERE {where}"  # noqa: S608

    def bind(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows with every value through its bind processor (memoised: times repeat)."""
        if not self.processors:
            return list(rows)
        out = []
        seen: dict[tuple[str, Any], Any] = {}
        for row in rows:
            values = list(row)
            for i, kind, process in self.processors:
                value = values[i]
                if type(value) in _MEMO_TYPES:
                    key = (kind, value)
                    found = seen.get(key, seen)
                    if found is seen:
                        found = seen[key] = process(value)
                    values[i] = found
                elif value is not None:
                    values[i] = process(value)
            out.append(tuple(values))
        return out


@cache
def _plan(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...] | None,
    inserted: tuple[str, ...] | None,
) -> _Plan:
    return _Plan(dialect, table, columns, inserted)
