"""Query parameter families whose names carry a variable part. Pure.

`EQ_bizTransaction_<type>`, `EQ_source_<type>`, `EQ_destination_<type>`; ILMD and extension
fields (`EQ_ILMD_<field>`, `GT_INNER_<field>`, `EXISTS_<field>` …), also inside the read point,
business location, error declaration and sensor parts (`EQ_readPoint_<field>`,
`EXISTS_INNER_SENSORREPORT_<field>` …); sensor values with a unit (`GE_maxValue_CEL`, `EQ_sDev_FAH`)
and `percRank`; quantities with a unit (`GE_quantity_KGM`). Standard families whose data
this repository does not index are recognised and refused with `UnsupportedQueryParameterError`,
so a client can tell "not supported here" from "misspelt".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from livetrace.epcis import cbv
from livetrace.epcis.index import PART_SECTIONS, parse_time
from livetrace.epcis.namespaces import GS1_PREFIXES
from livetrace.epcis.query_types import (
    FieldCompare,
    LinkIn,
    QuantityCompare,
    QueryParameterError,
    SensorCompare,
    UnsupportedQueryParameterError,
)

Family = Callable[[str, re.Match[str], list[str], Mapping[str, str]], Any]
_OP = "(EQ|GT|GE|LT|LE)"
_LINK_VOCAB = {
    "bizTransaction": cbv.BIZ_TRANSACTION_TYPE,
    "source": cbv.SOURCE_DEST_TYPE,
    "destination": cbv.SOURCE_DEST_TYPE,
}
_SENSOR_VALUES = {"value": "value", "minValue": "min_value", "maxValue": "max_value",
                  "meanValue": "mean_value", "sDev": "s_dev", "percValue": "perc_value"}  # fmt: skip
_UNSUPPORTED = re.compile(r"HASATTR_.+|EQ_ATTR_.+")
_PART = "|".join(PART_SECTIONS)


def _links(name: str, match: re.Match[str], values: list[str], _: Mapping[str, str]) -> LinkIn:
    kind, type_ = match.group(1), match.group(2)
    cleaned = tuple(v.strip() for v in values if v.strip())
    if not cleaned:
        raise QueryParameterError(f"{name} needs at least one value", field=name)
    return LinkIn(kind, _LINK_VOCAB[kind].to_bare(type_), cleaned)


def _sensor_value(
    name: str, match: re.Match[str], values: list[str], _: Mapping[str, str]
) -> SensorCompare:
    op, attr, uom = match.groups()
    numbers = tuple(_number(name, v) for v in _values(name, op, values))
    return SensorCompare(_SENSOR_VALUES[attr], op, numbers, uom)


def _perc_rank(
    name: str, match: re.Match[str], values: list[str], _: Mapping[str, str]
) -> SensorCompare:
    op = match.group(1)
    return SensorCompare(
        "perc_rank", op, tuple(_number(name, v) for v in _values(name, op, values))
    )


def _quantity(
    name: str, match: re.Match[str], values: list[str], _: Mapping[str, str]
) -> QuantityCompare:
    op, uom = match.groups()
    return QuantityCompare(op, tuple(_number(name, v) for v in _values(name, op, values)), uom)


def _field(
    name: str, match: re.Match[str], values: list[str], scope: Mapping[str, str]
) -> FieldCompare:
    op, inner, ilmd, field_name = match.groups()
    return _field_compare(name, op, ("inner_" if inner else "") + ("ilmd" if ilmd else "ext"),
                          field_name, values, scope=scope)  # fmt: skip


def _part_field(
    name: str, match: re.Match[str], values: list[str], scope: Mapping[str, str]
) -> FieldCompare:
    op, inner, part, field_name = match.groups()
    section = ("inner_" if inner else "") + PART_SECTIONS[part]
    return _field_compare(name, op, section, field_name, values, scope=scope)


def _field_compare(
    name: str,
    op: str,
    section: str,
    field_name: str,
    values: list[str],
    *,
    scope: Mapping[str, str],
) -> FieldCompare:
    names = field_names(name, field_name, scope)
    if op == "EXISTS":
        return FieldCompare(section, names, "EXISTS")
    if op == "EQ":
        return FieldCompare(section, names, "EQ", _values(name, op, values))
    text = _values(name, op, values)[0]
    bound: Decimal | datetime | None = parse_time(text)
    if bound is None:
        bound = _number(name, text)
    return FieldCompare(section, names, op, (bound,))


def _unsupported(name: str, *_: object) -> None:
    raise UnsupportedQueryParameterError(
        f"{name} is a standard EPCIS query parameter that this repository does not support",
        field=name,
    )


def field_names(param: str, text: str, scope: Mapping[str, str]) -> tuple[str, ...]:
    """The stored names a field reference may have: its full IRI and, for GS1 prefixes, the CURIE.

    Fields named with a GS1 context prefix (`cbvmda:lotNumber`) are indexed as written, others
    under their full IRI.
    """
    if "://" in text or text.startswith("urn:"):
        gs1 = [f"{p}:{text[len(iri) :]}" for p, iri in GS1_PREFIXES.items() if text.startswith(iri)]
        return (text, *gs1)
    prefix, _, local = text.partition(":")
    if prefix not in scope:
        raise QueryParameterError(
            f"{param}: namespace prefix {prefix!r} is unknown; give the field as a full IRI or "
            "declare the prefix in the query's @context",
            field=param,
        )
    expanded = scope[prefix] + local
    return (expanded, text) if GS1_PREFIXES.get(prefix) == scope[prefix] else (expanded,)


def _values(name: str, op: str, values: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(v.strip() for v in values if v.strip())
    if not cleaned:
        raise QueryParameterError(f"{name} needs a value", field=name)
    if op != "EQ" and len(cleaned) != 1:
        raise QueryParameterError(f"{name} takes exactly one value", field=name)
    return cleaned


def _number(name: str, text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise QueryParameterError(f"{name}: {text!r} is not a number", field=name)
    return number


FAMILIES: tuple[tuple[re.Pattern[str], Family], ...] = (
    (re.compile(r"EQ_(bizTransaction|source|destination)_([a-z][a-zA-Z0-9_]*)"), _links),
    (
        re.compile(r"(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?(" + _PART + r")_([^_\s][^\s]*:[^\s]+)"),
        _part_field,
    ),
    (_UNSUPPORTED, _unsupported),
    (
        re.compile(_OP + r"_(value|minValue|maxValue|meanValue|sDev|percValue)_([A-Z0-9]{2,4})"),
        _sensor_value,
    ),
    (re.compile(_OP + r"_percRank"), _perc_rank),
    (re.compile(_OP + r"_quantity_([A-Z0-9]{2,4})"), _quantity),
    (re.compile(r"(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?(ILMD_)?([^_\s][^\s]*:[^\s]+)"), _field),
)
