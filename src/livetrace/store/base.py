"""Declarative base with a naming convention, UUID keys and audit timestamps."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id
from livetrace.store.types import UTCDateTime

# Deterministic constraint names keep migrations reviewable and let batch mode on SQLite
# recreate tables without guessing names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RecordMixin:
    """`id`, `created_at`, `updated_at` for ordinary mutable records."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
