"""Query schedules: the standard's field syntax and the next run time, checked against brute force."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.epcis.schedule import FIELDS, Schedule, ScheduleError, next_run, parse_schedule


@st.composite
def field_text(draw: st.DrawFn, name: str) -> tuple[str, frozenset[int]]:
    """A field value in the standard's syntax and the set of values it allows."""
    low, high = FIELDS[name]
    elements: list[str] = []
    values: set[int] = set()
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.integers(low, high))
        if draw(st.booleans()):
            last = draw(st.integers(first, min(high, first + 4)))
            elements.append(f"[{first}-{last}]")
            values.update(range(first, last + 1))
        else:
            elements.append(str(first))
            values.add(first)
    return ",".join(elements), frozenset(values)


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, str]:
    """A schedule object with a random, non-empty choice of fields."""
    names = draw(st.sets(st.sampled_from(sorted(FIELDS)), min_size=1))
    # 31 February and friends never run; keep the day fields satisfiable for these properties.
    names -= {"month"} if "dayOfMonth" in names else set()
    return {name: draw(field_text(name))[0] for name in names}


# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    max_value=datetime(2090, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    timezones=st.just(UTC),
)


def brute_next(schedule: Schedule, after: datetime) -> datetime:
    """The next run by enumeration: first matching day, then every time of that day."""
    day = after.date()
    while True:
        if schedule.day_matches(day):
            times = (time(h, m, s) for h, m, s in
                     product(schedule.hour, schedule.minute, schedule.second))  # fmt: skip
            later = [datetime.combine(day, t, tzinfo=UTC) for t in times]
            later = [t for t in later if t > after]
            if later:
                return min(later)
        day += timedelta(days=1)


@given(name=st.sampled_from(sorted(FIELDS)), data=st.data())
def test_field_syntax_round_trips(name: str, data: st.DataObject) -> None:
    text, values = data.draw(field_text(name))
    parsed = parse_schedule({name: text})
    attr = {"dayOfMonth": "day_of_month", "dayOfWeek": "day_of_week"}.get(name, name)
    assert frozenset(getattr(parsed, attr)) == values


@given(raw=schedules(), after=instants)
def test_next_run_is_the_first_matching_second_after(raw: dict[str, str], after: datetime) -> None:
    schedule = parse_schedule(raw)
    run = next_run(schedule, after)
    assert run is not None
    assert run > after and run.microsecond == 0 and schedule.matches(run)
    assert run == brute_next(schedule, after)


@given(raw=schedules(), after=instants)
def test_next_run_is_stable_until_it_passes(raw: dict[str, str], after: datetime) -> None:
    schedule = parse_schedule(raw)
    run = next_run(schedule, after)
    assert run is not None
    assert next_run(schedule, run - timedelta(microseconds=1)) == run
    following = next_run(schedule, run)
    assert following is not None and following > run


def test_omitted_finer_time_fields_default_to_zero() -> None:
    at = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
    assert next_run(parse_schedule({"hour": "1", "minute": "5"}), at) == datetime(
        2026, 11, 23, 1, 5, tzinfo=UTC
    )
    assert next_run(parse_schedule({"minute": "5"}), at) == datetime(2026, 11, 22, 3, 5, tzinfo=UTC)
    assert next_run(parse_schedule({"dayOfWeek": "1"}), at) == datetime(
        2026, 11, 23, tzinfo=UTC
    )  # 2026-11-23 is a Monday
    assert next_run(parse_schedule({"second": "[10-11]"}), at) == at + timedelta(seconds=10)
    assert next_run(parse_schedule({"minute": 30}), at) == at + timedelta(minutes=30)


def test_day_fields_must_all_match() -> None:
    leap_monday = parse_schedule({"dayOfMonth": "29", "month": "2", "dayOfWeek": "1"})
    run = next_run(leap_monday, datetime(2026, 11, 22, tzinfo=UTC))
    assert run == datetime(2044, 2, 29, tzinfo=UTC)
    assert run.date() == date(2044, 2, 29) and run.isoweekday() == 1


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "schedule", "give at least one of"),
        ({"hour": "24"}, "schedule.hour", "24 is outside 0 through 23"),
        ({"dayOfWeek": "0"}, "schedule.dayOfWeek", "0 is outside 1 through 7"),
        ({"minute": "[50-10]"}, "schedule.minute", "range [50-10] runs backwards"),
        ({"second": "5-10"}, "schedule.second", "'5-10' is neither a number nor a range"),
        ({"second": "1,,2"}, "schedule.second", "'' is neither a number nor a range"),
        ({"month": ""}, "schedule.month", "a non-empty string"),
        ({"hour": True}, "schedule.hour", "a non-empty string"),
        ({"weekday": "1"}, "schedule", "unknown field(s) weekday"),
        ({"dayOfMonth": "[30-31]", "month": "2"}, "schedule", "never fall on one day"),
    ],
)
def test_malformed_schedules_are_refused_precisely(
    raw: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(raw)
    assert caught.value.field == field
    assert message in str(caught.value)
