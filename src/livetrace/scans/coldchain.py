"""The cold chain of an item from the temperature readings its events carry (pure, no database).

A logger's readings travel as an EPCIS `sensorElementList` on a `transporting` event naming the
item or a container it rode in; the range the product needs comes from the event's
`lt:range_min_c` / `lt:range_max_c`, else from the product's `storage_min_c` / `storage_max_c`.
Each such event is one leg: its readings, their minimum and maximum, and the readings outside
the range (excursions). The page draws each leg as a small server-rendered SVG line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TEMPERATURE = "Temperature"
CELSIUS = frozenset({"CEL", "Cel"})
MAX_LEGS = 12
MAX_READINGS = 500  # per leg: a longer logger dump is thinned for the line, counted in full
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 240.0, 48.0, 4.0


@dataclass(frozen=True, slots=True)
class Leg:
    """The temperatures one logger recorded on one stretch of the journey."""

    event_id: str
    time: datetime
    device: str | None
    start: datetime | None
    end: datetime | None
    readings: tuple[tuple[datetime | None, float], ...]
    low: float | None  # the allowed range, ℃
    high: float | None

    @property
    def count(self) -> int:
        """How many readings the leg has."""
        return len(self.readings)

    @property
    def minimum(self) -> float:
        """The lowest reading."""
        return min(v for _, v in self.readings)

    @property
    def maximum(self) -> float:
        """The highest reading."""
        return max(v for _, v in self.readings)

    @property
    def excursions(self) -> tuple[tuple[datetime | None, float], ...]:
        """Readings outside the allowed range."""
        return tuple(r for r in self.readings if _outside(r[1], self.low, self.high))

    def sparkline(self) -> Sparkline:
        """The leg's readings as SVG polyline points, with the allowed band."""
        return sparkline([v for _, v in self.readings], self.low, self.high)


@dataclass(frozen=True, slots=True)
class Sparkline:
    """Coordinates for a small inline SVG: the line, the allowed band, the excursion dots."""

    width: float
    height: float
    points: str
    band: tuple[float, float] | None  # y of the band's top and bottom
    dots: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class ColdChain:
    """Every leg with readings, in time order."""

    legs: tuple[Leg, ...]

    @property
    def count(self) -> int:
        """Readings over all legs."""
        return sum(leg.count for leg in self.legs)

    @property
    def minimum(self) -> float:
        """The lowest reading of all legs."""
        return min(leg.minimum for leg in self.legs)

    @property
    def maximum(self) -> float:
        """The highest reading of all legs."""
        return max(leg.maximum for leg in self.legs)

    @property
    def excursions(self) -> int:
        """Readings outside their leg's range."""
        return sum(len(leg.excursions) for leg in self.legs)

    @property
    def range(self) -> tuple[float | None, float | None]:
        """The allowed range (of the first leg that states one)."""
        return next(((leg.low, leg.high) for leg in self.legs if leg.low is not None
                     or leg.high is not None), (None, None))  # fmt: skip


def cold_chain(
    documents: Iterable[tuple[str, datetime, Mapping[str, Any]]],
    fallback: tuple[float | None, float | None] = (None, None),
) -> ColdChain | None:
    """The cold chain of (event id, time, EPCIS document) triples; None without any reading."""
    legs = [leg for event_id, at, doc in documents if (leg := _leg(event_id, at, doc, fallback))]
    legs.sort(key=lambda leg: (leg.start or leg.time, leg.event_id))
    return ColdChain(tuple(legs[:MAX_LEGS])) if legs else None


def _leg(
    event_id: str, at: datetime, doc: Mapping[str, Any], fallback: tuple[float | None, float | None]
) -> Leg | None:
    readings: list[tuple[datetime | None, float]] = []
    device: str | None = None
    for element in _list(doc.get("sensorElementList")):
        meta = element.get("sensorMetadata")
        device = device or (_str(meta.get("deviceID")) if isinstance(meta, dict) else None)
        for report in _list(element.get("sensorReport")):
            value = _celsius(report)
            if value is not None:
                readings.append((_time(report.get("time")), value))
    if not readings:
        return None
    low = _number(doc.get("lt:range_min_c"))
    high = _number(doc.get("lt:range_max_c"))
    if low is None and high is None:
        low, high = fallback
    times = [t for t, _ in readings if t is not None]
    return Leg(event_id=event_id, time=at, device=device, start=min(times, default=None),
               end=max(times, default=None), readings=tuple(readings), low=low, high=high)  # fmt: skip


def sparkline(values: list[float], low: float | None, high: float | None) -> Sparkline:
    """Scale `values` (and the band) into a SPARK_WIDTH × SPARK_HEIGHT box, highest at the top."""
    step = max(1, math.ceil(len(values) / MAX_READINGS))
    shown = values[::step]
    bounds = [*shown, *(b for b in (low, high) if b is not None)]
    margin = max(0.5, (max(bounds) - min(bounds)) * 0.1)  # headroom around the band and line
    top, bottom = max(bounds) + margin, min(bounds) - margin
    span = top - bottom
    inner_h, inner_w = SPARK_HEIGHT - 2 * SPARK_PAD, SPARK_WIDTH - 2 * SPARK_PAD

    def y(v: float) -> float:
        return round(SPARK_PAD + (top - v) / span * inner_h, 1)

    def x(i: int) -> float:
        return round(SPARK_PAD + (i / (len(shown) - 1) if len(shown) > 1 else 0.5) * inner_w, 1)

    points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(shown))
    band = (y(high if high is not None else top), y(low if low is not None else bottom))
    dots = tuple((x(i), y(v)) for i, v in enumerate(shown) if _outside(v, low, high))
    has_band = low is not None or high is not None
    return Sparkline(SPARK_WIDTH, SPARK_HEIGHT, points, band if has_band else None, dots)


def _outside(value: float, low: float | None, high: float | None) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def _celsius(report: Any) -> float | None:
    """A single temperature reading in ℃ (summary reports with only min/max are not readings)."""
    if (
        not isinstance(report, dict)
        or str(report.get("type", "")).rsplit("/", 1)[-1] != TEMPERATURE
    ):
        return None
    value = _number(report.get("value"))
    uom = report.get("uom")
    if value is None or (uom is not None and uom not in CELSIUS):
        return None
    return value


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _str(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
