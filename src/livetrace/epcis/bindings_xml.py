"""EPCIS 2.0 XML binding: import and export of documents and single events.

Parsing is hardened: no network, no entity resolution, no DTD loading, huge trees refused.
1.x `<extension>`/`<baseExtension>` wrappers are flattened on import; standard elements may be
unqualified or in the EPCIS namespace.

Mapping of user extensions (JSON value ↔ element), chosen to round-trip with the JSON binding:
objects ↔ child elements, arrays ↔ repeated elements, strings ↔ text, numbers and booleans ↔
text with `xsi:type` (`xsd:integer`, `xsd:double`, `xsd:boolean`, as the GS1 examples do),
null ↔ `xsi:nil`. XML attributes on extension elements become `@prefix:name` members and their
text `#text`. Extensions of sensorMetadata/sensorReport are XML attributes, so only scalars fit.
A one-element JSON array and a single value cannot be told apart in XML (both are one element).
CBV values are written as CBV URNs (`urn:epcglobal:cbv:bizstep:shipping`); measurement and
alert types as `gs1:Temperature`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs lags lxml (nsmap None keys)

from livetrace.epcis import model as m
from livetrace.epcis._xml_events import read_event
from livetrace.epcis._xml_read import Reader, local
from livetrace.epcis._xml_write import document_element, event_element
from livetrace.epcis.errors import EpcisParseError

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
_DOC_ATTRS = {"schemaVersion": "schema_version", "creationDate": "creation_date"}


def _root(data: bytes | str) -> Any:
    parser = etree.XMLParser(**PARSER_OPTIONS)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        root = etree.fromstring(raw, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise EpcisParseError(f"not well-formed XML: {error}", field="$") from error
    if root is None:
        raise EpcisParseError("empty XML document", field="$")
    return root


def parse_document(data: bytes | str) -> m.EpcisDocument:
    """Read an EPCISDocument / EPCISQueryDocument (or a bare event) from XML."""
    root = _root(data)
    name = local(root)
    if name in m.EVENT_CLASSES:
        return m.EpcisDocument(events=(read_event(Reader(), root, "$"),))
    if name not in ("EPCISDocument", "EPCISQueryDocument"):
        raise EpcisParseError(f"root element {root.tag!r} is not an EPCIS document", field="$")
    # One reader per event: prefixes are scoped to the event that uses them.
    events = tuple(
        read_event(Reader(), el, f"EventList[{i}]")
        for i, el in enumerate(_event_elements(Reader(), root))
    )
    query = _first(root, "queryName")
    subscription = _first(root, "subscriptionID")
    return m.EpcisDocument(
        kind=name,
        schema_version=root.get("schemaVersion") or "2.0",
        creation_date=root.get("creationDate"),
        query_name=query,
        subscription_id=subscription,
        events=events,
    )


def parse_event(data: bytes | str) -> m.EpcisEvent:
    """Read a single event element."""
    root = _root(data)
    return read_event(Reader(), root, "$")


def _first(root: Any, name: str) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and local(el) == name:
            return (el.text or "").strip()
    return None


def _event_elements(reader: Reader, root: Any) -> list[Any]:
    """The event elements of every EventList, 1.x wrappers flattened."""
    out: list[Any] = []
    for el in root.iter():
        if isinstance(el.tag, str) and local(el) == "EventList":
            # Anything else in an EventList is an error read_event reports (unknown event type).
            out.extend(reader.members(el))
    return out


def to_xml(doc: m.EpcisDocument, *, pretty: bool = True) -> bytes:
    """Serialise a document as EPCIS 2.0 XML (UTF-8, with declaration)."""
    root = document_element(doc)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty))


def event_to_xml(event: m.EpcisEvent, *, pretty: bool = True) -> bytes:
    """Serialise one event as a standalone XML element."""
    element = event_element(event, standalone=True)
    return bytes(etree.tostring(element, encoding="UTF-8", pretty_print=pretty))
