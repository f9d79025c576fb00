"""EPCIS 2.0 JSON / JSON-LD binding: read and write `EPCISDocument` and `EPCISQueryDocument`.

Reading accepts the GS1 `@context` as a string or inside an array with extra prefix objects,
CBV values as bare words, compact IRIs (`cbv:BizStep-shipping`), Web URIs or URNs, and stores
them as bare words (cbv.py). Writing produces the standard form: bare words, the `@context`
as read (or the GS1 context plus the prefixes the events use).

Reading is lenient about keys the standard does not define: they are kept as extensions, in
order, for the validator to judge. Wrong JSON types in standard fields raise EpcisParseError
naming the path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from livetrace.epcis import model as m
from livetrace.epcis._json_parts import read_event_fields
from livetrace.epcis._json_write import event_to_json_fields
from livetrace.epcis.errors import EpcisParseError
from livetrace.epcis.namespaces import (
    DEFAULT_CONTEXT_URL,
    GS1_PREFIXES,
    context_prefixes,
    extension_prefixes,
    json_keys,
    used_namespaces,
)

_DOC_KINDS = ("EPCISDocument", "EPCISQueryDocument")
_DOC_SCALARS = {
    "id": "id",
    "schemaVersion": "schema_version",
    "creationDate": "creation_date",
    "sender": "sender",
    "receiver": "receiver",
    "instanceIdentifier": "instance_identifier",
}


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raise EpcisParseError on malformed input."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise EpcisParseError(f"not valid JSON: {error}", field="$") from error


def parse_document(data: bytes | str | Mapping[str, Any]) -> m.EpcisDocument:
    """Read an EPCISDocument or EPCISQueryDocument from JSON text or a parsed mapping."""
    obj = loads(data) if isinstance(data, bytes | str) else data
    if not isinstance(obj, Mapping):
        raise EpcisParseError("an EPCIS document must be a JSON object", field="$")
    kind = obj.get("type")
    if kind not in _DOC_KINDS:
        raise EpcisParseError(f"document type {kind!r} is not one of {_DOC_KINDS}", field="type")
    context = obj.get("@context")
    prefixes = context_prefixes(context)
    events_path, raw_events = _event_list(obj, kind)
    events = tuple(
        parse_event(e, prefixes=prefixes, path=f"{events_path}[{i}]")
        for i, e in enumerate(raw_events)
    )
    return _document(obj, kind, context, prefixes, events)


def _document(
    obj: Mapping[str, Any],
    kind: str,
    context: Any,
    prefixes: dict[str, str],
    events: tuple[m.EpcisEvent, ...],
) -> m.EpcisDocument:
    scalars = {attr: _opt_str(obj, key, key) for key, attr in _DOC_SCALARS.items()}
    scalars["schema_version"] = scalars["schema_version"] or "2.0"
    known = {"@context", "type", "epcisHeader", "epcisBody", *_DOC_SCALARS}
    extensions = tuple((k, v) for k, v in obj.items() if k not in known)
    results = _query_results(obj) if kind == "EPCISQueryDocument" else {}
    used = extension_prefixes(k for k, v in extensions for k in (k, *json_keys(v)))
    return m.EpcisDocument(
        kind=kind,
        context=tuple(context) if isinstance(context, list) else (context,) if context else (),
        header=obj.get("epcisHeader"),
        query_name=_opt_str(results, "queryName", "epcisBody.queryResults.queryName"),
        subscription_id=_opt_str(results, "subscriptionID", "epcisBody.queryResults"),
        events=events,
        extensions=extensions,
        namespaces=used_namespaces(prefixes, used),
        **scalars,
    )


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise EpcisParseError(f"{key} must be a string", field=path)
    return value


def _query_results(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    body = obj.get("epcisBody")
    results = body.get("queryResults") if isinstance(body, Mapping) else None
    return results if isinstance(results, Mapping) else {}


def _event_list(obj: Mapping[str, Any], kind: str) -> tuple[str, list[Any]]:
    body = obj.get("epcisBody")
    if not isinstance(body, Mapping):
        raise EpcisParseError("epcisBody must be an object", field="epcisBody")
    if kind == "EPCISDocument":
        path, events = "epcisBody.eventList", body.get("eventList")
    else:
        results = _query_results(obj)
        rbody = results.get("resultsBody")
        path = "epcisBody.queryResults.resultsBody.eventList"
        events = rbody.get("eventList") if isinstance(rbody, Mapping) else None
    if not isinstance(events, list):
        raise EpcisParseError("the event list must be an array", field=path)
    return path, events


def parse_event(
    obj: Any, *, prefixes: Mapping[str, str] | None = None, path: str = "$"
) -> m.EpcisEvent:
    """Read one event object; `prefixes` are the namespace bindings in scope."""
    if not isinstance(obj, Mapping):
        raise EpcisParseError("an event must be a JSON object", field=path)
    scope = dict(prefixes or GS1_PREFIXES)
    if "@context" in obj:
        scope.update(context_prefixes(obj["@context"]))
    type_name = obj.get("type")
    cls = m.EVENT_CLASSES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise EpcisParseError(f"unknown event type {obj.get('type')!r}", field=f"{path}.type")
    kwargs = read_event_fields(cls, obj, path)
    used = extension_prefixes(_all_extension_keys(kwargs))
    kwargs["namespaces"] = used_namespaces(scope, used)
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise EpcisParseError(f"{cls.event_type}: {error}", field=path) from error


def _all_extension_keys(kwargs: Mapping[str, Any]) -> list[str]:
    """Keys of every extension member in an event's parts (for the namespaces it needs)."""
    keys: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, tuple) and value and all(_is_pair(v) for v in value):
            for key, item in value:
                keys.append(key)
                keys.extend(json_keys(item))
        elif isinstance(value, tuple):
            for item in value:
                if not isinstance(item, str):  # identifiers: the bulk of most tuples
                    walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                item = getattr(value, name)
                if item is not None and not isinstance(item, str | int | float):
                    walk(item)

    for value in kwargs.values():
        walk(value)
    return keys


def _is_pair(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)


def event_to_json(event: m.EpcisEvent, *, with_context: bool = False) -> dict[str, Any]:
    """The standard JSON object of an event (bare CBV words, extensions last, in order)."""
    out: dict[str, Any] = {}
    if with_context or event.context is not None:
        out["@context"] = event.context or default_context(event.namespaces)
    out["type"] = event.event_type
    out.update(event_to_json_fields(event))
    return out


def default_context(namespaces: m.Namespaces) -> Any:
    """The GS1 context URL, followed by one object per extra prefix binding."""
    extra = [{p: iri} for p, iri in namespaces if GS1_PREFIXES.get(p) != iri]
    return [DEFAULT_CONTEXT_URL, *extra] if extra else DEFAULT_CONTEXT_URL


def document_to_json(doc: m.EpcisDocument) -> dict[str, Any]:
    """The standard JSON object of a document."""
    out: dict[str, Any] = {"@context": _document_context(doc), "type": doc.kind}
    for key, attr in _DOC_SCALARS.items():
        if getattr(doc, attr) is not None:
            out[key] = getattr(doc, attr)
    if doc.header is not None:
        out["epcisHeader"] = doc.header
    events = [event_to_json(e) for e in doc.events]
    if doc.kind == "EPCISDocument":
        out["epcisBody"] = {"eventList": events}
    else:
        results: dict[str, Any] = {}
        if doc.subscription_id is not None:
            results["subscriptionID"] = doc.subscription_id
        results["queryName"] = doc.query_name or "SimpleEventQuery"
        results["resultsBody"] = {"eventList": events}
        out["epcisBody"] = {"queryResults": results}
    out.update(doc.extensions)
    return out


def _document_context(doc: m.EpcisDocument) -> Any:
    """The context as read, or the GS1 context plus every prefix the document uses."""
    needed = dict(doc.namespaces)
    for event in doc.events:
        needed.update(event.namespaces)
    if doc.context:
        declared = context_prefixes(list(doc.context))
        missing = {p: iri for p, iri in needed.items() if declared.get(p) != iri}
        if not missing:
            return list(doc.context) if len(doc.context) > 1 else doc.context[0]
    return default_context(tuple(sorted(needed.items())))


def dumps(doc: m.EpcisDocument, *, indent: int | None = 2) -> str:
    """Serialise a document as JSON text."""
    return json.dumps(document_to_json(doc), indent=indent, ensure_ascii=False)
