"""Reading resolver requests: limits, strict Digital Links, representations, languages (pure)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.gs1.digital_link import escape_path
from livetrace.gs1.keys import with_check_digit
from livetrace.scans.linkset import LinkTypeError
from livetrace.scans.resolver import (
    MAX_QUERY,
    MalformedRequestError,
    Representation,
    device_id,
    pick_language,
    read_request,
    rounded,
)
from livetrace.scans.verdict import NfcParams

BASE = "https://id.example.cn"
GTIN = with_check_digit("0690123400001")
PATH = f"/01/{GTIN}/10/L2026A/21/K7RM9WQ3"


def test_a_full_item_link_is_read() -> None:
    request = read_request(BASE, PATH, "auth=1.ABC&17=270101&lang=en&linkType=gs1:pip")
    assert (request.gtin, request.lot, request.serial) == (GTIN, "L2026A", "K7RM9WQ3")
    assert request.scanned_uri == f"{BASE}{PATH}?auth=1.ABC&17=270101"
    assert request.anchor == BASE + PATH
    assert request.representation is Representation.REDIRECT and request.link_type == "pip"
    assert request.lang == "en" and request.nfc is None


def test_nfc_parameters_are_forwarded_to_the_scan_but_not_to_page_links() -> None:
    request = read_request(
        BASE, PATH, "picc_data=EF963FF7828658A599F3041510E8DD3F&cmac=94EED9EE65337086"
    )
    assert request.nfc == NfcParams("EF963FF7828658A599F3041510E8DD3F", "94EED9EE65337086")
    assert "picc_data=" in request.scanned_uri and "picc_data" not in request.page_uri
    with pytest.raises(MalformedRequestError, match="both"):
        read_request(BASE, PATH, "picc_data=EF96")


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, "", Representation.HTML),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "", Representation.HTML),
        ("application/json", "", Representation.JSON),
        ("text/html;q=0.5, application/json", "", Representation.JSON),
        ("application/json;q=0.4, text/html", "", Representation.HTML),
        ("application/linkset+json", "", Representation.LINKSET),
        ("application/linkset+json;q=0.9, application/json", "", Representation.JSON),
        ("text/html", "linkType=all", Representation.LINKSET),
        ("text/html", "format=json", Representation.JSON),
        ("application/json", "format=html", Representation.HTML),
        ("text/html", "download=proof&index=12", Representation.PROOF),
        ("*/*", "", Representation.HTML),
    ],
)
def test_representations(accept: str | None, query: str, expected: Representation) -> None:
    assert read_request(BASE, PATH, query, accept=accept).representation is expected


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("linkType=gs1:nothing", LinkTypeError),
        ("format=xml", MalformedRequestError),
        ("download=everything", MalformedRequestError),
        ("download=proof&index=-1", MalformedRequestError),
        ("download=proof", MalformedRequestError),
        ("lang=en&lang=zh", MalformedRequestError),
        ("x=" + "y" * MAX_QUERY, MalformedRequestError),
        ("&".join(f"p{i}=1" for i in range(17)), MalformedRequestError),
        ("999=1", MalformedRequestError),  # not an AI
        ("21=X", MalformedRequestError),  # a qualifier must be in the path
        ("cmac=00&picc_data=XYZ", MalformedRequestError),
    ],
)
def test_bad_queries(query: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_request(BASE, PATH, query)


@pytest.mark.parametrize(
    "path",
    [
        "/01/06901234000018",  # wrong check digit
        "/01/690123400001",  # GTIN-12 in a link
        f"/01/{GTIN}/21/A/10/B",
        f"/01/{GTIN}/21/",
        f"/414/{with_check_digit('690123400001')}",  # not a GTIN key
        f"/01/{GTIN}/21/" + "A" * 400,
        f"/01/{GTIN}/21/%00",
        f"/01/{GTIN}/21/<script>",
    ],
)
def test_bad_paths(path: str) -> None:
    with pytest.raises(MalformedRequestError):
        read_request(BASE, path, "")


@given(st.text(max_size=300), st.text(max_size=300))
def test_any_input_is_read_or_refused_with_a_domain_error(path: str, query: str) -> None:
    with contextlib.suppress(MalformedRequestError, LinkTypeError):
        read_request(BASE, "/01/" + path, query, accept=path[:40], accept_language=query[:40])


SERIAL = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="%#?"),
                 min_size=1, max_size=20)  # fmt: skip


@given(SERIAL, st.sampled_from(["zh", "en"]))
def test_serials_round_trip_through_escaping(serial: str, lang: str) -> None:
    try:
        request = read_request(
            BASE, f"/01/{GTIN}/21/{escape_path(serial)}", f"lang={lang}&auth=1.A"
        )
    except MalformedRequestError:
        return  # characters outside GS1's set 82 are refused by the strict parser
    assert request.serial == serial and request.lang == lang
    assert request.scanned_uri.endswith("?auth=1.A")


@pytest.mark.parametrize(
    ("lang", "header", "expected"),
    [
        (None, None, "zh"),
        ("en", "zh-CN", "en"),
        ("fr", "en-US,en;q=0.9", "en"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "de-DE, en;q=0.5", "en"),
        (None, "en;q=0.3, zh;q=0.6", "zh"),
        (None, "ja, ko", "zh"),
        (None, "en;q=abc", "zh"),
    ],
)
def test_language(lang: str | None, header: str | None, expected: str) -> None:
    assert pick_language(lang, header) == expected


def test_device_ids_are_kept_when_well_formed_and_made_otherwise() -> None:
    made, new = device_id(None)
    assert new and len(made) >= 22
    assert device_id(made) == (made, False)
    for bad in ("", "short", "x" * 100, "<script>alert(1)</script>aaaaaaaaaaaaaa"):
        fresh, new = device_id(bad)
        assert new and fresh != bad


@pytest.mark.parametrize(
    ("value", "expected"),
    [("45.7612345", 45.76), ("-33.859", -33.86), ("", None), (None, None), ("abc", None),
     ("95", None), ("nan", None), ("1" * 40, None)],
)  # fmt: skip
def test_coordinates_are_rounded_to_a_hundredth(value: str | None, expected: float | None) -> None:
    assert rounded(value, -90, 90) == expected
