"""Reading one XML event element into a model event (used by bindings_xml)."""

from __future__ import annotations

from typing import Any

from livetrace.epcis import model as m
from livetrace.epcis._xml_read import (
    _EPC_LISTS,
    _QTY_LISTS,
    Reader,
    all_keys,
    convert,
    local,
    merge_members,
    number,
    read_attrs,
    text,
)
from livetrace.epcis.errors import EpcisParseError
from livetrace.epcis.fieldnames import scalar_fields


def read_event(reader: Reader, el: Any, path: str) -> m.EpcisEvent:
    """A model event from an `<ObjectEvent>` … element."""
    cls = m.EVENT_CLASSES.get(local(el) or "")
    if cls is None:
        raise EpcisParseError(f"unknown event element {el.tag!r}", field=path)
    names = set(cls.__dataclass_fields__)
    scalars = scalar_fields(cls)
    kwargs: dict[str, Any] = {}
    ext: list[tuple[str, m.JsonValue]] = []
    certification: list[str] = []
    for child in reader.members(el):
        name = local(child)
        where = f"{path}.{name}"
        if name == "certificationInfo":
            certification.append(text(child))
        elif name in scalars and scalars[name][1] == "str":
            attr = scalars[name][0]
            kwargs[attr] = convert(text(child), "str", where, "event", attr)
        elif name in _PARTS and _PARTS[name][0] in names:
            attr, read = _PARTS[name]
            kwargs[attr] = read(reader, child, where)
        else:
            ext.append(reader.ext_member(child))
    if certification:
        kwargs["certification_info"] = (
            certification[0] if len(certification) == 1 else tuple(certification)
        )
    kwargs["extensions"] = merge_members(ext)
    return _build(reader, cls, kwargs, path)


def _build(
    reader: Reader, cls: type[m.EpcisEvent], kwargs: dict[str, Any], path: str
) -> m.EpcisEvent:
    keys: list[str] = []
    for value in kwargs.values():
        keys.extend(_extension_keys(value))
    kwargs["namespaces"] = reader.namespaces_for(keys)
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise EpcisParseError(f"{cls.event_type}: {error}", field=path) from error


def _extension_keys(value: Any) -> list[str]:
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        return all_keys(value)
    if isinstance(value, tuple):
        return [k for v in value for k in _extension_keys(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [k for n in value.__dataclass_fields__ for k in _extension_keys(getattr(value, n))]
    return []


def _children(reader: Reader, el: Any, name: str) -> list[Any]:
    return [c for c in reader.members(el) if local(c) == name]


def _epcs(reader: Reader, el: Any, path: str) -> tuple[str, ...]:
    return tuple(text(c) for c in _children(reader, el, "epc"))


def _quantities(reader: Reader, el: Any, path: str) -> tuple[m.QuantityElement, ...]:
    out = []
    for i, q in enumerate(_children(reader, el, "quantityElement")):
        values = {local(c): text(c) for c in reader.members(q)}
        if "epcClass" not in values:
            raise EpcisParseError("quantityElement needs epcClass", field=f"{path}[{i}]")
        qty = values.get("quantity")
        out.append(
            m.QuantityElement(
                epc_class=values["epcClass"] or "",
                quantity=number(qty, f"{path}[{i}].quantity") if qty else None,
                uom=values.get("uom"),
            )
        )
    return tuple(out)


def _location(reader: Reader, el: Any, path: str) -> m.Location:
    ident, ext = None, []
    for child in reader.members(el):
        if local(child) == "id":
            ident = text(child)
        else:
            ext.append(reader.ext_member(child))
    if ident is None:
        raise EpcisParseError("needs an id", field=path)
    return m.Location(id=ident, extensions=merge_members(ext))


def _persistent(reader: Reader, el: Any, path: str) -> m.PersistentDisposition:
    def values(name: str) -> tuple[str, ...] | None:
        found = [
            convert(text(c), "str", path, "PersistentDisposition", name)
            for c in _children(reader, el, name)
        ]
        return tuple(found) if found else None

    return m.PersistentDisposition(set=values("set"), unset=values("unset"))


def _biz_transactions(reader: Reader, el: Any, path: str) -> tuple[m.BizTransaction, ...]:
    return tuple(
        m.BizTransaction(
            biz_transaction=text(c),
            type=convert(c.get("type"), "str", path, "BizTransaction", "type")
            if c.get("type")
            else None,
        )
        for c in _children(reader, el, "bizTransaction")
    )


def _source_dest(role: str) -> Any:
    def read(reader: Reader, el: Any, path: str) -> tuple[m.SourceDest, ...]:
        return tuple(
            m.SourceDest(
                type=convert(c.get("type") or "", "str", path, "SourceDest", "type"), value=text(c)
            )
            for c in _children(reader, el, role)
        )

    return read


def _sensors(reader: Reader, el: Any, path: str) -> tuple[m.SensorElement, ...]:
    out = []
    for i, se in enumerate(_children(reader, el, "sensorElement")):
        where = f"{path}[{i}]"
        metadata, reports, ext = None, [], []
        for child in reader.members(se):
            name = local(child)
            if name == "sensorMetadata":
                metadata = read_attrs(reader, m.SensorMetadata, child, f"{where}.sensorMetadata")
            elif name == "sensorReport":
                reports.append(read_attrs(reader, m.SensorReport, child, f"{where}.sensorReport"))
            else:
                ext.append(reader.ext_member(child))
        out.append(
            m.SensorElement(
                sensor_metadata=metadata,
                sensor_report=tuple(reports),
                extensions=merge_members(ext),
            )
        )
    return tuple(out)


def _ilmd(reader: Reader, el: Any, path: str) -> m.Extensions:
    return merge_members([reader.ext_member(c) for c in reader.members(el)])


def _error_declaration(reader: Reader, el: Any, path: str) -> m.ErrorDeclaration:
    values: dict[str, Any] = {}
    ext = []
    for child in reader.members(el):
        name = local(child)
        if name == "declarationTime":
            values["declaration_time"] = text(child)
        elif name == "reason":
            values["reason"] = convert(text(child), "str", path, "ErrorDeclaration", "reason")
        elif name == "correctiveEventIDs":
            values["corrective_event_ids"] = tuple(
                text(c) for c in _children(reader, child, "correctiveEventID")
            )
        else:
            ext.append(reader.ext_member(child))
    if "declaration_time" not in values:
        raise EpcisParseError("errorDeclaration needs declarationTime", field=path)
    return m.ErrorDeclaration(**values, extensions=merge_members(ext))


_PARTS: dict[str, tuple[str, Any]] = {
    **{name: (attr, _epcs) for name, attr in _EPC_LISTS.items()},
    **{name: (attr, _quantities) for name, attr in _QTY_LISTS.items()},
    "persistentDisposition": ("persistent_disposition", _persistent),
    "readPoint": ("read_point", _location),
    "bizLocation": ("biz_location", _location),
    "bizTransactionList": ("biz_transaction_list", _biz_transactions),
    "sourceList": ("source_list", _source_dest("source")),
    "destinationList": ("destination_list", _source_dest("destination")),
    "sensorElementList": ("sensor_element_list", _sensors),
    "ilmd": ("ilmd", _ilmd),
    "errorDeclaration": ("error_declaration", _error_declaration),
}
