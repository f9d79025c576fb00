"""Coarse scan places from a bundled table of Chinese cities, pure.

A scan is placed at the nearest prefecture-level city within `NEAR_KM` of the phone's rounded
coordinates, or at the city a GB/T 2260 region code names. Coordinates are rounded to
`COORD_STEP` degrees (about 5 km) before anything looks at them, so no stored scan pinpoints a
home.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from livetrace.identity.geo import PROVINCES
from livetrace.scans.verdict import Place

COORD_STEP = 0.05
NEAR_KM = 150.0
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
_MUNICIPALITIES = frozenset({"11", "12", "31", "50", "71", "81", "82"})


@dataclass(frozen=True, slots=True)
class City:
    """One row of the bundled city table."""

    code: str
    name_zh: str
    name_en: str
    latitude: float
    longitude: float

    @property
    def province(self) -> str:
        """The two-digit province part of the division code."""
        return self.code[:2]

    def place(self, latitude: float | None = None, longitude: float | None = None) -> Place:
        """This city as a scan place, at the given (rounded) coordinates or its own."""
        return Place(
            region=self.code,
            city_zh=self.name_zh,
            city_en=self.name_en,
            latitude=self.latitude if latitude is None else latitude,
            longitude=self.longitude if longitude is None else longitude,
        )


@cache
def cities() -> tuple[City, ...]:
    """The bundled table, read once."""
    text = resources.files("livetrace.scans").joinpath("data/cities.csv").read_text("utf-8")
    body = "".join(line for line in io.StringIO(text) if not line.startswith("#"))
    return tuple(
        City(r["code"], r["name_zh"], r["name_en"], float(r["lat"]), float(r["lon"]))
        for r in csv.DictReader(io.StringIO(body))
    )


@cache
def _by_code() -> dict[str, City]:
    return {city.code: city for city in cities()}


def round_coordinate(value: float, step: float = COORD_STEP) -> float:
    """A coordinate rounded to the nearest multiple of `step` degrees."""
    return round(round(value / step) * step, 4)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_city(latitude: float, longitude: float, *, within_km: float = NEAR_KM) -> City | None:
    """The closest bundled city within `within_km`, or None (abroad, at sea, remote)."""
    # One degree of latitude is ~111 km: a cheap box test skips most of the haversines.
    box = within_km / 111.0 + 0.5
    best: tuple[float, City] | None = None
    for city in cities():
        if abs(city.latitude - latitude) > box:
            continue
        distance = haversine_km(latitude, longitude, city.latitude, city.longitude)
        if distance <= within_km and (best is None or distance < best[0]):
            best = (distance, city)
    return best[1] if best else None


def city_for_region(code: str | None) -> City | None:
    """The bundled city of a GB/T 2260 code: the prefecture itself, or the one a county is in."""
    if not code or len(code) != 6 or not code.isdigit():
        return None
    table = _by_code()
    candidates = (code, code[:4] + "00", code[:2] + "0000")
    return next((table[c] for c in candidates if c in table), None)


def province_of(code: str | None) -> str | None:
    """The two-digit province part of a valid GB/T 2260 code, else None."""
    if not code or len(code) != 6 or not code.isdigit() or code[:2] not in PROVINCES:
        return None
    return code[:2]


def province_name(code: str | None) -> str | None:
    """The province's Chinese name for a region code, else None."""
    province = province_of(code)
    return PROVINCES[province] if province else None


def is_municipality(code: str) -> bool:
    """Whether the province part is a municipality or SAR (one city is the whole province)."""
    return code[:2] in _MUNICIPALITIES


def locate(
    latitude: float | None, longitude: float | None, region: str | None = None
) -> Place | None:
    """The coarse place of a scan: phone coordinates first, then a trusted region code."""
    if latitude is not None and longitude is not None and _valid(latitude, longitude):
        lat, lon = round_coordinate(latitude), round_coordinate(longitude)
        city = nearest_city(lat, lon)
        if city is not None:
            return city.place(lat, lon)
        # Far from every bundled city: keep the coordinates, named by the region if one is known.
        named = _region_place(region)
        if named is not None:
            return replace(named, latitude=lat, longitude=lon)
        return Place(region=None, city_zh=None, city_en=None, latitude=lat, longitude=lon)
    return _region_place(region)


def _region_place(region: str | None) -> Place | None:
    city = city_for_region(region)
    if city is not None:
        return city.place()
    if province_of(region) is not None:
        return Place(region=region, city_zh=None, city_en=None, latitude=None, longitude=None)
    return None


def _valid(latitude: float, longitude: float) -> bool:
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    )
