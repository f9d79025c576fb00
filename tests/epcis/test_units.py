"""UN/CEFACT unit conversion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.epcis.errors import UnitConversionError
from livetrace.epcis.units import UNITS, convert, convertible


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (0, "CEL", "KEL", "273.15"),
        (100, "CEL", "FAH", "212"),
        (32, "FAH", "CEL", "0"),
        (1, "KGM", "GRM", "1000"),
        (36, "KMH", "MTS", "10"),
        (1, "BAR", "KPA", "100"),
    ],
)
def test_known_conversions(value: int, source: str, target: str, expected: str) -> None:
    assert round(convert(value, source, target), 9) == Decimal(expected)


def test_incompatible_units() -> None:
    assert not convertible("CEL", "KGM")
    with pytest.raises(UnitConversionError):
        convert(1, "CEL", "KGM")
    with pytest.raises(UnitConversionError):
        convert(1, "XXX", "KGM")


@given(
    value=st.decimals(min_value=-1000, max_value=1000, places=3),
    pair=st.sampled_from([(a, b) for a in UNITS for b in UNITS if convertible(a, b)]),
)
def test_round_trip(value: Decimal, pair: tuple[str, str]) -> None:
    there = convert(value, *pair)
    assert abs(convert(there, pair[1], pair[0]) - value) < Decimal("1e-9")
