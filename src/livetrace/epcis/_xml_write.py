"""Writing model objects as EPCIS 2.0 XML (used by bindings_xml)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs lags lxml (nsmap None keys)

from livetrace.epcis import model as m
from livetrace.epcis.errors import EpcisBindingError
from livetrace.epcis.fieldnames import binding_name, vocabulary
from livetrace.epcis.namespaces import GS1_PREFIXES

EPCIS = "urn:epcglobal:epcis:xsd:2"
EPCISQ = "urn:epcglobal:epcis-query:xsd:2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ORDER = (
    "event_time", "record_time", "event_time_zone_offset", "event_id", "error_declaration",
    "certification_info", "input_epc_list", "input_quantity_list", "output_epc_list",
    "output_quantity_list", "transformation_id", "parent_id", "epc_list", "child_epcs",
    "child_quantity_list", "action", "biz_step", "disposition", "read_point", "biz_location",
    "biz_transaction_list", "quantity_list", "source_list", "destination_list",
    "sensor_element_list", "persistent_disposition", "ilmd",
)  # fmt: skip
_TX_FIRST = ("biz_transaction_list", "parent_id", "epc_list", "action")


def _order(event: m.EpcisEvent) -> tuple[str, ...]:
    if isinstance(event, m.TransactionEvent):  # the XSD puts bizTransactionList first here
        head = _ORDER[:6]
        rest = tuple(a for a in _ORDER[6:] if a not in _TX_FIRST)
        return head + _TX_FIRST + rest
    return _ORDER


def _nsmap(namespaces: dict[str, str]) -> dict[str | None, str]:
    """Root bindings: EPCIS, xsi and the GS1 context prefixes (so `rdfs:`, `cbvmda:` keep theirs)."""
    out: dict[str | None, str] = {p: ns for p, ns in GS1_PREFIXES.items() if p != "epcis"}
    out.update({"epcis": EPCIS, "xsi": XSI})
    out.update(namespaces)
    return out


def document_element(doc: m.EpcisDocument) -> Any:
    """The `<epcis:EPCISDocument>` (or query document) element."""
    used: dict[str, str] = {}  # each event declares its own prefixes
    if doc.kind == "EPCISQueryDocument":
        nsmap = {**_nsmap(used), "epcisq": EPCISQ}
        root = etree.Element(f"{{{EPCISQ}}}EPCISQueryDocument", nsmap=nsmap)
    else:
        root = etree.Element(f"{{{EPCIS}}}EPCISDocument", nsmap=_nsmap(used))
    root.set("schemaVersion", doc.schema_version)
    if doc.creation_date:
        root.set("creationDate", doc.creation_date)
    body = etree.SubElement(root, "EPCISBody")
    if doc.kind == "EPCISQueryDocument":
        results = etree.SubElement(body, f"{{{EPCISQ}}}QueryResults")
        _text(results, "queryName", doc.query_name or "SimpleEventQuery")
        if doc.subscription_id:
            _text(results, "subscriptionID", doc.subscription_id)
        body = etree.SubElement(results, "resultsBody")
    events = etree.SubElement(body, "EventList")
    for event in doc.events:
        events.append(event_element(event))
    return root


def _text(parent: Any, name: str, value: str) -> Any:
    el = etree.SubElement(parent, name)
    el.text = value
    return el


def event_element(event: m.EpcisEvent, *, standalone: bool = False) -> Any:
    """One event element; `standalone` declares the namespaces it needs on itself."""
    writer = _Writer(dict(event.namespaces))
    nsmap = _nsmap(dict(event.namespaces)) if standalone else dict(event.namespaces)
    el = etree.Element(event.event_type, nsmap=nsmap or None)
    names = {f.name for f in fields(event)}
    for attr in _order(event):
        value = getattr(event, attr) if attr in names else None
        if value is not None:
            writer.field(el, attr, value)
    writer.members(el, event.extensions)
    return el


class _Writer:
    """Writes parts and extension members, resolving prefixes to namespaces."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self.prefixes = {**GS1_PREFIXES, **namespaces}
        uris = list(namespaces.values())
        # Two prefixes bound to one namespace: declare the one used on the element itself.
        self.shared = {u for u in uris if uris.count(u) > 1}

    def qname(self, key: str) -> str:
        prefix, sep, name = key.partition(":")
        if not sep:
            return key
        if prefix not in self.prefixes:
            raise EpcisBindingError(f"extension {key!r} uses an undeclared prefix", field=key)
        return f"{{{self.prefixes[prefix]}}}{name}"

    def field(self, parent: Any, attr: str, value: Any) -> None:
        name = binding_name(attr)
        if attr == "certification_info":
            for uri in (value,) if isinstance(value, str) else value:
                _text(parent, name, uri)
        elif attr in ("epc_list", "child_epcs", "input_epc_list", "output_epc_list"):
            el = etree.SubElement(parent, name)
            for epc in value:
                _text(el, "epc", epc)
        elif attr.endswith("quantity_list"):
            self._quantities(etree.SubElement(parent, name), value)
        elif isinstance(value, str):
            vocab = vocabulary("event", attr)
            _text(parent, name, vocab.to_urn(value) if vocab else value)
        else:
            self._part(parent, attr, value)

    def _quantities(self, el: Any, items: tuple[m.QuantityElement, ...]) -> None:
        for q in items:
            qe = etree.SubElement(el, "quantityElement")
            _text(qe, "epcClass", q.epc_class)
            if q.quantity is not None:
                _text(qe, "quantity", _number(q.quantity))
            if q.uom is not None:
                _text(qe, "uom", q.uom)

    def _part(self, parent: Any, attr: str, value: Any) -> None:
        name = binding_name(attr)
        if attr in ("read_point", "biz_location"):
            el = etree.SubElement(parent, name)
            _text(el, "id", value.id)
            self.members(el, value.extensions)
        elif attr == "persistent_disposition":
            el = etree.SubElement(parent, name)
            for key in ("set", "unset"):
                for v in getattr(value, key) or ():
                    _text(el, key, vocabulary("PersistentDisposition", key).to_urn(v))  # type: ignore[union-attr]
        elif attr == "biz_transaction_list":
            el = etree.SubElement(parent, name)
            for bt in value:
                child = _text(el, "bizTransaction", bt.biz_transaction)
                if bt.type is not None:
                    child.set("type", vocabulary("BizTransaction", "type").to_urn(bt.type))  # type: ignore[union-attr]
        elif attr in ("source_list", "destination_list"):
            el = etree.SubElement(parent, name)
            role = "source" if attr == "source_list" else "destination"
            for sd in value:
                child = _text(el, role, sd.value)
                child.set("type", vocabulary("SourceDest", "type").to_urn(sd.type))  # type: ignore[union-attr]
        elif attr == "sensor_element_list":
            self._sensors(etree.SubElement(parent, name), value)
        elif attr == "ilmd":
            self.members(etree.SubElement(parent, name), value)
        elif attr == "error_declaration":
            self._error_declaration(etree.SubElement(parent, name), value)

    def _sensors(self, el: Any, elements: tuple[m.SensorElement, ...]) -> None:
        for element in elements:
            se = etree.SubElement(el, "sensorElement")
            if element.sensor_metadata is not None:
                self._attrs(etree.SubElement(se, "sensorMetadata"), element.sensor_metadata)
            for report in element.sensor_report:
                self._attrs(etree.SubElement(se, "sensorReport"), report)
            self.members(se, element.extensions)

    def _attrs(self, el: Any, part: Any) -> None:
        for f in fields(part):
            value = getattr(part, f.name)
            if f.name == "extensions" or value is None:
                continue
            vocab = vocabulary(type(part).__name__, f.name)
            el.set(binding_name(f.name), vocab.to_urn(value) if vocab else _scalar(value))
        for key, value in part.extensions:
            if isinstance(value, dict | list):
                raise EpcisBindingError(
                    f"{key}: structured sensor extensions cannot be XML attributes", field=key
                )
            el.set(self.qname(key), _scalar(value))

    def _error_declaration(self, el: Any, ed: m.ErrorDeclaration) -> None:
        _text(el, "declarationTime", ed.declaration_time)
        if ed.reason is not None:
            _text(el, "reason", vocabulary("ErrorDeclaration", "reason").to_urn(ed.reason))  # type: ignore[union-attr]
        if ed.corrective_event_ids is not None:
            ids = etree.SubElement(el, "correctiveEventIDs")
            for event_id in ed.corrective_event_ids:
                _text(ids, "correctiveEventID", event_id)
        self.members(el, ed.extensions)

    def members(self, parent: Any, members: m.Extensions) -> None:
        """Extension members as child elements."""
        for key, value in members:
            self._member(parent, key, value)

    def _member(self, parent: Any, key: str, value: m.JsonValue) -> None:
        if key.startswith("@") and key != "@context":
            parent.set(self.qname(key[1:]), _scalar(value))
            return
        if key == "#text":
            parent.text = str(value)
            return
        if isinstance(value, list):
            for item in value:
                if isinstance(item, list):
                    raise EpcisBindingError(f"{key}: nested arrays have no XML form", field=key)
                self._member(parent, key, item)
            return
        if key.startswith("@"):
            raise EpcisBindingError(f"JSON-LD keyword {key} has no XML form", field=key)
        qname = self.qname(key)
        prefix = key.partition(":")[0]
        local_map = (
            {prefix: self.prefixes[prefix]}
            if ":" in key and self.prefixes.get(prefix) in self.shared
            else None
        )
        el = etree.SubElement(parent, qname, nsmap=local_map)
        if isinstance(value, dict):
            self.members(el, tuple(value.items()))
        elif value is None:
            el.set(f"{{{XSI}}}nil", "true")
        else:
            el.text = _scalar(value)
            _type_hint(el, value)


def _type_hint(el: Any, value: m.JsonValue) -> None:
    if isinstance(value, bool):
        el.set(f"{{{XSI}}}type", "xsd:boolean")
    elif isinstance(value, int):
        el.set(f"{{{XSI}}}type", "xsd:integer")
    elif isinstance(value, float):
        el.set(f"{{{XSI}}}type", "xsd:double")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    return str(value)


def _number(value: m.Number) -> str:
    return repr(value) if isinstance(value, float) else str(value)
