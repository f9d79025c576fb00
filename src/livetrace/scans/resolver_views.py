"""The journey's value types and the pure shaping of trace results into them (no database).

`journey.JourneyService` fills these from the catalog, the trace and the log; the page and the
linkset read them. Everything here is immutable, so a built journey can be cached and shared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livetrace.trace.schemas import CustodyOut, LotOut, RecallNotice

SHIPPING_STEPS = frozenset({"shipping", "departing", "arriving", "receiving", "loading",
                            "unloading"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fact:
    """A labelled value of one data layer."""

    key: str
    label_zh: str
    label_en: str
    value: str

    def label(self, lang: str) -> str:
        """The label in `lang`."""
        return self.label_en if lang == "en" else (self.label_zh or self.label_en)


@dataclass(frozen=True, slots=True)
class Coordinates:
    """A point in WGS 84 degrees."""

    lat: float
    lon: float


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
    transactions: tuple[str, ...]
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
    waybills: tuple[str, ...]
    recall: RecallNotice | None
    proofs: tuple[Proof, ...]
    checkpoint: str | None
    checkpoint_size: int | None
    witnesses: int
    traced: bool
    follow_url: str | None

    @property
    def coordinates(self) -> tuple[Coordinates, ...]:
        """Every origin point known (one per source lot that has one)."""
        return tuple(s.coordinates for s in self.sources if s.coordinates is not None)


def origin_sources(upstream: tuple[SourceLot, ...], own: SourceLot | None) -> tuple[SourceLot, ...]:
    """Raw-material lots; the item's own lot when it came from no recorded raw material."""
    raw = tuple(s for s in upstream if s.role == "raw_material")
    return raw or ((own,) if own is not None and own.facts else ())


def specs_of(attributes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(a.get("key")): a for a in attributes if a.get("key")}


def fact(key: str, value: Any, spec: dict[str, Any] | None) -> Fact:
    spec = spec or {}
    unit = f" {spec['unit']}" if spec.get("unit") else ""
    return Fact(key, str(spec.get("label_zh") or ""), str(spec.get("label") or key.replace("_", " ")),
                _text(value) + unit)  # fmt: skip


def _text(value: Any) -> str:
    if isinstance(value, dict) and {"lat", "lon"} <= set(value):
        return f"{value['lat']}, {value['lon']}"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
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


def step_of(custody: CustodyOut, places: dict[str, tuple[str, str | None]]) -> Step:
    place, region = places.get(custody.location or "", (custody.location, None))
    return Step(
        time=custody.time, step=custody.biz_step, subject=custody.subject,
        party=custody.party.name, place=place, region=region,
        transactions=tuple(t for t in custody.transactions if t), event_id=custody.event_id,
    )  # fmt: skip


def waybills_of(custody: Sequence[CustodyOut]) -> tuple[str, ...]:
    found = [t for c in custody if c.biz_step in SHIPPING_STEPS for t in c.transactions if t]
    return tuple(dict.fromkeys(found))
