"""EPCIS 2.0 query parameters (SimpleEventQuery) parsed into a typed `EventQuery`. Pure.

Parameters arrive either from a URL (every value a string; lists `|`-delimited or repeated) or
from a named query's JSON body (arrays, numbers, booleans); both are normalised to lists of
strings and parsed by the same rules. Every name is checked against the standard families; an
unknown name or a malformed value raises `QueryParameterError` naming the parameter.

Choices:
* CBV values are compared in their bare-word form (what the event table stores), so
  `shipping`, `https://ref.gs1.org/cbv/BizStep-shipping` and `urn:epcglobal:cbv:bizstep:shipping`
  all match. Identifiers are compared in the canonical Digital Link form (`identifiers.py`);
  EPC URN patterns become SQL LIKE patterns over that form (`query_patterns.py`).
* Extension and ILMD field names are full IRIs, or compact IRIs whose prefix is a GS1 context
  prefix or declared in the query's `@context` (named queries).
* Unit suffixes (`GT_maxValue_FAH`, `GE_quantity_KGM`) are converted exactly into each stored
  unit of the same dimension (see `units.py`), so a query in °F finds reports captured in °C.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from livetrace.epcis import cbv
from livetrace.epcis.identifiers import canonical_epc
from livetrace.epcis.index import EPC_ROLES, QUANTITY_ROLES
from livetrace.epcis.model import parse_timestamp
from livetrace.epcis.namespaces import GS1_PREFIXES, context_prefixes
from livetrace.epcis.query_families import FAMILIES
from livetrace.epcis.query_patterns import UnsupportedPatternError, epc_patterns
from livetrace.epcis.query_types import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ColumnCompare,
    ColumnIn,
    Condition,
    DocumentListIn,
    EpcMatch,
    EventQuery,
    LocationIn,
    NotNull,
    PageControls,
    QuantityCompare,
    QueryParameterError,
    SensorCompare,
    SensorReportMatch,
)

OPS = ("EQ", "GT", "GE", "LT", "LE")
PAGE_PARAMS = frozenset({"perPage", "nextPageToken"})


# --- input normalisation ----------------------------------------------------------------------


def url_params(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """URL query items as name → values; `|` separates list members (pipeDelimited style)."""
    out: dict[str, list[str]] = {}
    for name, value in items:
        out.setdefault(name, []).extend(value.split("|") if value else [""])
    return out


def json_params(body: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """A named query's JSON as name → string values, plus the prefixes of its `@context`."""
    prefixes = context_prefixes(body.get("@context")) if "@context" in body else {}
    out: dict[str, list[str]] = {}
    for name, value in body.items():
        if name != "@context":
            items = value if isinstance(value, list) else [value]
            out[name] = [_json_scalar(name, v) for v in items]
    return out, prefixes


def _json_scalar(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise QueryParameterError(f"{name}: a value must be a string, number or boolean", field=name)


def page_controls(params: Mapping[str, Sequence[str]]) -> PageControls:
    """`perPage` (1…MAX_PER_PAGE, default 30) and `nextPageToken`."""
    per_page = DEFAULT_PER_PAGE
    if "perPage" in params:
        per_page = _positive_int("perPage", params["perPage"])
        if per_page > MAX_PER_PAGE:
            raise QueryParameterError(
                f"perPage: at most {MAX_PER_PAGE} events per page", field="perPage"
            )
    token = params.get("nextPageToken")
    return PageControls(per_page=per_page, token=_single("nextPageToken", token) if token else None)


# --- parsing ----------------------------------------------------------------------------------


def parse_query(
    params: Mapping[str, Sequence[str]], *, prefixes: Mapping[str, str] | None = None
) -> EventQuery:
    """Parse standard query parameters (paging parameters are ignored here)."""
    scope = {**GS1_PREFIXES, **(prefixes or {})}
    conditions: list[Condition] = []
    sensor: list[SensorCompare] = []
    controls: dict[str, Any] = {}
    for name, values in params.items():
        if name in PAGE_PARAMS:
            continue
        parsed = _parse_one(name, list(values), scope, controls)
        if isinstance(parsed, SensorCompare):
            sensor.append(parsed)
        elif parsed is not None:
            conditions.append(parsed)
    if sensor:
        conditions.append(SensorReportMatch(tuple(sensor)))
    if "eventCountLimit" in controls and "maxEventCount" in controls:
        raise QueryParameterError(
            "eventCountLimit and maxEventCount cannot be used together", field="maxEventCount"
        )
    return EventQuery(
        conditions=tuple(conditions),
        order_by=controls.get("orderBy", "log_index"),
        descending=controls.get("orderDirection", "DESC" if "orderBy" in controls else "ASC")
        == "DESC",
        event_count_limit=controls.get("eventCountLimit"),
        max_event_count=controls.get("maxEventCount"),
        fingerprint=fingerprint(params),
    )


def fingerprint(params: Mapping[str, Sequence[str]]) -> str:
    """A stable text form of the query (paging parameters excluded), for page tokens."""
    items = sorted((k, list(v)) for k, v in params.items() if k not in PAGE_PARAMS)
    return repr(items)


def _parse_one(
    name: str, values: list[str], scope: Mapping[str, str], controls: dict[str, Any]
) -> Condition | SensorCompare | None:
    handler = _SIMPLE.get(name)
    if handler is not None:
        simple: Condition | SensorCompare | None = handler(name, values)
        return simple
    if name in _CONTROLS:
        controls[name] = _CONTROLS[name](name, values)
        return None
    for pattern, family in FAMILIES:
        match = pattern.fullmatch(name)
        if match:
            parsed: Condition | SensorCompare | None = family(name, match, values, scope)
            return parsed
    raise QueryParameterError(f"{name} is not a standard EPCIS query parameter", field=name)


# --- value helpers ----------------------------------------------------------------------------


def _single(name: str, values: Sequence[str]) -> str:
    if len(values) != 1:
        raise QueryParameterError(f"{name} takes exactly one value", field=name)
    return values[0]


def _nonempty(name: str, values: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(v.strip() for v in values if v.strip())
    if not cleaned:
        raise QueryParameterError(f"{name} needs at least one value", field=name)
    return cleaned


def _time(name: str, values: Sequence[str]) -> datetime:
    text = _single(name, values).strip()
    try:
        return parse_timestamp(text)
    except (ValueError, IndexError):
        raise QueryParameterError(
            f"{name}: {text!r} is not a date-time with a time zone (e.g. 2026-05-01T08:00:00Z)",
            field=name,
        ) from None


def _decimal(name: str, text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise QueryParameterError(f"{name}: {text!r} is not a number", field=name)
    return number


def _positive_int(name: str, values: Sequence[str]) -> int:
    text = _single(name, values).strip()
    if not text.isdigit() or int(text) < 1:
        raise QueryParameterError(f"{name}: {text!r} is not a positive integer", field=name)
    return int(text)


def _flag(name: str, values: Sequence[str]) -> bool:
    text = (values[-1] if values else "").strip().lower()
    if text in ("", "true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise QueryParameterError(f"{name}: {text!r} is not true or false", field=name)


def _vocab(vocab: cbv.Vocabulary) -> Any:
    def parse(name: str, values: Sequence[str]) -> ColumnIn:
        return ColumnIn(_COLUMN[name], tuple(vocab.to_bare(v) for v in _nonempty(name, values)))

    return parse


def _event_types(name: str, values: Sequence[str]) -> ColumnIn:
    return ColumnIn("event_type", _nonempty(name, values))


def _actions(name: str, values: Sequence[str]) -> ColumnIn:
    actions = _nonempty(name, values)
    bad = [a for a in actions if a not in ("ADD", "OBSERVE", "DELETE")]
    if bad:
        raise QueryParameterError(f"{name}: {bad[0]!r} is not ADD, OBSERVE or DELETE", field=name)
    return ColumnIn("action", actions)


def _plain_in(name: str, values: Sequence[str]) -> ColumnIn:
    return ColumnIn(_COLUMN[name], _nonempty(name, values))


def _time_bound(name: str, values: Sequence[str]) -> ColumnCompare:
    return ColumnCompare(_COLUMN[name.split("_", 1)[1]], name[:2], _time(name, values))


def _error_declared(name: str, values: Sequence[str]) -> NotNull | None:
    return NotNull("error_declaration_time") if _flag(name, values) else None


def _sensor_present(name: str, values: Sequence[str]) -> SensorReportMatch | None:
    return SensorReportMatch(()) if _flag(name, values) else None


def _locations(name: str, values: Sequence[str]) -> LocationIn:
    op, what = name.split("_", 1)
    column = "read_point" if what == "readPoint" else "biz_location"
    return LocationIn(column, _nonempty(name, values), descendants=op == "WD")


def _epc_match(name: str, values: Sequence[str]) -> EpcMatch:
    roles, is_class = _MATCH_ROLES[name]
    exact: list[str] = []
    patterns: list[str] = []
    for value in _nonempty(name, values):
        try:
            found = epc_patterns(value, is_class=is_class)
        except UnsupportedPatternError as exc:
            raise QueryParameterError(f"{name}: {exc}", field=name) from None
        if found is None:
            exact.append(canonical_epc(value))
        else:
            patterns.extend(found)
    return EpcMatch(roles, tuple(exact), tuple(patterns))


def _quantity(name: str, values: Sequence[str]) -> QuantityCompare:
    op = name[:2]
    items = _nonempty(name, values) if op == "EQ" else (_single(name, values),)
    return QuantityCompare(op, tuple(_decimal(name, v) for v in items), None)


def _corrective(name: str, values: Sequence[str]) -> DocumentListIn:
    return DocumentListIn(("errorDeclaration", "correctiveEventIDs"), _nonempty(name, values))


def _persistent(name: str, values: Sequence[str]) -> DocumentListIn:
    which = name.rsplit("_", 1)[1]
    bare = tuple(cbv.DISPOSITION.to_bare(v) for v in _nonempty(name, values))
    return DocumentListIn(("persistentDisposition", which), bare)


def _sensor_time(name: str, values: Sequence[str]) -> SensorCompare:
    attr = {"time": "time", "startTime": "start_time", "endTime": "end_time"}[name[3:]]
    return SensorCompare(attr, name[:2], (_time(name, values),))


def _sensor_in(name: str, values: Sequence[str]) -> SensorCompare:
    attr = _SENSOR_ATTR[name]
    items = _nonempty(name, values)
    if attr == "type":
        items = tuple(cbv.MEASUREMENT_TYPE.to_bare(v) for v in items)
    elif attr == "hex_binary_value":  # hexBinary is case-insensitive; the index holds upper case
        items = tuple(v.upper() for v in items)
    return SensorCompare(attr, "EQ", items)


def _sensor_boolean(name: str, values: Sequence[str]) -> SensorCompare:
    return SensorCompare("boolean_value", "EQ", (_flag(name, values),))


def _order_by(name: str, values: Sequence[str]) -> str:
    text = _single(name, values).strip()
    if text not in _ORDER_COLUMNS:
        raise QueryParameterError(
            f"orderBy: {text!r} is not supported; use eventTime or recordTime", field=name
        )
    return _ORDER_COLUMNS[text]


def _order_direction(name: str, values: Sequence[str]) -> str:
    text = _single(name, values).strip().upper()
    if text not in ("ASC", "DESC"):
        raise QueryParameterError(f"orderDirection: {text!r} is not ASC or DESC", field=name)
    return text


_COLUMN = {
    "EQ_bizStep": "biz_step", "EQ_disposition": "disposition", "EQ_eventID": "event_id",
    "EQ_transformationID": "transformation_id", "EQ_errorReason": "error_reason",
    "eventTime": "event_time", "recordTime": "record_time",
    "errorDeclarationTime": "error_declaration_time",
    "errorDeclaration_Time": "error_declaration_time",
}  # fmt: skip
_ORDER_COLUMNS = {"eventTime": "event_time", "recordTime": "record_time"}
_ALL_EPC = (*EPC_ROLES,)
_MATCH_ROLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "MATCH_epc": (("epcList", "childEPCs"), False),
    "MATCH_parentID": (("parentID",), False),
    "MATCH_inputEPC": (("inputEPCList",), False),
    "MATCH_outputEPC": (("outputEPCList",), False),
    "MATCH_anyEPC": (_ALL_EPC, False),
    "MATCH_epcClass": (("quantityList", "childQuantityList"), True),
    "MATCH_inputEPCClass": (("inputQuantityList",), True),
    "MATCH_outputEPCClass": (("outputQuantityList",), True),
    "MATCH_anyEPCClass": (QUANTITY_ROLES, True),
}
_SENSOR_ATTR = {"EQ_type": "type", "EQ_deviceID": "device_id", "EQ_stringValue": "string_value",
                "EQ_exception": "exception", "EQ_component": "component",
                "EQ_dataProcessingMethod": "data_processing_method", "EQ_bizRules": "biz_rules",
                "EQ_microorganism": "microorganism", "EQ_chemicalSubstance": "chemical_substance",
                "EQ_hexBinaryValue": "hex_binary_value", "EQ_uriValue": "uri_value"}  # fmt: skip

_SIMPLE: dict[str, Any] = {
    "eventType": _event_types,
    "EQ_action": _actions,
    "EQ_bizStep": _vocab(cbv.BIZ_STEP),
    "EQ_disposition": _vocab(cbv.DISPOSITION),
    "EQ_errorReason": _vocab(cbv.ERROR_REASON),
    "EQ_eventID": _plain_in,
    "EQ_transformationID": _plain_in,
    "EXISTS_errorDeclaration": _error_declared,
    "EQ_correctiveEventID": _corrective,
    "EQ_persistentDisposition_set": _persistent,
    "EQ_persistentDisposition_unset": _persistent,
    "EXISTS_sensorElementList": _sensor_present,
    **dict.fromkeys(("GE_time", "LT_time", "GE_startTime", "LT_startTime", "GE_endTime",
                     "LT_endTime"), _sensor_time),
    "EQ_booleanValue": _sensor_boolean,
    **dict.fromkeys(("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "GE_errorDeclarationTime", "LT_errorDeclarationTime", "GE_errorDeclaration_Time", "LT_errorDeclaration_Time"), _time_bound),
    **dict.fromkeys(("EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation"), _locations),
    **dict.fromkeys(_MATCH_ROLES, _epc_match),
    **{f"{op}_quantity": _quantity for op in OPS},
    **dict.fromkeys(_SENSOR_ATTR, _sensor_in),
}  # fmt: skip
_CONTROLS: dict[str, Any] = {
    "orderBy": _order_by,
    "orderDirection": _order_direction,
    "eventCountLimit": _positive_int,
    "maxEventCount": _positive_int,
}
