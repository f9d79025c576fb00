"""Validation of EPCIS JSON documents in two passes.

(a) The ratified EPCIS 2.0.1 JSON Schema (draft-07) with format checking, resolved through a
local `referencing` registry: nothing is fetched. (b) The semantics the schema misses
(semantics.py): CBV code lists, declared extension prefixes, identifier syntax and check digits,
timestamps and offsets, where ILMD may appear, quantities.

`validate_document` returns every problem; `check_document` raises one EPCISValidationError
carrying them all, or returns the parsed document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import (
    ValidationError as SchemaError,
)
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis.errors import EpcisError, EPCISValidationError
from livetrace.epcis.model import EpcisDocument
from livetrace.epcis.namespaces import context_prefixes
from livetrace.epcis.problems import ValidationProblem
from livetrace.epcis.semantics import check_events

SCHEMA_FILES = ("epcis-json-schema.json", "query-schema.json")
_EVENT_PATHS = (
    ("epcisBody", "eventList"),
    ("epcisBody", "queryResults", "resultsBody", "eventList"),
)


@cache
def _registry() -> tuple[Registry, dict[str, Any]]:
    """The local registry of the bundled schemas, and the document schema."""
    schemas = {
        name: json.loads(resources.files("livetrace.epcis").joinpath("schema", name).read_text())
        for name in SCHEMA_FILES
    }
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7))
        for s in schemas.values()
    )
    return registry, schemas["epcis-json-schema.json"]


@cache
def _validator() -> Draft7Validator:
    registry, schema = _registry()
    return Draft7Validator(schema, registry=registry, format_checker=FormatChecker())


def schema_problems(obj: Any) -> list[ValidationProblem]:
    """Pass (a): every JSON Schema violation, attributed to its event where possible."""
    problems = []
    for error in _validator().iter_errors(obj):
        leaf = best_match([error, *error.context]) if error.context else error
        problems.append(_problem(obj, leaf, error))
    return problems


def _problem(obj: Any, leaf: SchemaError, top: SchemaError) -> ValidationProblem:
    path = list(leaf.absolute_path) or list(top.absolute_path)
    index = _event_index(path)
    event_id = _event_id(obj, path, index)
    return ValidationProblem(index, event_id, format_path(path), leaf.message, "schema")


def _event_index(path: list[Any]) -> int | None:
    for prefix in _EVENT_PATHS:
        n = len(prefix)
        if tuple(path[:n]) == prefix and len(path) > n and isinstance(path[n], int):
            return int(path[n])
    return 0 if path and path[0] != "epcisBody" and path[0] not in ("@context",) else None


def _event_id(obj: Any, path: list[Any], index: int | None) -> str | None:
    if index is None or not isinstance(obj, Mapping):
        return None
    events = raw_events(obj)
    if events is None:
        value = obj.get("eventID")
    else:
        value = (
            events[index].get("eventID")
            if index < len(events) and isinstance(events[index], Mapping)
            else None
        )
    return value if isinstance(value, str) else None


def raw_events(obj: Mapping[str, Any]) -> list[Any] | None:
    """The raw event list of a document (None for a bare event)."""
    for prefix in _EVENT_PATHS:
        node: Any = obj
        for key in prefix:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, list):
            return node
    return None


def format_path(path: list[Any]) -> str:
    """`['epcisBody', 'eventList', 0, 'bizStep']` → `epcisBody.eventList[0].bizStep`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_document(data: bytes | str | Mapping[str, Any]) -> list[ValidationProblem]:
    """Every schema and semantic problem of an EPCIS JSON document (empty when valid)."""
    try:
        obj = bindings_json.loads(data) if isinstance(data, bytes | str) else data
    except EpcisError as error:
        return [ValidationProblem(None, None, "$", error.message, "parse")]
    problems = schema_problems(obj)
    problems.extend(_semantic_problems(obj)[1])
    return problems


def _semantic_problems(obj: Any) -> tuple[EpcisDocument | None, list[ValidationProblem]]:
    try:
        doc = bindings_json.parse_document(obj)
    except EpcisError as error:
        path = error.field or "$"
        index = _index_from_text(path)
        return None, [ValidationProblem(index, None, path, error.message, "parse")]
    events = raw_events(obj) or []
    base = (
        "epcisBody.eventList"
        if doc.kind == "EPCISDocument"
        else ("epcisBody.queryResults.resultsBody.eventList")
    )
    return doc, check_events(doc, events, base, context_prefixes(obj.get("@context")))


def _index_from_text(path: str) -> int | None:
    marker = "eventList["
    if marker not in path:
        return None
    return int(path.split(marker, 1)[1].split("]", 1)[0])


def check_document(data: bytes | str | Mapping[str, Any]) -> EpcisDocument:
    """The parsed document, or EPCISValidationError listing every problem."""
    problems = validate_document(data)
    if problems:
        raise EPCISValidationError(problems)
    obj = bindings_json.loads(data) if isinstance(data, bytes | str) else data
    return bindings_json.parse_document(obj)


def validate_event(data: bytes | str | Mapping[str, Any]) -> list[ValidationProblem]:
    """Problems of a single JSON event with its own `@context` (POST /events)."""
    try:
        obj = bindings_json.loads(data) if isinstance(data, bytes | str) else data
        problems = schema_problems(obj)
        doc = {
            "@context": obj.get("@context"),
            "type": "EPCISDocument",
            "epcisBody": {"eventList": [obj]},
        }
    except (EpcisError, AttributeError) as error:
        return [ValidationProblem(None, None, "$", str(error), "parse")]
    semantic = _semantic_problems(doc)[1]
    problems.extend(
        ValidationProblem(
            p.event_index,
            p.event_id,
            p.path.replace("epcisBody.eventList[0]", "$"),
            p.message,
            p.code,
        )
        for p in semantic
    )
    return problems


def validate_xml_document(data: bytes | str) -> list[ValidationProblem]:
    """Problems of an XML document: read it, then validate its JSON form (paths are JSON paths).

    Element order is not checked: the reader accepts the XSD's fields in any order.
    """
    try:
        doc = bindings_xml.parse_document(data)
        obj = bindings_json.document_to_json(doc)
    except EpcisError as error:
        return [ValidationProblem(None, None, error.field or "$", error.message, "parse")]
    return validate_document(obj)
