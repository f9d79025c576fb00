"""Reading the GS1 Syntax Dictionary."""

from __future__ import annotations

import pytest

from livetrace.gs1.ai_dictionary import default_dictionary, matches_pattern, parse_dictionary
from livetrace.gs1.ai_lint import LINTERS
from livetrace.gs1.errors import DictionaryError


def test_shipped_dictionary_entries() -> None:
    table = default_dictionary()
    gtin = table.get("01")
    assert gtin is not None
    assert gtin.title == "GTIN"
    assert gtin.predefined_length
    assert gtin.dl_attribute
    assert gtin.dl_qualifiers == (("22", "10", "21"), ("235",))
    assert gtin.excludes == ("255", "37")
    serial = table.get("21")
    assert serial is not None
    assert not serial.dl_attribute
    assert serial.requires == ((("01",), ("03",), ("8006",)),)
    assert (serial.min_length, serial.max_length) == (1, 20)


def test_ranges_are_expanded_and_multiple_requirements_kept() -> None:
    table = default_dictionary()
    assert all(f"310{n}" in table for n in range(6))
    assert "3106" not in table
    count = table.get("37")
    assert count is not None
    assert count.requires == ((("00",),), (("02",), ("8026",)))
    digsig = table.get("8030")
    assert digsig is not None
    assert digsig.requires[0][1:2] == (("01", "21"),)


def test_optional_components_and_linters() -> None:
    entry = default_dictionary().get("7007")
    assert entry is not None
    first, second = entry.components
    assert (first.optional, second.optional) == (False, True)
    assert first.linters == second.linters == ("yymmdd",)
    assert (entry.min_length, entry.max_length) == (6, 12)


def test_every_linter_named_in_the_dictionary_exists() -> None:
    names = {
        name
        for entry in default_dictionary().entries.values()
        for component in entry.components
        for name in component.linters
    }
    assert names <= set(LINTERS)


def test_prefix_lookup() -> None:
    table = default_dictionary()
    entry = table.match_prefix("3103000195")
    assert entry is not None
    assert entry.ai == "3103"
    assert table.match_prefix("891234") is None


def test_pattern_matching() -> None:
    assert matches_pattern("3925", "392n")
    assert matches_pattern("3125", "31nn")
    assert not matches_pattern("3925", "393n")
    assert not matches_pattern("39", "39n")


@pytest.mark.parametrize(
    "line",
    ["0A  N14  # BAD AI", "01  *  # NO SPEC", "01  [N14  # UNBALANCED"],
)
def test_malformed_lines_raise(line: str) -> None:
    with pytest.raises(DictionaryError):
        parse_dictionary(line)
