"""Run an ordered SELECT as one page plus a total count."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from livetrace.kit.pagination import Page, PageRequest

T = TypeVar("T")


def paginate(session: Session, stmt: Select[T], page: PageRequest) -> Page[T]:
    """One slice of `stmt` (which must be ordered) and the count of all its rows."""
    counted: Select[Any] = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.scalar(counted) or 0
    items = list(session.scalars(stmt.limit(page.limit).offset(page.offset)).all())
    return Page(items=items, total=int(total), limit=page.limit, offset=page.offset)
