"""Semantic checks the EPCIS JSON Schema does not make (validation pass b).

Choices where the standard leaves room or is silent:

* CBV fields accept the bare word, the Web URI, the compact IRI and the CBV URN of a standard
  value; any other value must be an absolute URI outside the CBV namespaces (a bare word that
  is not in the code list, like `transforming`, is rejected). Measurement types also accept a
  bare GS1 Web Vocabulary term (capitalised), since that vocabulary grows past CBV 2.0.
* Extension members (event level, readPoint, bizLocation, ilmd, sensor parts, errorDeclaration)
  must be compact IRIs whose prefix the `@context` declares; nested members are not checked.
* EPC URNs of the schemes gs1.epc knows are parsed and check-digit verified; Digital Links are
  parsed strictly (key order, qualifiers, check digits). Other URIs are left alone.
* ILMD is allowed on ObjectEvent with action ADD and on TransformationEvent (EPCIS 2.0 §7.3.6).
* `eventTimeZoneOffset` is `±hh:mm` within ±14:00; timestamps need an explicit zone.
* A quantity must not be negative; a `uom` needs a `quantity`.
* An AggregationEvent with action ADD or DELETE needs a parentID (EPCIS 2.0 §7.4.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from livetrace.epcis import cbv
from livetrace.epcis import model as m
from livetrace.epcis._hash_ids import canonical_dl
from livetrace.epcis.fieldnames import binding_name
from livetrace.epcis.namespaces import context_prefixes
from livetrace.epcis.problems import ValidationProblem
from livetrace.gs1.digital_link import parse_digital_link
from livetrace.gs1.epc import SCHEMES, parse_epc_uri
from livetrace.gs1.errors import Gs1Error

_OFFSET = re.compile(r"[+-]((0\d|1[0-3]):[0-5]\d|14:00)")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
# Measurement types belong to the GS1 Web Vocabulary, which keeps adding terms
# (`EffectiveDoseRate`); a bare term of that shape is accepted.
_WEB_VOC_TERM = re.compile(r"[A-Z][A-Za-z0-9_]*")
_Found = Iterator[tuple[str, str, str]]  # (relative path, message, code)


def check_events(
    doc: m.EpcisDocument, raw: list[Any], base: str, prefixes: Mapping[str, str]
) -> list[ValidationProblem]:
    """Pass (b) over every event of a parsed document."""
    problems = []
    for index, event in enumerate(doc.events):
        scope = dict(prefixes)
        raw_event = raw[index] if index < len(raw) and isinstance(raw[index], Mapping) else {}
        if "@context" in raw_event:
            scope.update(context_prefixes(raw_event["@context"]))
        for rel, message, code in _check_event(event, scope):
            path = f"{base}[{index}]" + (f".{rel}" if rel else "")
            problems.append(ValidationProblem(index, event.event_id, path, message, code))
    return problems


def _check_event(event: m.EpcisEvent, prefixes: Mapping[str, str]) -> _Found:
    yield from _times(event)
    yield from _vocabularies(event)
    yield from _extensions(event, prefixes)
    yield from _identifiers(event)
    yield from _quantities(event)
    yield from _structure(event)


def _times(event: m.EpcisEvent) -> _Found:
    if not _OFFSET.fullmatch(event.event_time_zone_offset):
        yield "eventTimeZoneOffset", "must be ±hh:mm within ±14:00", "timezone-offset"
    stamps = [("eventTime", event.event_time), ("recordTime", event.record_time)]
    if event.error_declaration is not None:
        stamps.append(
            ("errorDeclaration.declarationTime", event.error_declaration.declaration_time)
        )
    for i, se in enumerate(event.sensor_element_list or ()):
        md = se.sensor_metadata
        for attr in ("time", "start_time", "end_time"):
            value = getattr(md, attr, None) if md else None
            stamps.append((f"sensorElementList[{i}].sensorMetadata.{_camel(attr)}", value))
    for path, value in stamps:
        if value is not None and not _valid_stamp(value):
            yield path, f"{value!r} is not a date-time with a time zone", "timestamp"


def _valid_stamp(value: str) -> bool:
    if not _STAMP.fullmatch(value):
        return False
    try:
        m.parse_timestamp(value)
    except ValueError:
        return False
    return True


def _camel(attr: str) -> str:
    head, *rest = attr.split("_")
    return head + "".join(w.title() for w in rest)


def _vocab(path: str, value: str | None, vocabulary: cbv.Vocabulary) -> _Found:
    if value is None or vocabulary.is_standard(value):
        return
    if cbv.is_reserved_cbv_uri(value):
        yield path, f"{value!r} is not a CBV {vocabulary.name} value", "cbv-unknown"
    elif not _URI.fullmatch(value) and not (
        vocabulary is cbv.MEASUREMENT_TYPE and _WEB_VOC_TERM.fullmatch(value)
    ):
        yield path, f"{value!r} is neither a CBV {vocabulary.name} nor a URI", "cbv-unknown"


def _vocabularies(event: m.EpcisEvent) -> _Found:
    yield from _vocab("bizStep", event.biz_step, cbv.BIZ_STEP)
    yield from _vocab("disposition", event.disposition, cbv.DISPOSITION)
    pd = event.persistent_disposition
    for key in ("set", "unset"):
        for i, value in enumerate(getattr(pd, key) or () if pd else ()):
            yield from _vocab(f"persistentDisposition.{key}[{i}]", value, cbv.DISPOSITION)
    for i, bt in enumerate(event.biz_transaction_list or ()):
        yield from _vocab(f"bizTransactionList[{i}].type", bt.type, cbv.BIZ_TRANSACTION_TYPE)
    for name, items in (
        ("sourceList", event.source_list),
        ("destinationList", event.destination_list),
    ):
        for i, sd in enumerate(items or ()):
            yield from _vocab(f"{name}[{i}].type", sd.type, cbv.SOURCE_DEST_TYPE)
    if event.error_declaration is not None:
        yield from _vocab(
            "errorDeclaration.reason", event.error_declaration.reason, cbv.ERROR_REASON
        )
    for i, se in enumerate(event.sensor_element_list or ()):
        for j, report in enumerate(se.sensor_report):
            where = f"sensorElementList[{i}].sensorReport[{j}]"
            yield from _vocab(f"{where}.type", report.type, cbv.MEASUREMENT_TYPE)
            yield from _vocab(f"{where}.exception", report.exception, cbv.SENSOR_ALERT_TYPE)


def _extension_sets(event: m.EpcisEvent) -> Iterator[tuple[str, m.Extensions]]:
    yield "", event.extensions
    for name, loc in (("readPoint", event.read_point), ("bizLocation", event.biz_location)):
        if loc is not None:
            yield name, loc.extensions
    ilmd = getattr(event, "ilmd", None)
    if ilmd:
        yield "ilmd", ilmd
    if event.error_declaration is not None:
        yield "errorDeclaration", event.error_declaration.extensions
    for i, se in enumerate(event.sensor_element_list or ()):
        yield f"sensorElementList[{i}]", se.extensions
        if se.sensor_metadata is not None:
            yield f"sensorElementList[{i}].sensorMetadata", se.sensor_metadata.extensions
        for j, report in enumerate(se.sensor_report):
            yield f"sensorElementList[{i}].sensorReport[{j}]", report.extensions


def _extensions(event: m.EpcisEvent, prefixes: Mapping[str, str]) -> _Found:
    for where, members in _extension_sets(event):
        for key, _ in members:
            path = f"{where}.{key}" if where else key
            prefix, sep, local = key.partition(":")
            if not sep or not prefix or not local:
                yield (
                    path,
                    f"{key!r} is not a standard field and has no namespace prefix",
                    "extension-namespace",
                )
            elif prefix not in prefixes:
                yield path, f"prefix {prefix!r} is not declared in @context", "extension-namespace"


def _identifier_fields(event: m.EpcisEvent) -> Iterator[tuple[str, str]]:
    for attr in ("epc_list", "child_epcs", "input_epc_list", "output_epc_list"):
        for i, epc in enumerate(getattr(event, attr, None) or ()):
            yield f"{_json_name(attr)}[{i}]", epc
    if getattr(event, "parent_id", None):
        yield "parentID", event.parent_id  # type: ignore[attr-defined]
    for attr in (
        "quantity_list",
        "child_quantity_list",
        "input_quantity_list",
        "output_quantity_list",
    ):
        for i, q in enumerate(getattr(event, attr, None) or ()):
            yield f"{_json_name(attr)}[{i}].epcClass", q.epc_class
    for name, loc in (("readPoint", event.read_point), ("bizLocation", event.biz_location)):
        if loc is not None:
            yield f"{name}.id", loc.id
    for name, items in (
        ("sourceList", event.source_list),
        ("destinationList", event.destination_list),
    ):
        for i, sd in enumerate(items or ()):
            yield f"{name}[{i}]", sd.value


def _json_name(attr: str) -> str:
    return binding_name(attr)


def _identifiers(event: m.EpcisEvent) -> _Found:
    for path, value in _identifier_fields(event):
        message = identifier_problem(value)
        if message:
            yield path, message, "identifier"


# Pure, and a batch names the same locations and items many times over.
@lru_cache(maxsize=1 << 16)
def identifier_problem(value: str) -> str | None:
    """Why an EPC URN or Digital Link identifier is invalid, None when fine or not checkable."""
    scheme = re.match(r"urn:epc:(?:id|class):([a-z]+):", value)
    if scheme and scheme.group(1) in SCHEMES:
        try:
            parse_epc_uri(value)
        except Gs1Error as error:
            return f"{value!r}: {error.message}"
        return None
    if value.startswith(("http://", "https://")) and canonical_dl(value) is not None:
        try:
            parse_digital_link(value)
        except Gs1Error as error:
            return f"{value!r}: {error.message}"
    return None


def _quantities(event: m.EpcisEvent) -> _Found:
    for attr in (
        "quantity_list",
        "child_quantity_list",
        "input_quantity_list",
        "output_quantity_list",
    ):
        for i, q in enumerate(getattr(event, attr, None) or ()):
            where = f"{_json_name(attr)}[{i}]"
            if q.quantity is not None and q.quantity < 0:
                yield f"{where}.quantity", "a quantity must not be negative", "quantity"
            if q.uom is not None and q.quantity is None:
                yield f"{where}.uom", "uom without quantity", "quantity"


def _structure(event: m.EpcisEvent) -> _Found:
    ilmd = getattr(event, "ilmd", None)
    if ilmd is not None and isinstance(event, m.ObjectEvent) and event.action != "ADD":
        yield "ilmd", "ILMD is only allowed on an ObjectEvent with action ADD", "ilmd-not-allowed"
    if (
        isinstance(event, m.AggregationEvent)
        and event.action in ("ADD", "DELETE")
        and not event.parent_id
    ):
        yield (
            "parentID",
            f"an AggregationEvent with action {event.action} needs parentID",
            "structure",
        )
