"""Event model helpers and the error classes' EPCIS exception types."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livetrace.epcis import errors
from livetrace.epcis.model import EVENT_CLASSES, ObjectEvent, parse_timestamp
from livetrace.epcis.validation import validate_document
from livetrace.kit.errors import LivetraceError


def test_five_event_types() -> None:
    assert set(EVENT_CLASSES) == {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }


def test_timestamps_stay_lexical_and_parse_aware() -> None:
    event = ObjectEvent(
        event_time="2023-02-02T11:04:03.1415926+01:00",
        event_time_zone_offset="+01:00",
        action="OBSERVE",
    )
    assert event.event_time == "2023-02-02T11:04:03.1415926+01:00"
    assert event.event_datetime() == datetime(2023, 2, 2, 10, 4, 3, 141592, tzinfo=UTC)


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        parse_timestamp("2023-02-02T11:04:03")


@pytest.mark.parametrize(
    ("cls", "epcis_type"),
    [
        (errors.EPCISValidationError, "epcisException:ValidationException"),
        (errors.EpcisParseError, "epcisException:ValidationException"),
        (errors.UnitConversionError, "epcisException:QueryParameterException"),
        (errors.EpcisBindingError, "epcisException:ImplementationException"),
    ],
)
def test_errors_carry_code_and_epcis_type(cls: type[errors.EpcisError], epcis_type: str) -> None:
    assert issubclass(cls, LivetraceError)
    assert cls.epcis_type == epcis_type
    assert cls.code.startswith("epcis-")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_validation_reports_instead_of_raising(value: object) -> None:
    doc = {"type": "EPCISDocument", "@context": "x", "epcisBody": {"eventList": [value]}}
    for candidate in (value, doc):
        problems = validate_document(json.dumps(candidate))
        assert isinstance(problems, list)
