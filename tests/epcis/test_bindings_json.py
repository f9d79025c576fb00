"""JSON / JSON-LD binding: reading, writing, normalisation of CBV values and contexts."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.helpers import GS1, HASH_DOCS, OPENEPCIS, files, ids
from livetrace.epcis import bindings_json as bj
from livetrace.epcis import model as m
from livetrace.epcis.errors import EpcisError, EpcisParseError

DOCUMENTS = (
    files(GS1 / "JSON", "*.jsonld")
    + files(OPENEPCIS / "JSON" / "Capture" / "Documents", "*.json")
    + files(HASH_DOCS, "*.json", "*.jsonld")
)


@pytest.mark.parametrize("path", DOCUMENTS, ids=ids(DOCUMENTS))
def test_json_round_trip_is_lossless(path: Path) -> None:
    doc = bj.parse_document(path.read_bytes())
    assert doc.events
    again = bj.parse_document(bj.dumps(doc))
    assert again == doc
    assert bj.document_to_json(again) == bj.document_to_json(doc)


def _event(**extra: object) -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T10:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["https://id.gs1.org/01/09521234543213/21/1"],
        "action": "OBSERVE",
        **extra,
    }


@pytest.mark.parametrize(
    "written",
    [
        "shipping",
        "cbv:BizStep-shipping",
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "urn:epcglobal:cbv:bizstep:shipping",
    ],
)
def test_cbv_values_normalise_to_bare_words(written: str) -> None:
    event = bj.parse_event(_event(bizStep=written))
    assert event.biz_step == "shipping"
    assert bj.event_to_json(event)["bizStep"] == "shipping"


def test_custom_vocabulary_kept_as_written() -> None:
    event = bj.parse_event(_event(bizStep="https://example.com/steps/milling"))
    assert event.biz_step == "https://example.com/steps/milling"


def test_extensions_kept_in_order_with_their_namespaces() -> None:
    ctx = [
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        {"rice": "https://rice.example/ns/"},
    ]
    obj = {"@context": ctx, **_event(**{"rice:zeta": 1, "rice:alpha": {"rice:field": "A-7"}})}
    event = bj.parse_event(obj, prefixes={"rice": "https://rice.example/ns/"})
    assert [k for k, _ in event.extensions] == ["rice:zeta", "rice:alpha"]
    assert event.namespaces == (("rice", "https://rice.example/ns/"),)
    assert list(bj.event_to_json(event))[-2:] == ["rice:zeta", "rice:alpha"]


def test_single_event_with_its_own_context() -> None:
    path = OPENEPCIS / "JSON" / "Capture" / "Events" / "ObjectEvent.json"
    event = bj.parse_event(json.loads(path.read_bytes()))
    assert isinstance(event, m.ObjectEvent)


def test_query_document() -> None:
    doc = bj.parse_document((GS1 / "JSON" / "EPCISQueryDocument.jsonld").read_bytes())
    assert doc.kind == "EPCISQueryDocument"
    assert doc.query_name
    out = bj.document_to_json(doc)
    assert out["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantityList": [{"epcClass": "x", "quantity": "ten"}]}, "$.quantityList[0].quantity"),
        ({"epcList": "not-a-list"}, "$.epcList"),
        ({"type": "NoSuchEvent"}, "$.type"),
    ],
)
def test_wrong_shapes_name_the_path(change: dict[str, object], field: str) -> None:
    with pytest.raises(EpcisParseError) as info:
        bj.parse_event(_event(**change))
    assert info.value.field == field


def test_malformed_json_is_a_parse_error() -> None:
    with pytest.raises(EpcisParseError):
        bj.parse_document(b"{not json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_random_json_raises_only_package_errors(value: object) -> None:
    for candidate in (value, {"type": "EPCISDocument", "epcisBody": {"eventList": [value]}}):
        with contextlib.suppress(EpcisError):
            bj.parse_document(json.dumps(candidate))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=64))
def test_random_bytes_raise_only_package_errors(data: bytes) -> None:
    with contextlib.suppress(EpcisError):
        bj.parse_document(data)


@settings(max_examples=200, deadline=None)
@given(
    event=st.dictionaries(
        st.sampled_from(
            [*list(_event()), "quantityList", "readPoint", "sensorElementList", "ilmd", "x:y"]
        ),
        json_values,
        max_size=8,
    )
)
def test_random_events_raise_only_package_errors(event: dict[str, object]) -> None:
    with contextlib.suppress(EpcisError):
        bj.parse_event({**_event(), **event})
