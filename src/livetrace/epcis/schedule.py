"""EPCIS query schedules: parsing the standard's fields and computing the next run (UTC).

A schedule has up to six fields (`second`, `minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek`;
day of week 1 = Monday … 7 = Sunday). Each is a string: a comma-separated list of elements, an
element being a number or a range `[low-high]` (inclusive), e.g. `"0,[15-17],30"`. A time matches
when every field matches. An omitted day field (`dayOfMonth`, `month`, `dayOfWeek`) matches any
value; an omitted time field (`second`, `minute`, `hour`) matches any value when it is more
significant than every given field, and only its minimum (0) otherwise, so `{"hour": "1",
"minute": "5"}` runs daily at 01:05:00 and `{"minute": "5"}` hourly at hh:05:00.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

FIELDS: dict[str, tuple[int, int]] = {
    "second": (0, 59), "minute": (0, 59), "hour": (0, 23),
    "dayOfMonth": (1, 31), "month": (1, 12), "dayOfWeek": (1, 7),
}  # fmt: skip
# Significance order: a time field finer than a given field defaults to its minimum.
ORDER = ("second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek")
# Long enough for any satisfiable day combination: 29 February on a given weekday recurs within
# 28 years, within 40 across a skipped century leap day (2100); 60 leaves room.
HORIZON_DAYS = 366 * 60
_NUMBER = re.compile(r"\d{1,2}")
_RANGE = re.compile(r"\[(\d{1,2})-(\d{1,2})\]")


class ScheduleError(ValueError):
    """A schedule that does not follow the standard's syntax or can never run."""

    def __init__(self, message: str, field: str = "schedule") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Schedule:
    """The allowed values of each field, sorted."""

    second: tuple[int, ...]
    minute: tuple[int, ...]
    hour: tuple[int, ...]
    day_of_month: frozenset[int]
    month: frozenset[int]
    day_of_week: frozenset[int]

    def matches(self, when: datetime) -> bool:
        """Whether `when` (as UTC) is a run time of this schedule."""
        t = when.astimezone(UTC)
        return (
            self.day_matches(t.date()) and t.hour in self.hour and t.minute in self.minute
            and t.second in self.second
        )  # fmt: skip

    def day_matches(self, day: date) -> bool:
        """Whether the schedule runs at some time on `day`."""
        return (
            day.month in self.month and day.day in self.day_of_month
            and day.isoweekday() in self.day_of_week
        )  # fmt: skip


def parse_field(name: str, text: object) -> frozenset[int]:
    """One field's allowed values; ScheduleError names the field and the fault."""
    low, high = FIELDS[name]
    where = f"schedule.{name}"
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)  # the standard's examples write single values as JSON numbers
    if not isinstance(text, str) or not text.strip():
        raise ScheduleError(f'{where}: a non-empty string such as "1,[3-5]" is needed', where)
    values: set[int] = set()
    for element in (part.strip() for part in text.split(",")):
        if _NUMBER.fullmatch(element):
            first = last = int(element)
        elif m := _RANGE.fullmatch(element):
            first, last = int(m.group(1)), int(m.group(2))
            if first > last:
                raise ScheduleError(f"{where}: range {element} runs backwards", where)
        else:
            raise ScheduleError(
                f"{where}: {element!r} is neither a number nor a range [low-high]", where
            )
        if first < low or last > high:
            raise ScheduleError(f"{where}: {element} is outside {low} through {high}", where)
        values.update(range(first, last + 1))
    return frozenset(values)


def parse_schedule(raw: Mapping[str, object]) -> Schedule:
    """A schedule from its JSON object; ScheduleError for unknown or malformed fields."""
    if not isinstance(raw, Mapping) or not raw:
        raise ScheduleError("schedule: give at least one of " + ", ".join(ORDER))
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ScheduleError(f"schedule: unknown field(s) {', '.join(unknown)}; allowed: "
                            + ", ".join(ORDER))  # fmt: skip
    given = {name: parse_field(name, raw[name]) for name in ORDER if name in raw}
    finest = min(ORDER.index(name) for name in given)
    allowed: dict[str, frozenset[int]] = {}
    for i, name in enumerate(ORDER):
        low, high = FIELDS[name]
        default = frozenset({low}) if i < finest and i < 3 else frozenset(range(low, high + 1))
        allowed[name] = given.get(name, default)
    schedule = Schedule(
        second=tuple(sorted(allowed["second"])), minute=tuple(sorted(allowed["minute"])),
        hour=tuple(sorted(allowed["hour"])), day_of_month=allowed["dayOfMonth"],
        month=allowed["month"], day_of_week=allowed["dayOfWeek"],
    )  # fmt: skip
    if next_run(schedule, datetime(2000, 1, 1, tzinfo=UTC)) is None:
        raise ScheduleError("schedule: dayOfMonth, month and dayOfWeek never fall on one day")
    return schedule


def next_run(schedule: Schedule, after: datetime) -> datetime | None:
    """The first run time strictly after `after` (UTC, whole seconds); None if there is none."""
    start = after.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
    day = start.date()
    clock: time | None = start.time()
    for _ in range(HORIZON_DAYS):
        if schedule.day_matches(day):
            found = _first_time(schedule, clock or time(0, 0, 0))
            if found is not None:
                return datetime.combine(day, found, tzinfo=UTC)
        day += timedelta(days=1)
        clock = None
    return None


def upcoming(schedule: Schedule, after: datetime) -> datetime:
    """The first run time strictly after `after`; ScheduleError when there is none."""
    due = next_run(schedule, after)
    if due is None:
        raise ScheduleError(f"schedule: no run time after {after.isoformat()}")
    return due


def _first_time(schedule: Schedule, earliest: time) -> time | None:
    """The first (hour, minute, second) of the schedule at or after `earliest` in one day."""
    for h in schedule.hour[bisect_left(schedule.hour, earliest.hour) :]:
        m_from = earliest.minute if h == earliest.hour else 0
        for m in schedule.minute[bisect_left(schedule.minute, m_from) :]:
            s_from = earliest.second if (h, m) == (earliest.hour, earliest.minute) else 0
            i = bisect_left(schedule.second, s_from)
            if i < len(schedule.second):
                return time(h, m, schedule.second[i])
    return None
