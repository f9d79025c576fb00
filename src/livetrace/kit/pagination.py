"""Offset pagination shared by list endpoints and commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from livetrace.kit.errors import ValidationError

T = TypeVar("T")

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which slice of an ordered list the caller wants."""

    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        if self.offset < 0:
            raise ValidationError("offset must not be negative", field="offset")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One slice of results plus the total, so clients can page without guessing."""

    items: list[T]
    total: int
    limit: int
    offset: int
