"""Reading the parts of a JSON event into model objects (used by bindings_json)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from livetrace.epcis import model as m
from livetrace.epcis.errors import EpcisParseError
from livetrace.epcis.fieldnames import scalar_fields, vocabulary


def scalar(value: Any, kind: str, path: str, owner: str = "", attr: str = "") -> Any:
    """Check a JSON scalar (or list of strings) against its kind; normalise CBV words."""
    if kind == "str+strs":
        kind = "strs" if isinstance(value, list) else "str"
    if kind == "str" and isinstance(value, str):
        vocab = vocabulary(owner, attr)
        return vocab.to_bare(value) if vocab else value
    if kind == "num" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "strs" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        vocab = vocabulary(owner, attr)
        return tuple(vocab.to_bare(v) if vocab else v for v in value)
    expected = {"str": "a string", "num": "a number", "bool": "a boolean"}
    raise EpcisParseError(f"must be {expected.get(kind, 'an array of strings')}", field=path)


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EpcisParseError("must be an object", field=path)
    return value


def _array(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise EpcisParseError("must be an array", field=path)
    return value


def read_part(
    cls: type[Any], value: Any, path: str, *, nested: Mapping[str, Callable[..., Any]] | None = None
) -> Any:
    """A part object: standard scalar keys, `nested` readers, the rest as extensions (if any)."""
    obj = _object(value, path)
    scalars = scalar_fields(cls)
    allows_ext = _allows_extensions(cls)
    kwargs: dict[str, Any] = {}
    extensions: list[tuple[str, Any]] = []
    for key, item in obj.items():
        where = f"{path}.{key}"
        if key in scalars:
            attr, kind = scalars[key]
            kwargs[attr] = scalar(item, kind, where, cls.__name__, attr)
        elif nested and key in nested:
            kwargs[_attr(key)] = nested[key](item, where)
        elif allows_ext:
            extensions.append((key, item))
        else:
            raise EpcisParseError(f"{key!r} is not a field of {cls.__name__}", field=where)
    if allows_ext:
        kwargs["extensions"] = tuple(extensions)
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise EpcisParseError(f"{cls.__name__} is incomplete: {error}", field=path) from error


_EXTENSIBLE: dict[type[Any], bool] = {}
_NAMES: dict[type[Any], frozenset[str]] = {}


def _field_names(cls: type[Any]) -> frozenset[str]:
    if cls not in _NAMES:
        _NAMES[cls] = frozenset(f.name for f in fields(cls))
    return _NAMES[cls]


def _allows_extensions(cls: type[Any]) -> bool:
    if cls not in _EXTENSIBLE:
        _EXTENSIBLE[cls] = any(f.name == "extensions" for f in fields(cls))
    return _EXTENSIBLE[cls]


def _attr(key: str) -> str:
    return {"sensorMetadata": "sensor_metadata", "sensorReport": "sensor_report"}.get(key, key)


def quantity_list(value: Any, path: str) -> tuple[m.QuantityElement, ...]:
    """A quantityList-like array."""
    return tuple(
        read_part(m.QuantityElement, v, f"{path}[{i}]") for i, v in enumerate(_array(value, path))
    )


def biz_transactions(value: Any, path: str) -> tuple[m.BizTransaction, ...]:
    """A bizTransactionList."""
    return tuple(
        read_part(m.BizTransaction, v, f"{path}[{i}]") for i, v in enumerate(_array(value, path))
    )


def source_dest(role: str) -> Callable[[Any, str], tuple[m.SourceDest, ...]]:
    """A reader for sourceList (`role` = source) or destinationList."""

    def read(value: Any, path: str) -> tuple[m.SourceDest, ...]:
        out = []
        for i, item in enumerate(_array(value, path)):
            obj = dict(_object(item, f"{path}[{i}]"))
            if role in obj:
                obj["value"] = obj.pop(role)
            out.append(read_part(m.SourceDest, obj, f"{path}[{i}]"))
        return tuple(out)

    return read


def sensor_elements(value: Any, path: str) -> tuple[m.SensorElement, ...]:
    """A sensorElementList."""
    nested = {
        "sensorMetadata": lambda v, p: read_part(m.SensorMetadata, v, p),
        "sensorReport": lambda v, p: tuple(
            read_part(m.SensorReport, r, f"{p}[{i}]") for i, r in enumerate(_array(v, p))
        ),
    }
    return tuple(
        read_part(m.SensorElement, v, f"{path}[{i}]", nested=nested)
        for i, v in enumerate(_array(value, path))
    )


def extension_members(value: Any, path: str) -> m.Extensions:
    """An object whose members are all extensions (ilmd)."""
    return tuple(_object(value, path).items())


def location(value: Any, path: str) -> m.Location:
    """A readPoint or bizLocation."""
    return read_part(m.Location, value, path)  # type: ignore[no-any-return]


PARTS: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "quantityList": ("quantity_list", quantity_list),
    "childQuantityList": ("child_quantity_list", quantity_list),
    "inputQuantityList": ("input_quantity_list", quantity_list),
    "outputQuantityList": ("output_quantity_list", quantity_list),
    "persistentDisposition": (
        "persistent_disposition",
        lambda v, p: read_part(m.PersistentDisposition, v, p),
    ),
    "readPoint": ("read_point", location),
    "bizLocation": ("biz_location", location),
    "bizTransactionList": ("biz_transaction_list", biz_transactions),
    "sourceList": ("source_list", source_dest("source")),
    "destinationList": ("destination_list", source_dest("destination")),
    "sensorElementList": ("sensor_element_list", sensor_elements),
    "ilmd": ("ilmd", extension_members),
    "errorDeclaration": ("error_declaration", lambda v, p: read_part(m.ErrorDeclaration, v, p)),
}


def read_event_fields(cls: type[m.EpcisEvent], obj: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Keyword arguments for `cls` from a JSON event; unknown keys become extensions."""
    names = _field_names(cls)
    scalars = scalar_fields(cls)
    kwargs: dict[str, Any] = {}
    extensions: list[tuple[str, Any]] = []
    for key, value in obj.items():
        where = f"{path}.{key}"
        if key == "type":
            continue
        if key == "@context":
            kwargs["context"] = value
            continue
        if key in scalars:
            attr, kind = scalars[key]
            kwargs[attr] = scalar(value, kind, where, "event", attr)
        elif key in PARTS and PARTS[key][0] in names:
            attr, reader = PARTS[key]
            kwargs[attr] = reader(value, where)
        else:
            extensions.append((key, value))
    kwargs["extensions"] = tuple(extensions)
    for required in ("event_time", "event_time_zone_offset", "action"):
        if required in names and required not in kwargs:
            raise EpcisParseError(f"{cls.event_type} needs {required}", field=path)
    return kwargs
