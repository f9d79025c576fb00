"""Shapes shared by every router."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from livetrace.kit.pagination import Page

T = TypeVar("T", bound=BaseModel)


class PageOut(BaseModel, Generic[T]):
    """One page of results."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], T]) -> PageOut[T]:
        """Convert a domain page item by item."""
        return cls(
            items=[convert(i) for i in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )
