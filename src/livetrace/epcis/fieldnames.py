"""Names shared by the bindings: attribute ↔ binding name, scalar kinds, vocabularies per field."""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from typing import Any

from livetrace.epcis import cbv

_SPECIAL = {
    "event_id": "eventID",
    "parent_id": "parentID",
    "child_epcs": "childEPCs",
    "input_epc_list": "inputEPCList",
    "output_epc_list": "outputEPCList",
    "transformation_id": "transformationID",
    "device_id": "deviceID",
    "corrective_event_ids": "correctiveEventIDs",
    "s_dev": "sDev",
}

# Which code list a field's values belong to, keyed by (owner, attribute).
VOCAB_FIELDS: dict[tuple[str, str], cbv.Vocabulary] = {
    ("event", "biz_step"): cbv.BIZ_STEP,
    ("event", "disposition"): cbv.DISPOSITION,
    ("PersistentDisposition", "set"): cbv.DISPOSITION,
    ("PersistentDisposition", "unset"): cbv.DISPOSITION,
    ("BizTransaction", "type"): cbv.BIZ_TRANSACTION_TYPE,
    ("SourceDest", "type"): cbv.SOURCE_DEST_TYPE,
    ("ErrorDeclaration", "reason"): cbv.ERROR_REASON,
    ("SensorReport", "type"): cbv.MEASUREMENT_TYPE,
    ("SensorReport", "exception"): cbv.SENSOR_ALERT_TYPE,
    ("SensorReport", "component"): cbv.COMPONENT,
}


@lru_cache(maxsize=512)  # a fixed set of attribute names, converted once per capture row
def binding_name(attr: str) -> str:
    """The JSON key / XML element name of a model attribute (`biz_step` → `bizStep`)."""
    if attr in _SPECIAL:
        return _SPECIAL[attr]
    head, *rest = attr.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


_SCALARS: dict[type[Any], dict[str, tuple[str, str]]] = {}


def scalar_fields(cls: type[Any]) -> dict[str, tuple[str, str]]:
    """Binding name → (attribute, kind) for a part's scalar fields; kind is str/num/bool/strs."""
    if cls in _SCALARS:
        return _SCALARS[cls]
    out: dict[str, tuple[str, str]] = {}
    for f in fields(cls):
        kind = _kind(str(f.type))
        if kind is not None:
            out[binding_name(f.name)] = (f.name, kind)
    _SCALARS[cls] = out
    return out


def _kind(annotation: str) -> str | None:
    if annotation.startswith(("tuple[str, ...]", "str | tuple[str")):
        return "strs" if annotation.startswith("tuple") else "str+strs"
    if annotation.startswith("str"):
        return "str"
    if annotation.startswith("Number"):
        return "num"
    if annotation.startswith("bool"):
        return "bool"
    return None


def vocabulary(owner: str, attr: str) -> cbv.Vocabulary | None:
    """The code list of `owner.attr`, if it has one."""
    return VOCAB_FIELDS.get((owner, attr))
