"""Tables of the trace package: projections rebuilt from events, and recall campaigns.

Projections come in two shapes. Folds (`trace_item_state`, `trace_containment`) are the result
of applying a key's events in log order; per-event facts (`trace_lineage`, `trace_lot_event`,
`trace_transaction_link`) carry the event they came from, so a correction removes exactly its
rows. Every projection row has a deterministic key so a rebuild gives identical tables. Recall
campaigns are primary records, not projections: a rebuild never touches them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.kit.clock import utcnow
from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import UTCDateTime, json_type

URI = 512  # canonical Digital Links and EPCIS URIs


class ItemState(Base):
    """Where an item or container is and what is true of it, after its last event."""

    __tablename__ = "trace_item_state"

    epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True)
    lot_class: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    disposition: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    persistent_dispositions: Mapped[list[str]] = mapped_column(json_type(), nullable=False)
    biz_location: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    read_point: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    last_biz_step: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    last_party_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    first_log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    first_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Containment(Base):
    """A child inside a parent container from one log position until another (or now)."""

    __tablename__ = "trace_containment"
    __table_args__ = (
        Index("ix_trace_containment_child_open", "child_epc", "unpack_log_index"),
        Index("ix_trace_containment_parent_open", "parent_epc", "unpack_log_index"),
    )

    parent_epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    child_epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    pack_log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    child_is_class: Mapped[bool] = mapped_column(Boolean, nullable=False)
    quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    pack_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    unpack_log_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    unpack_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LineageEdge(Base):
    """One input or output of a transformation; inputs and outputs meet on `group_key`.

    `group_key` is the transformationID when the event has one (several events may describe one
    transformation), else the event's own id.
    """

    __tablename__ = "trace_lineage"
    __table_args__ = (
        Index("ix_trace_lineage_epc_role", "epc", "role"),
        Index("ix_trace_lineage_group_role", "group_key", "role"),
        # Items that went into a transformation, found without probing every item of a lot.
        Index("ix_trace_lineage_instance_role", "is_class", "role", "epc"),
    )

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    epc: Mapped[str] = mapped_column(String(URI), nullable=False)
    is_class: Mapped[bool] = mapped_column(Boolean, nullable=False)
    quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    uom: Mapped[str | None] = mapped_column(String(8), nullable=True)
    group_key: Mapped[str] = mapped_column(String(URI), nullable=False)
    log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class LotEvent(Base):
    """An event that says something about a lot (class): origin data, production, inspection."""

    __tablename__ = "trace_lot_event"
    __table_args__ = (
        Index("ix_trace_lot_event_party", "party_id", "log_index"),
        Index("ix_trace_lot_event_line", "line", "event_time"),
    )

    lot_class: Mapped[str] = mapped_column(String(URI), primary_key=True)
    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True, index=True)
    lot: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str] = mapped_column(String(24), nullable=False)
    log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    party_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    biz_step: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    biz_location: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    read_point: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    line: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    shift: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False)


class TransactionLink(Base):
    """A business transaction (order, invoice, despatch advice…) an event ties an object to."""

    __tablename__ = "trace_transaction_link"
    __table_args__ = (
        Index("ix_trace_transaction_link_epc", "epc", "log_index"),
        Index("ix_trace_transaction_link_value", "biz_transaction"),
    )

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    biz_transaction: Mapped[str] = mapped_column(String(URI), nullable=False)
    type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str | None] = mapped_column(String(8), nullable=True)
    biz_step: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class VoidedEvent(Base):
    """An event an error declaration named: its effects are gone from every projection."""

    __tablename__ = "trace_voided_event"

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    declared_log_index: Mapped[int] = mapped_column(BigInteger, nullable=False)


PROJECTION_TABLES = (ItemState, Containment, LineageEdge, LotEvent, TransactionLink, VoidedEvent)


class Recall(RecordMixin, Base):
    """A recall campaign: who opened it, why, over which scope, and its signed statement."""

    __tablename__ = "trace_recall"

    number: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    scope_kind: Mapped[str] = mapped_column(String(24), nullable=False)
    scope: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    affected_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    counts: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False)
    statement_log_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(URI), nullable=True)


class RecallUnit(Base):
    """One unit frozen into a recall when it opened, with its progress since."""

    __tablename__ = "trace_recall_unit"
    __table_args__ = (Index("ix_trace_recall_unit_epc", "epc"),)

    recall_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("trace_recall.id", ondelete="CASCADE"), primary_key=True
    )
    epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True)
    lot_class: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    location: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    container: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    sold: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    progress: Mapped[str] = mapped_column(String(16), nullable=False, default="affected")
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RecallOrder(Base):
    """An order or other business transaction an affected unit is tied to."""

    __tablename__ = "trace_recall_order"

    recall_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("trace_recall.id", ondelete="CASCADE"), primary_key=True
    )
    biz_transaction: Mapped[str] = mapped_column(String(URI), primary_key=True)
    epc: Mapped[str] = mapped_column(String(URI), primary_key=True)
    type: Mapped[str | None] = mapped_column(String(32), nullable=True)
