"""Reading capture input: a JSON or XML body becomes an envelope plus raw JSON events, and batches
of those events are screened with every problem pinned to its event.

Choices:

* Problems that belong to no single event (not JSON/XML, not an EPCIS document, a bad envelope,
  too many events or bytes) reject the whole input before anything else happens: they are the
  "error while receiving" of the REST binding. Everything else is judged per event.
* XML is read into the event model and written out as the equivalent JSON document, which is then
  screened like any JSON capture; an XML event the reader cannot read rejects the document.
* Screening uses the reference validator's two passes (validation.py) with a faster gate in front:
  the same ratified schema compiled by `jsonschema-rs`. Only when the gate or the semantic pass
  objects does the reference validator run (per event), so messages are always the reference's.
  The gate is never more lenient: it also enforces `format: uri`, which the reference leaves out
  unless a URI library is installed; an event the gate alone objects to is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis import model as m
from livetrace.epcis.capture_errors import CaptureLimitExceededError, UnsupportedMediaTypeError
from livetrace.epcis.errors import EpcisError, EpcisParseError, EPCISValidationError
from livetrace.epcis.namespaces import context_prefixes
from livetrace.epcis.problems import ValidationProblem
from livetrace.epcis.semantics import check_events
from livetrace.epcis.validation import SCHEMA_FILES, raw_events, validate_document

JSON_MEDIA_TYPES = frozenset({"application/json", "application/ld+json"})
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
_DOC_EVENTS = "epcisBody.eventList"
_QUERY_EVENTS = "epcisBody.queryResults.resultsBody.eventList"
_DEFAULT_CREATION_DATE = "1970-01-01T00:00:00Z"


class MediaKind(StrEnum):
    """The two bindings capture reads."""

    JSON = "json"
    XML = "xml"


def media_kind(content_type: str | None) -> MediaKind:
    """The binding of a `Content-Type`; UnsupportedMediaTypeError for anything else."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in JSON_MEDIA_TYPES:
        return MediaKind.JSON
    if media in XML_MEDIA_TYPES:
        return MediaKind.XML
    accepted = ", ".join(sorted(JSON_MEDIA_TYPES | XML_MEDIA_TYPES))
    raise UnsupportedMediaTypeError(
        f"content type {media or '(none)'!r} is not supported; send one of {accepted}",
        field="Content-Type",
    )


@dataclass(frozen=True, slots=True)
class CaptureLimits:
    """Largest capture accepted in one call: events and bytes."""

    max_events: int
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a batch of events needs from its document: the `@context` and where events sit."""

    context: Any
    events_path: str = _DOC_EVENTS
    schema_version: str = "2.0"
    creation_date: str = _DEFAULT_CREATION_DATE

    def mini_document(self, events: Sequence[Any]) -> dict[str, Any]:
        """An EPCISDocument holding just `events` under this envelope (what gets validated)."""
        return {
            "@context": self.context,
            "type": "EPCISDocument",
            "schemaVersion": self.schema_version,
            "creationDate": self.creation_date,
            "epcisBody": {"eventList": list(events)},
        }


@dataclass(frozen=True, slots=True)
class ReceivedDocument:
    """A capture document that passed the document-level checks, with its raw JSON events."""

    envelope: Envelope
    events: list[Any]


def check_size(size: int, limits: CaptureLimits) -> None:
    """CaptureLimitExceededError when a body has more bytes than the limit."""
    if size > limits.max_bytes:
        raise CaptureLimitExceededError(
            f"the document is {size} bytes; the capture file size limit is {limits.max_bytes}",
            field="body",
        )


def receive(data: bytes, kind: MediaKind, limits: CaptureLimits) -> ReceivedDocument:
    """Read a capture body and run the document-level checks; raise if the document fails."""
    check_size(len(data), limits)
    if kind is MediaKind.XML:
        return receive_json(
            bindings_json.document_to_json(bindings_xml.parse_document(data)), limits
        )
    return receive_json(bindings_json.loads(data), limits)


def single_event(data: bytes, kind: MediaKind, limits: CaptureLimits) -> Any:
    """The JSON of one standalone event given as JSON or XML (`POST /events`)."""
    check_size(len(data), limits)
    if kind is MediaKind.XML:
        return bindings_json.event_to_json(bindings_xml.parse_event(data), with_context=True)
    return bindings_json.loads(data)


def receive_json(obj: Any, limits: CaptureLimits) -> ReceivedDocument:
    """The document-level checks on parsed JSON: type, event list, envelope, event count."""
    if not isinstance(obj, Mapping):
        raise EpcisParseError("an EPCIS document must be a JSON object", field="$")
    kind = obj.get("type")
    if kind not in ("EPCISDocument", "EPCISQueryDocument"):
        raise EpcisParseError(
            f"document type {kind!r} is not EPCISDocument or EPCISQueryDocument", field="type"
        )
    path = _DOC_EVENTS if kind == "EPCISDocument" else _QUERY_EVENTS
    events = raw_events(obj)
    if events is None:
        raise EpcisParseError("the document has no event list", field=path)
    if len(events) > limits.max_events:
        raise CaptureLimitExceededError(
            f"the document holds {len(events)} events; the capture limit is {limits.max_events}",
            field=path,
        )
    problems = validate_document(_emptied(obj, path))
    if problems:
        raise EPCISValidationError(problems)
    return ReceivedDocument(envelope_of(obj, path), events)


def envelope_of(obj: Mapping[str, Any], path: str = _DOC_EVENTS) -> Envelope:
    """The envelope of a (checked) document."""
    return Envelope(
        context=obj.get("@context"),
        events_path=path,
        schema_version=str(obj.get("schemaVersion") or "2.0"),
        creation_date=str(obj.get("creationDate") or _DEFAULT_CREATION_DATE),
    )


def _emptied(obj: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A copy of the document with an empty event list: what the envelope checks look at."""
    keys = path.split(".")
    out: dict[str, Any] = dict(obj)
    node = out
    for key in keys[:-1]:
        node[key] = dict(node[key])
        node = node[key]
    node[keys[-1]] = []
    return out


@dataclass(frozen=True, slots=True)
class Screened:
    """The events of a batch that passed validation, and the problems of the others.

    Indexes and paths count from the start of the whole document.
    """

    events: list[tuple[int, m.EpcisEvent]]
    problems: list[ValidationProblem]


def screen(envelope: Envelope, raw: Sequence[Any], offset: int = 0) -> Screened:
    """Validate a batch of raw events (at `offset` in their document) and parse the good ones."""
    doc = envelope.mini_document(raw)
    if _schema_gate().is_valid(doc):
        parsed = _parse_or_none(doc)
        if parsed is not None and not _semantic(envelope, parsed, raw):
            return Screened([(offset + i, e) for i, e in enumerate(parsed.events)], [])
    return _screen_each(envelope, raw, offset)


def _screen_each(envelope: Envelope, raw: Sequence[Any], offset: int) -> Screened:
    good: list[tuple[int, m.EpcisEvent]] = []
    problems: list[ValidationProblem] = []
    for i, item in enumerate(raw):
        event, found = _screen_one(envelope, item)
        if event is not None:
            good.append((offset + i, event))
        problems.extend(_moved(p, envelope.events_path, offset + i) for p in found)
    return Screened(good, problems)


def _screen_one(
    envelope: Envelope, item: Any
) -> tuple[m.EpcisEvent | None, list[ValidationProblem]]:
    doc = envelope.mini_document([item])
    if _schema_gate().is_valid(doc):
        parsed = _parse_or_none(doc)
        if parsed is not None and not _semantic(envelope, parsed, [item]):
            return parsed.events[0], []
    problems = validate_document(doc)
    if problems:
        return None, problems
    return bindings_json.parse_document(doc).events[0], []


def _parse_or_none(doc: Mapping[str, Any]) -> m.EpcisDocument | None:
    try:
        return bindings_json.parse_document(doc)
    except EpcisError:
        return None


def _semantic(envelope: Envelope, parsed: m.EpcisDocument, raw: Sequence[Any]) -> bool:
    """Whether the semantic pass finds anything."""
    prefixes = context_prefixes(envelope.context)
    return bool(check_events(parsed, list(raw), _DOC_EVENTS, prefixes))


def _moved(problem: ValidationProblem, events_path: str, index: int) -> ValidationProblem:
    """A problem of a one-event document, re-addressed to the event's place in its document."""
    local = f"{_DOC_EVENTS}[0]"
    path = problem.path
    if path.startswith(local):
        path = f"{events_path}[{index}]{path[len(local) :]}"
    return ValidationProblem(index, problem.event_id, path, problem.message, problem.code)


@cache
def _schema_gate() -> jsonschema_rs.Draft7Validator:
    """The ratified schema compiled by jsonschema-rs, resolving only the bundled schemas."""
    folder = resources.files("livetrace.epcis").joinpath("schema")
    schemas = {name: json.loads(folder.joinpath(name).read_text()) for name in SCHEMA_FILES}
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    return jsonschema_rs.Draft7Validator(
        schemas[SCHEMA_FILES[0]], registry=registry, validate_formats=True
    )
