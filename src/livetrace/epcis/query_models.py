"""Tables of the EPCIS query side: location hierarchy, named queries, webhook subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.epcis.models import URI
from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id
from livetrace.store.base import Base
from livetrace.store.types import UTCDateTime, json_type


class LocationParent(Base):
    """`child` location lies inside `parent` (both canonical identifiers), for `WD_` queries.

    Master data declares the hierarchy (a dock inside a warehouse, a plot inside a farm); a
    location may have one parent, so the hierarchy is a forest.
    """

    __tablename__ = "epcis_location_parent"

    child: Mapped[str] = mapped_column(String(URI), primary_key=True)
    parent: Mapped[str] = mapped_column(String(URI), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class NamedQuery(Base):
    """A stored SimpleEventQuery (`POST /queries`): its parameters as given, with `@context`."""

    __tablename__ = "epcis_named_query"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    party_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=True, index=True
    )
    query: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Subscription(Base):
    """A webhook subscription to a named query, with its delivery position.

    `last_log_index` is the position of the last event the receiver acknowledged (HTTP 2xx);
    delivery resumes after it. `min_record_time` is the standard's "minRecordTime": only events
    recorded at or after it are considered (the initial record time, then the last delivered
    record time). `secret` is the client's signature token, sealed with the deployment key.
    A scheduled subscription keeps its `schedule` (the standard's JSON object) and `run_due_at`,
    the run time it is serving or waiting for; a stream subscription has neither.
    """

    __tablename__ = "epcis_subscription"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    query_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_named_query.id", ondelete="CASCADE"), nullable=False, index=True
    )
    party_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=True, index=True
    )
    dest: Mapped[str] = mapped_column(String(2048), nullable=False)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    epc_format: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    initial_record_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    min_record_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_log_index: Mapped[int] = mapped_column(BigInteger, nullable=False, default=-1)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, index=True
    )
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(json_type(), nullable=True)
    report_if_empty: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    run_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
