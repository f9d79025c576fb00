"""UN/CEFACT Rec 20 unit conversion for sensor value queries (`GT_maxValue_CEL=8` …).

Each unit is `(dimension, factor, offset)` with `value_in_base = value * factor + offset`;
bases are SI (kelvin, kilogram, metre, second, pascal, …). Only linear units are covered.
"""

from __future__ import annotations

from decimal import Decimal

from livetrace.epcis.errors import UnitConversionError

_D = Decimal
UNITS: dict[str, tuple[str, Decimal, Decimal]] = {
    # temperature (base kelvin)
    "KEL": ("temperature", _D(1), _D(0)),
    "CEL": ("temperature", _D(1), _D("273.15")),
    "FAH": ("temperature", _D(5) / _D(9), _D("459.67") * _D(5) / _D(9)),
    # mass (base kilogram)
    "KGM": ("mass", _D(1), _D(0)),
    "GRM": ("mass", _D("0.001"), _D(0)),
    "MGM": ("mass", _D("0.000001"), _D(0)),
    "TNE": ("mass", _D(1000), _D(0)),
    "LBR": ("mass", _D("0.45359237"), _D(0)),
    # length (base metre)
    "MTR": ("length", _D(1), _D(0)),
    "CMT": ("length", _D("0.01"), _D(0)),
    "MMT": ("length", _D("0.001"), _D(0)),
    "KTM": ("length", _D(1000), _D(0)),
    # volume (base cubic metre)
    "MTQ": ("volume", _D(1), _D(0)),
    "LTR": ("volume", _D("0.001"), _D(0)),
    "MLT": ("volume", _D("0.000001"), _D(0)),
    # pressure (base pascal)
    "PAL": ("pressure", _D(1), _D(0)),
    "KPA": ("pressure", _D(1000), _D(0)),
    "BAR": ("pressure", _D(100000), _D(0)),
    "MBR": ("pressure", _D(100), _D(0)),
    # speed (base metre per second)
    "MTS": ("speed", _D(1), _D(0)),
    "KMH": ("speed", _D(1000) / _D(3600), _D(0)),
    # time (base second)
    "SEC": ("time", _D(1), _D(0)),
    "MIN": ("time", _D(60), _D(0)),
    "HUR": ("time", _D(3600), _D(0)),
    # dimensionless ratios (base 1)
    "C62": ("ratio", _D(1), _D(0)),
    "P1": ("ratio", _D("0.01"), _D(0)),
    "59": ("ratio", _D("0.000001"), _D(0)),
    # energy (base joule)
    "JOU": ("energy", _D(1), _D(0)),
    "KWH": ("energy", _D(3600000), _D(0)),
    # illuminance, absolute humidity
    "LUX": ("illuminance", _D(1), _D(0)),
    "A93": ("mass-concentration", _D("0.001"), _D(0)),  # gram per cubic metre
    "GQ": ("mass-concentration", _D("0.000001"), _D(0)),  # microgram per cubic metre
}


def _unit(code: str) -> tuple[str, Decimal, Decimal]:
    try:
        return UNITS[code]
    except KeyError:
        raise UnitConversionError(f"unit {code!r} is not supported", field="uom") from None


def convertible(source: str, target: str) -> bool:
    """Whether both units are known and measure the same dimension."""
    return source in UNITS and target in UNITS and UNITS[source][0] == UNITS[target][0]


def convert(value: Decimal | float | int, source: str, target: str) -> Decimal:
    """`value` in unit `source` expressed in unit `target` (exact decimal arithmetic)."""
    dim_s, factor_s, offset_s = _unit(source)
    dim_t, factor_t, offset_t = _unit(target)
    if dim_s != dim_t:
        raise UnitConversionError(f"{source} ({dim_s}) cannot be converted to {target} ({dim_t})")
    base = Decimal(str(value)) * factor_s + offset_s
    return (base - offset_t) / factor_t
