"""Capture documents from files, in batches: JSON read whole then sliced, XML streamed event by
event with `lxml.etree.iterparse`, so an import holds one batch of events at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs lags lxml

from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis import model as m
from livetrace.epcis.capture_input import CaptureLimits, Envelope, receive_json
from livetrace.epcis.errors import EpcisParseError
from livetrace.epcis.namespaces import DEFAULT_CONTEXT_URL
from livetrace.epcis.validation import validate_document, validate_xml_document

UNLIMITED = CaptureLimits(max_events=2**62, max_bytes=2**62)
_WRAPPERS = ("EventList", "extension")  # 1.x puts some events in an <extension> of the list


@dataclass(frozen=True, slots=True)
class FileDocument:
    """A capture document read from a file: envelope, event count, and its events in batches."""

    path: Path
    envelope: Envelope
    count: int
    batches: Iterator[list[Any]]


def is_xml(path: Path) -> bool:
    """Whether a file holds XML (by suffix, else by its first non-blank byte)."""
    if path.suffix.lower() == ".xml":
        return True
    with path.open("rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def open_document(path: Path, batch_size: int) -> FileDocument:
    """Read a capture file's envelope and prepare its event batches."""
    if is_xml(path):
        return FileDocument(
            path,
            Envelope(context=DEFAULT_CONTEXT_URL),
            _count_xml(path),
            _xml_batches(path, batch_size),
        )
    received = receive_json(bindings_json.loads(path.read_bytes()), UNLIMITED)
    events = received.events
    batches = (events[i : i + batch_size] for i in range(0, len(events), batch_size))
    return FileDocument(path, received.envelope, len(events), batches)


def validate_file(path: Path) -> list[Any]:
    """Every validation problem of a JSON or XML capture file."""
    data = path.read_bytes()
    return validate_xml_document(data) if is_xml(path) else validate_document(data)


def _event_elements(path: Path) -> Iterator[Any]:
    """Each event element of an XML document, freed once the caller moves on."""
    try:
        for _, element in etree.iterparse(
            str(path), events=("end",), **bindings_xml.PARSER_OPTIONS
        ):
            if _is_event(element):
                yield element
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise EpcisParseError(f"{path.name}: not well-formed XML: {error}", field="$") from error


def _is_event(element: Any) -> bool:
    if not isinstance(element.tag, str) or etree.QName(element).localname not in m.EVENT_CLASSES:
        return False
    parent = element.getparent()
    return parent is not None and etree.QName(parent).localname in _WRAPPERS


def _count_xml(path: Path) -> int:
    return sum(1 for _ in _event_elements(path))


def _xml_batches(path: Path, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for index, element in enumerate(_event_elements(path)):
        event = _xml_event(element, index)
        batch.append(bindings_json.event_to_json(event, with_context=True))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _xml_event(element: Any, index: int) -> m.EpcisEvent:
    try:
        return bindings_xml.parse_event(etree.tostring(element))
    except EpcisParseError as error:
        where = f"EventList[{index}]" + ("" if error.field in (None, "$") else f".{error.field}")
        raise EpcisParseError(error.message, field=where) from error
