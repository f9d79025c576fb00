"""Time and paging helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from livetrace.kit.clock import ensure_utc, utcnow
from livetrace.kit.errors import ValidationError
from livetrace.kit.pagination import MAX_LIMIT, PageRequest


def test_utcnow_is_aware_utc() -> None:
    assert utcnow().utcoffset() == timedelta(0)


def test_ensure_utc_converts_and_refuses_naive() -> None:
    t = datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    assert ensure_utc(t) == datetime(2026, 1, 1, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (MAX_LIMIT + 1, 0, "limit"), (10, -1, "offset")]
)
def test_page_request_bounds(limit: int, offset: int, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        PageRequest(limit=limit, offset=offset)
    assert info.value.field == field
