"""The EPCIS 2.0 event model: five event types and their parts, as frozen dataclasses.

Choices:

* Values are kept as written where the standard allows several spellings that mean the same:
  timestamps stay lexical strings (`event_datetime()` parses), identifiers stay EPC URNs or
  Digital Links as captured. Only CBV code values are normalised, to their bare word (see cbv.py).
  This keeps JSON → model → JSON lossless; the Event Hash ID does the semantic canonicalisation.
* Lists keep the difference between absent (`None`) and empty (`()`).
* User extensions are `(key, value)` pairs in document order. Keys are compact IRIs
  (`example:myField`) resolved through `namespaces`, the prefixes in scope that the event uses;
  values are JSON values (objects keyed the same way, arrays, strings, numbers, booleans).
* `certificationInfo` may be one URI or a list of URIs; both forms are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import ClassVar, TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
Extensions: TypeAlias = tuple[tuple[str, JsonValue], ...]
Namespaces: TypeAlias = tuple[tuple[str, str], ...]
Number: TypeAlias = int | float

ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})


@dataclass(frozen=True, kw_only=True)
class QuantityElement:
    """A quantity of an EPC class (`epcClass`, optional `quantity` and UN/CEFACT `uom`)."""

    epc_class: str
    quantity: Number | None = None
    uom: str | None = None


@dataclass(frozen=True, kw_only=True)
class BizTransaction:
    """A business transaction identifier with its optional type."""

    biz_transaction: str
    type: str | None = None


@dataclass(frozen=True, kw_only=True)
class SourceDest:
    """A source or destination (`sourceList`/`destinationList` member): type and identifier."""

    type: str
    value: str


@dataclass(frozen=True, kw_only=True)
class Location:
    """A read point or business location: `id` plus namespaced extensions."""

    id: str
    extensions: Extensions = ()


@dataclass(frozen=True, kw_only=True)
class PersistentDisposition:
    """Dispositions that stay until unset (`set`) and ones that end (`unset`)."""

    set: tuple[str, ...] | None = None
    unset: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class SensorMetadata:
    """The `sensorMetadata` of a sensor element."""

    time: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    device_id: str | None = None
    device_metadata: str | None = None
    raw_data: str | None = None
    data_processing_method: str | None = None
    biz_rules: str | None = None
    extensions: Extensions = ()


@dataclass(frozen=True, kw_only=True)
class SensorReport:
    """One `sensorReport`: a measurement type and its values with all standard attributes."""

    type: str | None = None
    exception: str | None = None
    device_id: str | None = None
    device_metadata: str | None = None
    raw_data: str | None = None
    data_processing_method: str | None = None
    biz_rules: str | None = None
    time: str | None = None
    microorganism: str | None = None
    chemical_substance: str | None = None
    coordinate_reference_system: str | None = None
    value: Number | None = None
    component: str | None = None
    string_value: str | None = None
    boolean_value: bool | None = None
    hex_binary_value: str | None = None
    uri_value: str | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    mean_value: Number | None = None
    s_dev: Number | None = None
    perc_rank: Number | None = None
    perc_value: Number | None = None
    uom: str | None = None
    extensions: Extensions = ()


@dataclass(frozen=True, kw_only=True)
class SensorElement:
    """A sensor element: optional metadata, one or more reports, extensions."""

    sensor_metadata: SensorMetadata | None = None
    sensor_report: tuple[SensorReport, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, kw_only=True)
class ErrorDeclaration:
    """Marks the event as erroneous: when, why and which events correct it."""

    declaration_time: str
    reason: str | None = None
    corrective_event_ids: tuple[str, ...] | None = None
    extensions: Extensions = ()


@dataclass(frozen=True, kw_only=True)
class EpcisEvent:
    """Fields common to all five event types ("when", "where", "why", "how", envelope)."""

    event_type: ClassVar[str] = ""

    event_time: str
    event_time_zone_offset: str
    record_time: str | None = None
    event_id: str | None = None
    certification_info: str | tuple[str, ...] | None = None
    error_declaration: ErrorDeclaration | None = None
    biz_step: str | None = None
    disposition: str | None = None
    persistent_disposition: PersistentDisposition | None = None
    read_point: Location | None = None
    biz_location: Location | None = None
    biz_transaction_list: tuple[BizTransaction, ...] | None = None
    source_list: tuple[SourceDest, ...] | None = None
    destination_list: tuple[SourceDest, ...] | None = None
    sensor_element_list: tuple[SensorElement, ...] | None = None
    extensions: Extensions = ()
    namespaces: Namespaces = ()
    # The event-level `@context` as written; presentation only, so not part of equality.
    context: JsonValue = field(default=None, compare=False)

    def event_datetime(self) -> datetime:
        """`eventTime` as an aware datetime (sub-microsecond digits dropped)."""
        return parse_timestamp(self.event_time)

    def field_names(self) -> tuple[str, ...]:
        """The dataclass field names this event type has."""
        return tuple(f.name for f in fields(self))


@dataclass(frozen=True, kw_only=True)
class ObjectEvent(EpcisEvent):
    """Objects observed, commissioned (ADD) or decommissioned (DELETE)."""

    event_type: ClassVar[str] = "ObjectEvent"

    epc_list: tuple[str, ...] | None = None
    quantity_list: tuple[QuantityElement, ...] | None = None
    action: str
    ilmd: Extensions | None = None


@dataclass(frozen=True, kw_only=True)
class AggregationEvent(EpcisEvent):
    """Children physically aggregated into (ADD) or out of (DELETE) a parent."""

    event_type: ClassVar[str] = "AggregationEvent"

    parent_id: str | None = None
    child_epcs: tuple[str, ...] | None = None
    child_quantity_list: tuple[QuantityElement, ...] | None = None
    action: str


@dataclass(frozen=True, kw_only=True)
class TransactionEvent(EpcisEvent):
    """Objects associated with (ADD) or dissociated from (DELETE) business transactions."""

    event_type: ClassVar[str] = "TransactionEvent"

    parent_id: str | None = None
    epc_list: tuple[str, ...] | None = None
    quantity_list: tuple[QuantityElement, ...] | None = None
    action: str


@dataclass(frozen=True, kw_only=True)
class TransformationEvent(EpcisEvent):
    """Inputs consumed and outputs produced (no action)."""

    event_type: ClassVar[str] = "TransformationEvent"

    input_epc_list: tuple[str, ...] | None = None
    input_quantity_list: tuple[QuantityElement, ...] | None = None
    output_epc_list: tuple[str, ...] | None = None
    output_quantity_list: tuple[QuantityElement, ...] | None = None
    transformation_id: str | None = None
    ilmd: Extensions | None = None


@dataclass(frozen=True, kw_only=True)
class AssociationEvent(EpcisEvent):
    """Children (assets, sensors, objects) associated with a parent that is not a container."""

    event_type: ClassVar[str] = "AssociationEvent"

    parent_id: str | None = None
    child_epcs: tuple[str, ...] | None = None
    child_quantity_list: tuple[QuantityElement, ...] | None = None
    action: str


EVENT_CLASSES: dict[str, type[EpcisEvent]] = {
    cls.event_type: cls
    for cls in (
        ObjectEvent,
        AggregationEvent,
        TransactionEvent,
        TransformationEvent,
        AssociationEvent,
    )
}


@dataclass(frozen=True, kw_only=True)
class EpcisDocument:
    """An `EPCISDocument` or `EPCISQueryDocument` with its events.

    `context` keeps the `@context` entries as written; `header` the `epcisHeader` JSON (master
    data); `extensions` any other namespaced document members.
    """

    kind: str = "EPCISDocument"
    context: tuple[JsonValue, ...] = field(default=(), compare=False)
    schema_version: str = "2.0"
    creation_date: str | None = None
    id: str | None = None
    sender: str | None = None
    receiver: str | None = None
    instance_identifier: str | None = None
    header: JsonValue = None
    query_name: str | None = None
    subscription_id: str | None = None
    events: tuple[EpcisEvent, ...] = ()
    extensions: Extensions = ()
    namespaces: Namespaces = ()


# Validation, index rows, hashing and projections each read an event's time; read it once.
@lru_cache(maxsize=1 << 14)
def parse_timestamp(text: str) -> datetime:
    """An xsd:dateTimeStamp as an aware datetime; extra fraction digits beyond µs are dropped."""
    head, frac, tail = _split_fraction(text)
    value = head + (("." + frac[:6]) if frac else "") + tail
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return parsed


def _split_fraction(text: str) -> tuple[str, str, str]:
    """Split `…HH:MM:SS[.fff…]±hh:mm` into head, fraction digits and zone."""
    if "." not in text[17:]:
        return text[:19], "", text[19:]
    dot = text.index(".", 17)
    end = dot + 1
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[:dot], text[dot + 1 : end], text[end:]
