"""Parsed query conditions → SQLAlchemy Core expressions over the event and index tables.

Index-table conditions are `event.id IN (SELECT event_pk …)` semi-joins, which both SQLite and
PostgreSQL drive from the index when the condition is selective. Lists inside the stored JSON
(persistent dispositions, corrective event IDs) use each dialect's JSON functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, array

from livetrace.epcis import units
from livetrace.epcis.index import parse_time
from livetrace.epcis.models import (
    EpcisEventEpc,
    EpcisEventField,
    EpcisEventLink,
    EpcisEventRow,
    EpcisSensorReport,
)
from livetrace.epcis.query_patterns import identifier_spellings
from livetrace.epcis.query_types import (
    ColumnCompare,
    ColumnIn,
    Condition,
    DocumentListIn,
    EpcMatch,
    FieldCompare,
    LinkIn,
    LocationIn,
    NotNull,
    QuantityCompare,
    SensorCompare,
    SensorReportMatch,
)

EVENT = EpcisEventRow.__table__.c
EPC = EpcisEventEpc.__table__.c
LINK = EpcisEventLink.__table__.c
FIELD = EpcisEventField.__table__.c
SENSOR = EpcisSensorReport.__table__.c
QUANTITY_ROLES_ALL = ("quantityList", "childQuantityList", "inputQuantityList",
                      "outputQuantityList")  # fmt: skip

Expand = Callable[[Sequence[str], bool], Sequence[str]]


def condition_sql(cond: Condition, dialect: str, locations: Expand) -> ColumnElement[bool]:
    """The WHERE clause of one condition; `locations` expands WD_ roots to their descendants."""
    if isinstance(cond, ColumnIn):
        return EVENT[cond.column].in_(cond.values)
    if isinstance(cond, ColumnCompare):
        return compare(EVENT[cond.column], cond.op, cond.value)
    if isinstance(cond, NotNull):
        return EVENT[cond.column].is_not(None)
    if isinstance(cond, LocationIn):
        return EVENT[cond.column].in_(locations(cond.values, cond.descendants))
    if isinstance(cond, DocumentListIn):
        return _document_list(cond, dialect)
    return EVENT.id.in_(_index_subquery(cond))


def _index_subquery(cond: Condition) -> Any:
    if isinstance(cond, EpcMatch):
        matches = [EPC.epc.in_(cond.exact)] if cond.exact else []
        matches += [EPC.epc.like(p, escape="\\") for p in cond.patterns]
        return select(EPC.event_pk).where(EPC.role.in_(cond.roles), or_(*matches))
    if isinstance(cond, QuantityCompare):
        where = _measure(EPC.quantity, EPC.uom, cond.op, cond.values, cond.uom)
        return select(EPC.event_pk).where(EPC.role.in_(QUANTITY_ROLES_ALL), where)
    if isinstance(cond, LinkIn):
        values = {s for v in cond.values for s in identifier_spellings(v)}
        return select(LINK.event_pk).where(
            LINK.kind == cond.kind, LINK.type == cond.type, LINK.value.in_(sorted(values))
        )
    if isinstance(cond, FieldCompare):
        return select(FIELD.event_pk).where(
            FIELD.section == cond.section, FIELD.name.in_(cond.names), _field_value(cond)
        )
    if isinstance(cond, SensorReportMatch):
        return select(SENSOR.event_pk).where(true(), *(_sensor(c) for c in cond.conditions))
    raise TypeError(f"no SQL for {cond!r}")


def compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """`column <op> value` for the standard operator prefixes."""
    if op == "EQ":
        return column == value  # type: ignore[no-any-return]
    if op == "GT":
        return column > value  # type: ignore[no-any-return]
    if op == "GE":
        return column >= value  # type: ignore[no-any-return]
    if op == "LT":
        return column < value  # type: ignore[no-any-return]
    return column <= value  # type: ignore[no-any-return]


def _number(column: Any, op: str, value: Decimal) -> ColumnElement[bool]:
    """Float columns: equality within a relative tolerance, so converted units still match."""
    number = float(value)
    if op != "EQ":
        return compare(column, op, number)
    slack = 1e-9 * max(1.0, abs(number))
    return column.between(number - slack, number + slack)  # type: ignore[no-any-return]


def _measure(
    column: Any,
    uom_column: Any,
    op: str,
    values: Sequence[Decimal],
    uom: str | None,
    *,
    spread: bool = False,
) -> ColumnElement[bool]:
    """A value compared in `uom`: converted into every stored unit of the same dimension.

    A `spread` (standard deviation) is a difference of values, so it converts by the units'
    scale alone: a 1.8 °F spread is a 1 °C spread, not -16.8 °C.
    """
    if uom is None:
        return or_(*(_number(column, op, v) for v in values))
    targets = [u for u in units.UNITS if units.convertible(uom, u)] or [uom]
    branches = []
    for target in targets:
        converted = [_convert(v, uom, target, spread=spread) for v in values]
        branches.append(
            and_(uom_column == target, or_(*(_number(column, op, c) for c in converted)))
        )
    return or_(*branches)


def _field_value(cond: FieldCompare) -> ColumnExpressionArgument[bool]:
    if cond.op == "EXISTS":
        return true()
    if cond.op != "EQ":
        bound = cond.values[0]
        if isinstance(bound, datetime):
            return compare(FIELD.value_time, cond.op, bound)
        return _number(FIELD.value_num, cond.op, Decimal(str(bound)))
    texts = [str(v) for v in cond.values]
    options: list[ColumnElement[bool]] = [FIELD.value_text.in_(texts)]
    for text in texts:
        options += _typed_equal(text)
    return or_(*options)


def _typed_equal(text: str) -> list[ColumnElement[bool]]:
    """Equality on the numeric or time form of a value that reads as one."""
    when = parse_time(text)
    if when is not None:
        return [FIELD.value_time == when]
    try:
        number = Decimal(text)
    except ArithmeticError:
        return []
    return [_number(FIELD.value_num, "EQ", number)] if number.is_finite() else []


def _convert(value: Decimal, source: str, target: str, *, spread: bool) -> Decimal:
    if target == source:
        return value
    if spread:
        return units.convert(value, source, target) - units.convert(0, source, target)
    return units.convert(value, source, target)


def _sensor(cond: SensorCompare) -> ColumnElement[bool]:
    if cond.attr in ("time", "start_time", "end_time"):
        return compare(SENSOR[cond.attr], cond.op, cond.values[0])
    if cond.attr in ("value", "min_value", "max_value", "mean_value", "perc_value", "s_dev"):
        return _measure(SENSOR[cond.attr], SENSOR.uom, cond.op, cond.values, cond.uom,
                        spread=cond.attr == "s_dev")  # fmt: skip
    if cond.attr == "perc_rank":
        return or_(*(_number(SENSOR.perc_rank, cond.op, v) for v in cond.values))
    if cond.attr == "boolean_value":
        return SENSOR.boolean_value == cond.values[0]  # type: ignore[no-any-return]
    return SENSOR[cond.attr].in_(cond.values)


def _document_list(cond: DocumentListIn, dialect: str) -> ColumnElement[bool]:
    """A JSON array inside the stored event that contains one of the values."""
    if not cond.values:
        return false()
    if dialect == "postgresql":
        path = type_coerce(EVENT.document, JSONB)[cond.path]
        return path.has_any(array(list(cond.values)))  # type: ignore[no-any-return]
    items = func.json_each(EVENT.document, "$." + ".".join(cond.path)).table_valued("value")
    return exists(select(literal(1)).select_from(items).where(items.c.value.in_(cond.values)))
