"""The journey's value types and the pure shaping of trace results into them (no database).

`journey.JourneyService` fills these from the catalog, the trace and the log; the page and the
linkset read them. Everything here is immutable, so a built journey can be cached and shared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from livetrace.scans import labels
from livetrace.scans.coldchain import ColdChain
from livetrace.trace.schemas import CustodyOut, LotOut, RecallNotice

SHIPPING_STEPS = frozenset({"shipping", "departing", "arriving", "receiving", "loading",
                            "unloading"})  # fmt: skip
_CBV_BT = re.compile(r"^urn:epcglobal:cbv:bt:(\d{13}):(.+)$")


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled value of one data layer, in both languages."""

    key: str
    label_zh: str
    label_en: str
    value: str
    value_en: str | None = None  # when the English text differs (units, places, yes/no)

    def label(self, lang: str) -> str:
        """The label in `lang`."""
        return self.label_en if lang == "en" else (self.label_zh or self.label_en)

    def text(self, lang: str) -> str:
        """The value in `lang`."""
        return self.value_en if lang == "en" and self.value_en is not None else self.value


@dataclass(frozen=True, slots=True)
class Transaction:
    """A business transaction an event names: an order, a despatch advice, a waybill."""

    raw: str  # as the event wrote it, e.g. urn:epcglobal:cbv:bt:6970008000019:PO-XY-2611-031
    kind: str | None  # its CBV type (po, desadv, bol, …); None when the event gave none
    number: str  # the part a person reads: the identifier after the issuer's GLN

    @property
    def waybill(self) -> bool:
        """Whether this is a paper that travels with the consignment (see `labels.WAYBILL_TYPES`)."""
        return self.kind is not None and labels.short_kind(self.kind) in labels.WAYBILL_TYPES

    def label(self, lang: str) -> str:
        """The type in words, in `lang`."""
        zh, en = labels.transaction_type(self.kind)
        return en if lang == "en" else zh


def transaction_of(raw: str, kind: str | None) -> Transaction:
    """A transaction from its identifier and type: the number without the issuer's URN prefix."""
    match = _CBV_BT.match(raw)
    return Transaction(raw=raw, kind=kind or None, number=match.group(2) if match else raw)


@dataclass(frozen=True, slots=True)
class Coordinates:
    """A point in WGS 84 degrees."""

    lat: float
    lon: float

    def text(self, digits: int = 4) -> str:
        """Degrees with hemispheres, e.g. 44.9412°N 127.1803°E."""
        ns, ew = ("N" if self.lat >= 0 else "S"), ("E" if self.lon >= 0 else "W")
        return f"{abs(self.lat):.{digits}f}°{ns} {abs(self.lon):.{digits}f}°{ew}"


@dataclass(frozen=True, slots=True)
class SourceLot:
    """An upstream lot: a raw material or the item's own production lot."""

    id: str
    lot: str | None
    gtin: str | None
    role: str
    supplier: str | None
    time: datetime | None
    line: str | None
    shift: str | None
    facts: tuple[Fact, ...]
    coordinates: Coordinates | None


@dataclass(frozen=True, slots=True)
class Step:
    """One hand-over or move on the custody timeline."""

    time: datetime
    step: str | None
    subject: str
    party: str | None
    place: str | None
    region: str | None
    transactions: tuple[Transaction, ...]
    event_id: str


@dataclass(frozen=True, slots=True)
class Certificate:
    """A certificate or report: what the chain says about it and whether its file checks out."""

    reference: str
    kind: str
    title: str | None
    status: str  # passed, failed, inspected, asserted (from the events)
    verification: str  # verified, tampered, missing, pending, reference
    issuer: str | None
    time: datetime | None
    sha256: str | None


@dataclass(frozen=True, slots=True)
class Proof:
    """A signed statement on the log with its inclusion proof against the checkpoint."""

    event_id: str
    step: str | None
    time: datetime
    index: int
    entry: str  # the log entry: RFC 8785 JSON of the signed statement, as text
    leaf_hash: str  # base64
    hashes: tuple[str, ...]  # base64 audit path; empty when not yet in a checkpoint
    included: bool


@dataclass(frozen=True, slots=True)
class Journey:
    """Everything the page shows about one code besides the verdict."""

    key: str
    gtin: str
    lot: str | None
    serial: str | None
    product_name: str
    description: str
    net_content: str | None
    brand_name: str
    origin: tuple[Fact, ...]
    sources: tuple[SourceLot, ...]
    production: tuple[Fact, ...]
    production_lot: SourceLot | None
    raw_materials: tuple[SourceLot, ...]
    circulation: tuple[Fact, ...]
    timeline: tuple[Step, ...]
    certificates: tuple[Certificate, ...]
    waybills: tuple[Transaction, ...]  # consignment papers (waybills, despatch advices)
    documents: tuple[Transaction, ...]  # orders and other transactions
    cold_chain: ColdChain | None
    recall: RecallNotice | None
    proofs: tuple[Proof, ...]
    checkpoint: str | None
    checkpoint_size: int | None
    witnesses: int
    traced: bool
    follow_url: str | None
    coupon_url: str | None = None
    # What this journey shares with its twins (`JourneyService`): the page renders the shared
    # sections once per twin group and language. Not part of what the journey says.
    shared: tuple[object, ...] | None = field(default=None, compare=False)

    @property
    def coordinates(self) -> tuple[Coordinates, ...]:
        """Every origin point known (one per source lot that has one)."""
        return tuple(s.coordinates for s in self.sources if s.coordinates is not None)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the JSON verdict tells of a code besides the verdict: product, brand, open recall."""

    product_name: str
    brand_name: str
    recall: RecallNotice | None

    @classmethod
    def of(cls, journey: Journey) -> Summary:
        """The summary a journey holds."""
        return cls(journey.product_name, journey.brand_name, journey.recall)


def origin_sources(upstream: tuple[SourceLot, ...], own: SourceLot | None) -> tuple[SourceLot, ...]:
    """Raw-material lots; the item's own lot when it came from no recorded raw material."""
    raw = tuple(s for s in upstream if s.role == "raw_material")
    return raw or ((own,) if own is not None and own.facts else ())


def specs_of(attributes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(a.get("key")): a for a in attributes if a.get("key")}


def fact(key: str, value: Any, spec: dict[str, Any] | None) -> Fact:
    """A value with its label: the template's, else the page's own (`labels.EXTRA_LABELS`)."""
    extra = labels.EXTRA_LABELS.get(key)
    spec = spec or ({"label_zh": extra[0], "label": extra[1], "unit": extra[2]} if extra else {})
    label_en = str(spec.get("label") or key.replace("_", " ").capitalize())
    label_zh = str(spec.get("label_zh") or label_en)
    if key == "region_code" and isinstance(value, str) and (place := labels.region_name(value)):
        return Fact(key, label_zh, label_en, place[0], place[1])
    if isinstance(value, bool):
        return Fact(key, label_zh, label_en, "是" if value else "否", "yes" if value else "no")
    if isinstance(value, str) and spec.get("type") == "choice" and value in labels.CHOICES:
        zh, en = labels.CHOICES[value]
        return Fact(key, label_zh, label_en, zh, en)
    unit = spec.get("unit")
    if unit == "ratio" and isinstance(value, int | float):  # a fraction, shown as a percentage
        return Fact(key, label_zh, label_en, f"{value * 100:g}%")
    zh_unit, en_unit = labels.unit_text(str(unit) if unit else None)
    text = _text(value)
    return Fact(key, label_zh, label_en, _with_unit(text, zh_unit), _with_unit(text, en_unit))


def _with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "℃", "°C"} else f"{text} {unit}"


def _text(value: Any) -> str:
    if isinstance(value, dict) and (point := coordinates_of(value)) is not None:
        return point.text()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)[:500]


def coordinates_of(value: Any) -> Coordinates | None:
    """Coordinates from `{"lat", "lon"}` or a `"lon,lat"` / `"lat,lon"` string (told apart by range)."""
    try:
        if isinstance(value, dict):
            lat, lon = float(value["lat"]), float(value["lon"])
        elif isinstance(value, str) and value.count(",") == 1:
            first, second = (float(p) for p in value.split(","))
            lat, lon = (second, first) if abs(first) > 90 else (first, second)
        else:
            return None
    except (KeyError, TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return Coordinates(lat, lon)
    return None


def source_of(lot: LotOut, specs: dict[str, dict[str, Any]]) -> SourceLot:
    point = next(
        (c for k, v in lot.origin.items() if "coordinates" in k and (c := coordinates_of(v))), None
    )
    skip = {"lotNumber", "mill_line", "shift"}  # shown as the lot's own fields
    if point is not None:  # shown once, parsed, instead of as written
        skip |= {k for k in lot.origin if "coordinates" in k}
    facts = tuple(fact(k, v, specs.get(k)) for k, v in lot.origin.items() if k not in skip)
    return SourceLot(
        id=lot.id, lot=lot.lot, gtin=lot.gtin, role=lot.role,
        supplier=lot.supplier.name if lot.supplier else None, time=lot.time, line=lot.line,
        shift=lot.shift, facts=facts, coordinates=point,
    )  # fmt: skip


def step_of(
    custody: CustodyOut,
    places: dict[str, tuple[str, str | None]],
    kinds: Mapping[str, Mapping[str, str]] | None = None,
) -> Step:
    """A custody entry as a timeline step; `kinds` gives each event's transaction types."""
    place, region = places.get(custody.location or "", (custody.location, None))
    typed = (kinds or {}).get(custody.event_id, {})
    return Step(
        time=custody.time, step=custody.biz_step, subject=custody.subject,
        party=custody.party.name, place=place, region=region,
        transactions=tuple(transaction_of(t, typed.get(t)) for t in custody.transactions if t),
        event_id=custody.event_id,
    )  # fmt: skip


def transactions_of(
    steps: Sequence[Step],
) -> tuple[tuple[Transaction, ...], tuple[Transaction, ...]]:
    """(waybills, other documents) of the timeline, each once, in order.

    A transaction without a type on a shipping step is taken for the consignment's paper: that
    is what shipping events name when they name one thing.
    """
    waybills: dict[str, Transaction] = {}
    others: dict[str, Transaction] = {}
    for step in steps:
        for t in step.transactions:
            untyped_shipment = t.kind is None and step.step in SHIPPING_STEPS
            (waybills if t.waybill or untyped_shipment else others).setdefault(t.raw, t)
    return tuple(waybills.values()), tuple(t for k, t in others.items() if k not in waybills)
