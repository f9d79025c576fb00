"""Scanner output (symbology identifier + data) against the Syntax Engine's scan-data vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from livetrace.gs1.ai import build_element_string
from livetrace.gs1.errors import Gs1Error
from livetrace.gs1.scan_data import ScanData, parse_scan_data

ASSETS = Path(__file__).parent.parent / "assets" / "gs1"
SCANDATA = json.loads((ASSETS / "scandata.json").read_text("utf-8"))


def _engine_form(result: ScanData) -> str:
    """The engine's notation: '^' for FNC1, '\\^' for a literal caret in plain data."""
    if result.gs1:
        return "^" + build_element_string(result.elements, separator="^")
    if result.composite:
        linear = result.text.partition("|")[0]
        return f"{linear}|^" + build_element_string(result.composite, separator="^")
    return result.text.replace("^", "\\^")


@pytest.mark.parametrize("case", SCANDATA["process"], ids=lambda c: repr(c["scan_data"]))
def test_process_scan_data_vectors(case: dict[str, Any]) -> None:
    if not case["ok"]:
        with pytest.raises(Gs1Error):
            parse_scan_data(case["scan_data"])
        return
    result = parse_scan_data(case["scan_data"])
    assert result.symbology == case["expect_symbology"]
    assert _engine_form(result) == case["expect_data"]


@pytest.mark.parametrize("case", SCANDATA["generate"], ids=lambda c: f"{c['symbology']}")
def test_generate_scan_data_vectors(case: dict[str, Any]) -> None:
    pytest.skip("generating scanner output is a barcode-encoder concern, not implemented")


def test_digital_link_in_plain_qr_yields_ais() -> None:
    result = parse_scan_data("]Q1https://example.com/01/12312312312333?99=TEST")
    assert [e.ai for e in result.elements] == ["01", "99"]
