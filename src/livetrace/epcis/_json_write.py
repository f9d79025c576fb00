"""Writing model objects as standard JSON (used by bindings_json)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from livetrace.epcis import model as m
from livetrace.epcis.fieldnames import binding_name

_PART_ORDER = (
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "event_id",
    "certification_info",
    "error_declaration",
    "parent_id",
    "epc_list",
    "child_epcs",
    "input_epc_list",
    "input_quantity_list",
    "output_epc_list",
    "output_quantity_list",
    "transformation_id",
    "action",
    "biz_step",
    "disposition",
    "persistent_disposition",
    "read_point",
    "biz_location",
    "biz_transaction_list",
    "quantity_list",
    "child_quantity_list",
    "source_list",
    "destination_list",
    "sensor_element_list",
    "ilmd",
)


def to_json(value: Any) -> Any:
    """A model value (part, tuple, scalar) as JSON."""
    if isinstance(value, m.SourceDest):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return part_to_json(value)
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def part_to_json(part: Any) -> dict[str, Any]:
    """A part (quantity element, location, sensor report …) as a JSON object."""
    out: dict[str, Any] = {}
    for attr, name in _member_names(type(part)):
        value = getattr(part, attr)
        if value is not None:
            out[name] = to_json(value)
    out.update(getattr(part, "extensions", ()))
    return out


_MEMBERS: dict[type[Any], tuple[tuple[str, str], ...]] = {}
_EVENT_PARTS: dict[type[Any], tuple[str, ...]] = {}


def _member_names(cls: type[Any]) -> tuple[tuple[str, str], ...]:
    """(attribute, binding name) of a part class's fields, extensions left out."""
    if cls not in _MEMBERS:
        _MEMBERS[cls] = tuple(
            (f.name, binding_name(f.name)) for f in fields(cls) if f.name != "extensions"
        )
    return _MEMBERS[cls]


def _event_parts(cls: type[Any]) -> tuple[str, ...]:
    """The attributes of an event class that `_PART_ORDER` lists, in that order."""
    if cls not in _EVENT_PARTS:
        present = {f.name for f in fields(cls)}
        _EVENT_PARTS[cls] = tuple(attr for attr in _PART_ORDER if attr in present)
    return _EVENT_PARTS[cls]


def _source_dest(items: tuple[m.SourceDest, ...], role: str) -> list[dict[str, Any]]:
    return [{"type": s.type, role: s.value} for s in items]


def event_to_json_fields(event: m.EpcisEvent) -> dict[str, Any]:
    """The members of an event after `type`, in the standard order, extensions last."""
    out: dict[str, Any] = {}
    for attr in _event_parts(type(event)):
        value = getattr(event, attr)
        if value is None:
            continue
        if attr == "source_list":
            out["sourceList"] = _source_dest(value, "source")
        elif attr == "destination_list":
            out["destinationList"] = _source_dest(value, "destination")
        elif attr == "ilmd":
            out["ilmd"] = dict(value)
        else:
            out[binding_name(attr)] = to_json(value)
    out.update(event.extensions)
    return out
