"""EPCIS Event Hash ID (CBV 2.0 §8.9, and the CBV 2.1 draft): pre-hash string and `ni:` URI.

`event_hash(event)` gives `ni:///sha-256;<hex>?ver=CBV2.0`; `prehash(event, version)` the string
that is hashed. The algorithm is pinned by the reference vectors in tests/assets/epcis/eventhash.

Rules as implemented (CBV 2.0 text plus what the 2026 reference vectors settle):

* Fields in the canonical property order; `key=value` pairs concatenated without separators;
  list members sorted by their own strings; a `type` attribute before its value;
  `recordTime`, `eventID`, `certificationInfo`, `errorDeclaration` and `rdfs:comment` excluded.
* Timestamps in UTC with three fraction digits, rounded half up from the fourth (both versions).
* Numbers without trailing zeros; decimal-looking extension strings likewise.
* EPC URNs / Digital Links → constrained canonical DL on id.gs1.org (_hash_ids); CBV URNs,
  bare CBV words and `gs1:`/`cbv:` compact IRIs → GS1 Web URIs; `gs1:` always means
  `https://ref.gs1.org/voc/` (the 2026 reference's choice, not the JSON-LD context's).
* Extensions: `{namespace}local[=value]` with children concatenated after their parent, siblings
  sorted; arrays repeat their key. `cbvmda:` from the GS1 context is `urn:epcglobal:cbv:mda`.
* Compact IRIs in values are expanded for `gs1:`, `cbv:` and `epcis:` only (the vectors keep
  `example:x`).
* CBV 2.0: extensions of readPoint/bizLocation/sensor parts go in a block after `ilmd`, each
  under its parent's names; no `sensorElementList` line. CBV 2.1: they stay inline after the
  parent's regular fields and `sensorElementList` appears once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from livetrace.epcis import _hash_values as hv
from livetrace.epcis import cbv
from livetrace.epcis import model as m
from livetrace.epcis.errors import EventHashError
from livetrace.epcis.namespaces import GS1_PREFIXES

VERSIONS = ("CBV2.0", "CBV2.1")
DEFAULT_VERSION = "CBV2.0"
_EXCLUDED_EXTENSIONS = frozenset({"{http://www.w3.org/2000/01/rdf-schema#}comment"})
_METADATA_ORDER = (
    "time", "start_time", "end_time", "device_id", "device_metadata", "raw_data",
    "data_processing_method", "biz_rules",
)  # fmt: skip
_REPORT_ORDER = (
    "type", "exception", "device_id", "device_metadata", "raw_data", "data_processing_method",
    "time", "microorganism", "chemical_substance", "value", "component", "string_value",
    "boolean_value", "hex_binary_value", "uri_value", "min_value", "max_value", "mean_value",
    "s_dev", "perc_rank", "perc_value", "uom", "coordinate_reference_system", "biz_rules",
)  # fmt: skip
_TIME_FIELDS = frozenset({"time", "start_time", "end_time"})
_NUMBER_FIELDS = frozenset(
    {"value", "min_value", "max_value", "mean_value", "s_dev", "perc_rank", "perc_value"}
)
_PLAIN_FIELDS = frozenset({"string_value", "hex_binary_value", "uom"})
_REPORT_VOCAB = {
    "type": cbv.MEASUREMENT_TYPE,
    "exception": cbv.SENSOR_ALERT_TYPE,
    "component": cbv.COMPONENT,
}


def event_hash(event: m.EpcisEvent, version: str = DEFAULT_VERSION) -> str:
    """The Event Hash ID `ni:///sha-256;<hex>?ver=<version>` of an event."""
    digest = hashlib.sha256(prehash(event, version).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={version}"


def prehash(event: m.EpcisEvent, version: str = DEFAULT_VERSION) -> str:
    """The canonical pre-hash string of an event."""
    if version not in VERSIONS:
        raise EventHashError(f"Event Hash ID version {version!r} is not one of {VERSIONS}")
    return _Builder(event, inline=version == "CBV2.1").build()


class _Builder:
    """Builds one event's pre-hash string."""

    def __init__(self, event: m.EpcisEvent, *, inline: bool) -> None:
        self.event = event
        self.inline = inline
        self.prefixes = {**GS1_PREFIXES, **dict(event.namespaces), **hv.HASH_PREFIXES}
        self.deferred: list[str] = []  # CBV 2.0: nested extensions, emitted after ilmd

    def build(self) -> str:
        e = self.event
        out = [f"eventType={e.event_type}"]
        out.append(f"eventTime={hv.timestamp(e.event_time)}")
        out.append(f"eventTimeZoneOffset={e.event_time_zone_offset.strip()}")
        out.append(self._epcs("epcList", "epc_list"))
        out.append(self._uri_field("parentID", "parent_id"))
        out.append(self._epcs("inputEPCList", "input_epc_list"))
        out.append(self._epcs("childEPCs", "child_epcs"))
        for name in ("quantity_list", "child_quantity_list", "input_quantity_list"):
            out.append(self._quantities(name))
        out.append(self._epcs("outputEPCList", "output_epc_list"))
        out.append(self._quantities("output_quantity_list"))
        action = getattr(e, "action", None)
        out.append(f"action={action.strip()}" if action else "")
        out.append(self._uri_field("transformationID", "transformation_id"))
        out.append(self._vocab_field("bizStep", e.biz_step, cbv.BIZ_STEP))
        out.append(self._vocab_field("disposition", e.disposition, cbv.DISPOSITION))
        out.append(self._persistent(e.persistent_disposition))
        out.append(self._location("readPoint", e.read_point))
        out.append(self._location("bizLocation", e.biz_location))
        out.append(self._biz_transactions(e.biz_transaction_list))
        out.append(self._source_dest("sourceList", "source", e.source_list))
        out.append(self._source_dest("destinationList", "destination", e.destination_list))
        out.append(self._sensors(e.sensor_element_list))
        ilmd = getattr(e, "ilmd", None)
        out.append("ilmd" + self._extensions(ilmd) if ilmd else "")
        out.extend(self.deferred)
        out.append(self._extensions(e.extensions))
        return "".join(out)

    # -- standard fields -------------------------------------------------------------------

    def _uri(self, value: str) -> str:
        return hv.uri(value, self.prefixes)

    def _epcs(self, name: str, attr: str) -> str:
        values = getattr(self.event, attr, None)
        if not values:
            return ""
        return name + "".join(sorted(f"epc={self._uri(v)}" for v in values))

    def _uri_field(self, name: str, attr: str) -> str:
        value = getattr(self.event, attr, None)
        return f"{name}={self._uri(value)}" if value else ""

    def _vocab_field(self, name: str, value: str | None, vocabulary: cbv.Vocabulary) -> str:
        return f"{name}={hv.vocab(value, vocabulary, self.prefixes)}" if value else ""

    def _quantities(self, attr: str) -> str:
        items: tuple[m.QuantityElement, ...] | None = getattr(self.event, attr, None)
        if not items:
            return ""
        parts = []
        for q in items:
            text = f"quantityElementepcClass={self._uri(q.epc_class)}"
            text += f"quantity={hv.number(q.quantity)}" if q.quantity is not None else ""
            text += f"uom={q.uom.strip()}" if q.uom else ""
            parts.append(text)
        return _name_from(attr) + "".join(sorted(parts))

    def _persistent(self, pd: m.PersistentDisposition | None) -> str:
        if pd is None or not (pd.set or pd.unset):
            return ""
        out = "persistentDisposition"
        for key, values in (("set", pd.set), ("unset", pd.unset)):
            out += "".join(
                sorted(f"{key}={hv.vocab(v, cbv.DISPOSITION, self.prefixes)}" for v in values or ())
            )
        return out

    def _location(self, name: str, loc: m.Location | None) -> str:
        if loc is None:
            return ""
        out = f"{name}id={self._uri(loc.id)}"
        return out + self._nested(name, self._extensions(loc.extensions))

    def _nested(self, path: str, ext: str) -> str:
        """Inline (2.1) or defer (2.0) the extensions of a standard part."""
        if not ext:
            return ""
        if self.inline:
            return ext
        self.deferred.append(path + ext)
        return ""

    def _biz_transactions(self, items: tuple[m.BizTransaction, ...] | None) -> str:
        if not items:
            return ""
        parts = []
        for bt in items:
            text = (
                f"type={hv.vocab(bt.type, cbv.BIZ_TRANSACTION_TYPE, self.prefixes)}"
                if bt.type
                else ""
            )
            parts.append(text + f"bizTransaction={self._uri(bt.biz_transaction)}")
        return "bizTransactionList" + "".join(sorted(parts))

    def _source_dest(self, name: str, role: str, items: tuple[m.SourceDest, ...] | None) -> str:
        if not items:
            return ""
        parts = [
            f"type={hv.vocab(s.type, cbv.SOURCE_DEST_TYPE, self.prefixes)}{role}={self._uri(s.value)}"
            for s in items
        ]
        return name + "".join(sorted(parts))

    # -- sensors -----------------------------------------------------------------------------

    def _sensors(self, elements: tuple[m.SensorElement, ...] | None) -> str:
        if not elements:
            return ""
        standard: list[str] = []
        deferred: list[str] = []
        for element in elements:
            text, ext = self._sensor_element(element)
            standard.append(text)
            if ext:
                deferred.append(ext)
        if not self.inline:
            self.deferred.append("".join(sorted(deferred)))
            return "".join(sorted(standard))
        return "sensorElementList" + "".join(sorted(standard))

    def _sensor_element(self, element: m.SensorElement) -> tuple[str, str]:
        """(standard part, deferred extension part) of one sensor element."""
        text, ext = "sensorElement", ""
        md = element.sensor_metadata
        if md is not None:
            fields_text = self._attrs(md, _METADATA_ORDER)
            md_ext = self._extensions(md.extensions)
            text += "sensorMetadata" + fields_text + (md_ext if self.inline else "")
            ext += "sensorMetadata" + md_ext if md_ext else ""
        reports, report_ext = [], []
        for report in element.sensor_report:
            r_ext = self._extensions(report.extensions)
            reports.append(
                "sensorReport" + self._attrs(report, _REPORT_ORDER) + (r_ext if self.inline else "")
            )
            if r_ext:
                report_ext.append("sensorReport" + r_ext)
        text += "".join(sorted(reports))
        ext += "".join(sorted(report_ext))
        el_ext = self._extensions(element.extensions)
        if self.inline:
            return text + el_ext, ""
        ext += el_ext
        return text, ("sensorElement" + ext) if ext else ""

    def _attrs(self, part: Any, order: tuple[str, ...]) -> str:
        out = []
        for attr in order:
            value = getattr(part, attr, None)
            if value is None:
                continue
            out.append(f"{_camel(attr)}={self._sensor_value(attr, value)}")
        return "".join(out)

    def _sensor_value(self, attr: str, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if attr in _NUMBER_FIELDS:
            return hv.number(value)
        if attr in _TIME_FIELDS:
            return hv.timestamp(value)
        if attr in _REPORT_VOCAB:
            return hv.vocab(value, _REPORT_VOCAB[attr], self.prefixes)
        if attr in _PLAIN_FIELDS:
            return str(value).strip()
        return self._uri(str(value))

    # -- extensions ---------------------------------------------------------------------------

    def _extensions(self, members: m.Extensions | None) -> str:
        items: list[str] = []
        for key, value in members or ():
            name = self._name(key)
            if name not in _EXCLUDED_EXTENSIONS and not key.startswith("@context"):
                items.extend(self._ext_items(name, value))
        return "".join(sorted(items))

    def _name(self, key: str) -> str:
        prefix, sep, local = key.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            namespace = self.prefixes[prefix]
            if namespace == cbv.GS1_VOC_CONTEXT:
                namespace = cbv.GS1_VOC_WEB
            return "{" + namespace + "}" + local
        return key

    def _member(self, key: str) -> str:
        """A member name; XML attributes (`@prefix:name`) hash like child elements."""
        if key.startswith("@") and ":" in key:
            return self._name(key[1:])
        return self._name(key)

    def _ext_items(self, name: str, value: m.JsonValue) -> list[str]:
        if isinstance(value, list):
            return [s for item in value for s in self._ext_items(name, item)]
        if isinstance(value, dict):
            children = [
                s
                for k, v in value.items()
                if k != "#text"
                for s in self._ext_items(self._member(k), v)
            ]
            own = self._ext_scalar(value.get("#text"))
            return [name + (f"={own}" if own else "") + "".join(sorted(children))]
        text = self._ext_scalar(value)
        return [f"{name}={text}" if text else name]

    def _ext_scalar(self, value: m.JsonValue) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return hv.number(value)
        return hv.extension_text(str(value), self.prefixes)


def _name_from(attr: str) -> str:
    return _camel(attr)


def _camel(attr: str) -> str:
    special = {"device_id": "deviceID", "s_dev": "sDev"}
    if attr in special:
        return special[attr]
    head, *rest = attr.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)
