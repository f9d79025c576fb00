"""The bundled city table, rounding, distances and coarse places."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livetrace.identity.geo import PROVINCES
from livetrace.scans import places

LAT = st.floats(min_value=-89.0, max_value=89.0, allow_nan=False)
LON = st.floats(min_value=-179.0, max_value=179.0, allow_nan=False)


def test_the_table_has_every_provincial_capital_and_a_hundred_more_cities() -> None:
    table = places.cities()
    codes = {c.code for c in table}
    assert len(codes) == len(table) >= 130
    provinces = {c.province for c in table}
    assert provinces == set(PROVINCES)  # every province, autonomous region, municipality, SAR
    capitals = {"110000", "120000", "310000", "500000", "130100", "140100", "150100", "210100",
                "220100", "230100", "320100", "330100", "340100", "350100", "360100", "370100",
                "410100", "420100", "430100", "440100", "450100", "460100", "510100", "520100",
                "530100", "540100", "610100", "620100", "630100", "640100", "650100"}  # fmt: skip
    assert capitals <= codes


def test_table_rows_are_well_formed() -> None:
    for city in places.cities():
        assert len(city.code) == 6 and city.code.isdigit(), city
        assert city.code[:2] in PROVINCES, city
        assert city.name_zh and city.name_en, city
        # Mainland China, Hong Kong, Macao and Taiwan lie within this box.
        assert 18.0 <= city.latitude <= 54.0 and 73.0 <= city.longitude <= 135.0, city


def test_haversine_known_distances() -> None:
    beijing, shanghai = places.city_for_region("110000"), places.city_for_region("310000")
    assert beijing is not None and shanghai is not None
    km = places.haversine_km(beijing.latitude, beijing.longitude,
                             shanghai.latitude, shanghai.longitude)  # fmt: skip
    assert 1050 < km < 1090  # ~1067 km great-circle
    assert places.haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * places.EARTH_RADIUS_KM)


@settings(deadline=None)  # no timing assertions: the machine is shared
@given(LAT, LON, LAT, LON)
def test_haversine_is_a_symmetric_non_negative_distance(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    there = places.haversine_km(lat1, lon1, lat2, lon2)
    back = places.haversine_km(lat2, lon2, lat1, lon1)
    assert there == pytest.approx(back, abs=1e-6)
    assert 0 <= there <= math.pi * places.EARTH_RADIUS_KM + 1e-6
    assert places.haversine_km(lat1, lon1, lat1, lon1) == 0


@settings(deadline=None)
@given(LAT)
def test_rounding_moves_a_coordinate_by_at_most_half_a_step(value: float) -> None:
    rounded = places.round_coordinate(value)
    assert abs(rounded - value) <= places.COORD_STEP / 2 + 1e-9
    assert round(rounded / places.COORD_STEP, 6) == round(rounded / places.COORD_STEP)


def test_nearest_city_within_150_km() -> None:
    near_harbin = places.nearest_city(45.75, 126.65)
    assert near_harbin is not None and near_harbin.name_en == "Harbin"
    # Wuchang (a county-level city of Harbin, ~90 km south-east) is placed at Harbin.
    wuchang = places.nearest_city(44.92, 127.15)
    assert wuchang is not None and wuchang.code == "230100"
    assert places.nearest_city(35.0, 140.0) is None  # Pacific, off Japan
    assert places.nearest_city(48.85, 2.35) is None  # Paris


def test_city_for_region_walks_up_to_the_prefecture() -> None:
    assert places.city_for_region("230184") == places.city_for_region("230100")  # Wuchang → Harbin
    assert places.city_for_region("110105") == places.city_for_region(
        "110000"
    )  # a Beijing district
    assert places.city_for_region("999999") is None
    assert places.city_for_region("23") is None
    assert places.city_for_region(None) is None


def test_province_helpers() -> None:
    assert places.province_of("230184") == "23"
    assert places.province_name("230184") == "黑龙江省"
    assert places.province_of("990000") is None
    assert places.province_of("abcdef") is None
    assert places.is_municipality("310104") and not places.is_municipality("320100")


def test_locate_rounds_phone_coordinates_and_names_the_city() -> None:
    place = places.locate(31.2304, 121.4737)
    assert place is not None
    assert (place.region, place.city_zh, place.city_en) == ("310000", "上海", "Shanghai")
    assert (place.latitude, place.longitude) == (31.25, 121.45)


def test_locate_far_from_any_city_keeps_only_rounded_coordinates() -> None:
    place = places.locate(48.8566, 2.3522)
    assert place is not None
    assert place.region is None and place.city_zh is None
    assert (place.latitude, place.longitude) == (48.85, 2.35)


def test_remote_phone_coordinates_are_named_by_a_trusted_region() -> None:
    # Hotan prefecture, far from every bundled city; the proxy says Xinjiang (653200).
    place = places.locate(37.11, 79.93, "653200")
    assert place is not None and place.region == "653200" and place.city_zh is None
    assert (place.latitude, place.longitude) == (37.1, 79.95)
    kashgar = places.locate(37.11, 79.93, "653101")  # a district of Kashgar, which is bundled
    assert kashgar is not None and kashgar.city_en == "Kashgar"
    assert (kashgar.latitude, kashgar.longitude) == (37.1, 79.95)


def test_locate_falls_back_to_a_trusted_region_code() -> None:
    place = places.locate(None, None, "440305")
    assert place is not None and place.city_en == "Shenzhen" and place.region == "440300"
    # A province without a bundled city keeps the code only; nonsense gives nothing.
    assert places.locate(None, None, "999999") is None
    assert places.locate(None, None, None) is None


@pytest.mark.parametrize(
    ("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (math.nan, 100.0), (30.0, math.inf)]
)
def test_locate_ignores_impossible_coordinates(lat: float, lon: float) -> None:
    assert places.locate(lat, lon) is None
    fallback = places.locate(lat, lon, "230100")
    assert fallback is not None and fallback.city_en == "Harbin"
