"""What barcode scanners transmit: a symbology identifier (`]Q3`, `]d2`…) then the data.

Handled: GS1 data in GS1 QR (`]Q3`), GS1 DataMatrix (`]d2`), GS1 DotCode (`]J1`), GS1-128
(`]C1`) and DataBar (`]e0`), with GS (0x1D) as FNC1; plain QR/DataMatrix/DotCode (`]Q1`, `]d1`,
`]J0`); EAN-13 (`]E0`) and EAN-8 (`]E4`), optionally followed by a `|]e0` composite component.

Choices:

* Plain data that starts with `http://` or `https://` (one case throughout) is read as a GS1
  Digital Link and must be one; other plain data is returned as text.
* EAN-13/EAN-8 data must carry a correct check digit; its GTIN is returned as AI (01).
"""

from __future__ import annotations

from dataclasses import dataclass

from livetrace.gs1.ai import GS, Element, parse_element_string
from livetrace.gs1.digital_link import STRICT, DlOptions, parse_digital_link
from livetrace.gs1.errors import ElementStringError
from livetrace.gs1.keys import normalize_gtin

# identifier → (symbology, carries GS1 element strings)
SYMBOLOGY_IDS = {
    "]Q1": ("QR", False), "]Q3": ("QR", True), "]d1": ("DM", False), "]d2": ("DM", True),
    "]J0": ("DotCode", False), "]J1": ("DotCode", True), "]e0": ("DataBarExpanded", True),
    "]C1": ("GS1_128_CCA", True),
}  # fmt: skip
_EAN = {"]E0": ("EAN13", 13), "]E4": ("EAN8", 8)}
_DL_SCHEMES = ("http://", "https://", "HTTP://", "HTTPS://")


@dataclass(frozen=True)
class ScanData:
    """Decoded scanner output: the symbology, the raw text and any GS1 AIs it carries."""

    symbology: str
    text: str
    elements: tuple[Element, ...] = ()
    gs1: bool = False
    composite: tuple[Element, ...] = ()


def parse_scan_data(scan: str, *, options: DlOptions = STRICT) -> ScanData:
    """Decode scanner output; raise a `Gs1Error` subclass if it is not valid."""
    prefix, data = scan[:3], scan[3:]
    if prefix in _EAN:
        return _parse_ean(prefix, data)
    if prefix not in SYMBOLOGY_IDS:
        raise ElementStringError(f"unknown symbology identifier {prefix!r}", field="scan data")
    symbology, gs1 = SYMBOLOGY_IDS[prefix]
    if gs1:
        return ScanData(symbology, data, parse_element_string(data, separator=GS), gs1=True)
    if data.startswith(_DL_SCHEMES):
        return ScanData(symbology, data, parse_digital_link(data, options).elements())
    return ScanData(symbology, data)


def _parse_ean(prefix: str, data: str) -> ScanData:
    """EAN-13/EAN-8 with an optional `|]e0` composite component."""
    symbology, length = _EAN[prefix]
    linear, bar, composite = data.partition("|")
    if len(linear) != length:
        raise ElementStringError(f"{symbology} needs {length} digits, got {len(linear)}")
    gtin = normalize_gtin(linear)
    extra: tuple[Element, ...] = ()
    if bar:
        if not composite.startswith("]e0"):
            raise ElementStringError("a composite component must start with ]e0")
        extra = parse_element_string(composite[3:], separator=GS)
    return ScanData(symbology, data, (Element("01", gtin), *extra), composite=extra)


__all__ = ["ScanData", "parse_scan_data"]
