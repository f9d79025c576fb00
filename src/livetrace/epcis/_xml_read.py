"""Reading EPCIS 2.0 XML into the model (used by bindings_xml)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs lags lxml (nsmap None keys)

from livetrace.epcis import model as m
from livetrace.epcis.errors import EpcisParseError
from livetrace.epcis.fieldnames import scalar_fields, vocabulary
from livetrace.epcis.namespaces import GS1_PREFIXES, extension_prefixes, json_keys, used_namespaces

EPCIS_NS = frozenset(
    {"urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:1", "urn:epcglobal:epcis-query:xsd:2",
     "urn:epcglobal:epcis-query:xsd:1"}
)  # fmt: skip
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_INT = re.compile(r"[+-]?\d+")
_WRAPPERS = frozenset({"extension", "baseExtension"})
_EPC_LISTS = {
    "epcList": "epc_list",
    "childEPCs": "child_epcs",
    "inputEPCList": "input_epc_list",
    "outputEPCList": "output_epc_list",
}
_QTY_LISTS = {
    "quantityList": "quantity_list",
    "childQuantityList": "child_quantity_list",
    "inputQuantityList": "input_quantity_list",
    "outputQuantityList": "output_quantity_list",
}


def local(el: Any) -> str | None:
    """The local name of a standard (no namespace or EPCIS namespace) element, else None."""
    qname = etree.QName(el)
    if qname.namespace is None or qname.namespace in EPCIS_NS:
        return str(qname.localname)
    return None


def text(el: Any) -> str:
    """Element text, whitespace trimmed."""
    return (el.text or "").strip()


def number(value: str, path: str) -> m.Number:
    """An xsd:decimal as int when integral in form, else float."""
    value = value.strip()
    try:
        return int(value) if _INT.fullmatch(value) else float(value)
    except ValueError as error:
        raise EpcisParseError(f"{value!r} is not a number", field=path) from error


class Reader:
    """Reads events while collecting the prefixes their extensions use."""

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = dict(GS1_PREFIXES)
        self._generated = 0

    def key(self, qname: etree.QName, el: Any) -> str:
        """A compact-IRI key for a namespaced element or attribute."""
        if qname.namespace is None:
            return str(qname.localname)
        prefix = (
            el.prefix
            if isinstance(el.tag, str) and etree.QName(el).namespace == qname.namespace
            else None
        )
        if not prefix:
            prefix = next((p for p, ns in el.nsmap.items() if ns == qname.namespace and p), None)
        if prefix is None:
            prefix = next((p for p, ns in self.prefixes.items() if ns == qname.namespace), None)
        if prefix is None:
            self._generated += 1
            prefix = f"ns{self._generated}"
        # The binding in scope wins over the GS1 default (e.g. `cbvmda` with a trailing colon).
        self.prefixes[prefix] = qname.namespace
        return f"{prefix}:{qname.localname}"

    def ext_value(self, el: Any) -> m.JsonValue:
        """An extension element as a JSON value (children → object, repeats → array)."""
        attrs = {
            "@" + self.key(etree.QName(k), el): v
            for k, v in el.attrib.items()
            if etree.QName(k).namespace != XSI
        }
        children = [c for c in el if isinstance(c.tag, str)]
        if el.get(f"{{{XSI}}}nil") == "true":
            return None
        if not children and not attrs:
            return _typed(text(el), el.get(f"{{{XSI}}}type"))
        obj: dict[str, m.JsonValue] = dict(attrs)
        for child in children:
            _add(obj, self.key(etree.QName(child), child), self.ext_value(child))
        if attrs and text(el):
            obj["#text"] = text(el)
        return obj

    def ext_member(self, el: Any) -> tuple[str, m.JsonValue]:
        """(key, value) for an extension element."""
        return self.key(etree.QName(el), el), self.ext_value(el)

    def members(self, parent: Any) -> Iterator[Any]:
        """Child elements, with 1.x `extension`/`baseExtension` wrappers flattened."""
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            if local(child) in _WRAPPERS:
                yield from self.members(child)
            else:
                yield child

    def namespaces_for(self, keys: list[str]) -> m.Namespaces:
        """The bindings of the prefixes `keys` use."""
        return used_namespaces(self.prefixes, extension_prefixes(keys))


def _typed(value: str, xsi_type: str | None) -> m.JsonValue:
    kind = (xsi_type or "").rpartition(":")[2]
    try:
        if kind in ("integer", "int", "long", "short"):
            return int(value)
        if kind in ("double", "decimal", "float"):
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value


def _add(obj: dict[str, m.JsonValue], key: str, value: m.JsonValue) -> None:
    """Add a member; a repeated key turns into an array."""
    if key not in obj:
        obj[key] = value
        return
    current = obj[key]
    if isinstance(current, list):
        current.append(value)
    else:
        obj[key] = [current, value]


def merge_members(pairs: list[tuple[str, m.JsonValue]]) -> m.Extensions:
    """Extension (key, value) pairs with repeated keys merged into arrays, order kept."""
    merged: dict[str, m.JsonValue] = {}
    for key, value in pairs:
        _add(merged, key, value)
    return tuple(merged.items())


def all_keys(members: m.Extensions) -> list[str]:
    """Every key used in extension members, nested ones included."""
    return [k for key, value in members for k in (key, *json_keys(value))]


def read_attrs(reader: Reader, cls: type[Any], el: Any, path: str) -> Any:
    """A sensor part from XML attributes; namespaced attributes become extensions."""
    scalars = scalar_fields(cls)
    kwargs: dict[str, Any] = {}
    ext: list[tuple[str, m.JsonValue]] = []
    for name, value in el.attrib.items():
        qname = etree.QName(name)
        if qname.namespace is None and qname.localname in scalars:
            attr, kind = scalars[qname.localname]
            kwargs[attr] = convert(value, kind, f"{path}.{qname.localname}", cls.__name__, attr)
        elif qname.namespace != XSI:
            ext.append((reader.key(qname, el), value))
    ext.extend(reader.ext_member(c) for c in reader.members(el))
    return cls(**kwargs, extensions=merge_members(ext))


def convert(value: str, kind: str, path: str, owner: str, attr: str) -> Any:
    """A text value converted to its field's kind, CBV values to bare words."""
    if kind == "num":
        return number(value, path)
    if kind == "bool":
        if value.strip() not in ("true", "false", "1", "0"):
            raise EpcisParseError(f"{value!r} is not a boolean", field=path)
        return value.strip() in ("true", "1")
    vocab = vocabulary(owner, attr)
    value = value.strip()
    return vocab.to_bare(value) if vocab else value
