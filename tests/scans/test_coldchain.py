"""The cold chain from sensor events: legs, ranges, excursions and the sparkline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from livetrace.scans.coldchain import SPARK_HEIGHT, SPARK_WIDTH, cold_chain, sparkline

T0 = datetime(2026, 11, 19, tzinfo=UTC)


def transporting(values: list[float], *, low: float | None = 2, high: float | None = 6,
                 device: str = "urn:epc:id:giai:6970007.TL-1") -> dict[str, Any]:  # fmt: skip
    """A transporting event as the demo writes it: readings, a summary report, a range."""
    reports: list[dict[str, Any]] = [
        {"type": "Temperature", "time": (T0 + timedelta(minutes=30 * i)).isoformat(),
         "value": v, "uom": "CEL"} for i, v in enumerate(values)
    ]  # fmt: skip
    reports.append({"type": "Temperature", "minValue": min(values), "maxValue": max(values),
                    "uom": "CEL"})  # fmt: skip
    doc: dict[str, Any] = {"bizStep": "transporting", "sensorElementList": [
        {"sensorMetadata": {"deviceID": device}, "sensorReport": reports}]}  # fmt: skip
    if low is not None:
        doc["lt:range_min_c"] = low
    if high is not None:
        doc["lt:range_max_c"] = high
    return doc


def test_readings_per_leg_with_min_max_range_and_excursions() -> None:
    chain = cold_chain([
        ("e2", T0 + timedelta(days=1), transporting([3.2, 6.8, 7.1, 4.0])),
        ("e1", T0, transporting([3.4, 4.4, 3.8])),
        ("e0", T0, {"bizStep": "shipping"}),  # no readings: no leg
    ])  # fmt: skip
    assert chain is not None
    assert [leg.event_id for leg in chain.legs] == ["e1", "e2"]  # by start, then event id
    assert chain.count == 7  # the summary reports (min/max only) are not readings
    assert (chain.minimum, chain.maximum) == (3.2, 7.1)
    assert chain.range == (2.0, 6.0)
    assert chain.excursions == 2
    second = next(leg for leg in chain.legs if leg.event_id == "e2")
    assert [v for _, v in second.excursions] == [6.8, 7.1]
    assert second.device == "urn:epc:id:giai:6970007.TL-1"
    assert second.start == T0 and second.end == T0 + timedelta(minutes=90)


def test_the_products_range_applies_when_the_event_names_none() -> None:
    chain = cold_chain([("e", T0, transporting([1.0, 3.0], low=None, high=None))], (2.0, 6.0))
    assert chain is not None and chain.range == (2.0, 6.0) and chain.excursions == 1
    unbounded = cold_chain([("e", T0, transporting([1.0, 3.0], low=None, high=None))])
    assert unbounded is not None and unbounded.range == (None, None) and unbounded.excursions == 0


def test_no_readings_no_cold_chain_and_odd_values_are_skipped() -> None:
    assert cold_chain([]) is None
    odd = {"sensorElementList": [{"sensorReport": [
        {"type": "Temperature", "value": "cold", "uom": "CEL"},
        {"type": "Temperature", "value": 40.0, "uom": "FAR"},
        {"type": "Humidity", "value": 50.0, "uom": "A93"},
        {"type": "Temperature", "value": True, "uom": "CEL"},
    ]}]}  # fmt: skip
    assert cold_chain([("e", T0, odd)]) is None


def test_the_sparkline_fits_its_box_and_marks_excursions() -> None:
    line = sparkline([3.0, 4.0, 7.0, 5.0], 2.0, 6.0)
    points = [tuple(float(c) for c in p.split(",")) for p in line.points.split()]
    assert len(points) == 4
    assert all(0 <= x <= SPARK_WIDTH and 0 <= y <= SPARK_HEIGHT for x, y in points)
    assert points[0][0] < points[-1][0]  # time runs left to right
    assert points[2][1] < points[0][1]  # warmer is higher
    assert line.band is not None and line.band[0] < line.band[1]
    assert len(line.dots) == 1 and line.dots[0] == points[2]
    flat = sparkline([4.0], None, None)
    assert flat.band is None and flat.dots == () and len(flat.points.split()) == 1
    long = sparkline([4.0 + (i % 3) for i in range(5000)], 2.0, 6.0)
    assert len(long.points.split()) <= 500
