"""Tables of the EPCIS repository: events with the indexed columns queries need."""

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
    and_,
    cast,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id
from livetrace.store.base import Base
from livetrace.store.types import UTCDateTime, json_type

URI = 512  # identifiers and URIs: long enough for Digital Links with qualifiers


class EpcisEventRow(Base):
    """One captured event: the stored JSON-LD plus columns for the standard query parameters.

    `log_index` is the event's statement in the verifiable log; it is also the repository's
    insertion order, which paging and subscriptions use.
    """

    __tablename__ = "epcis_event"
    __table_args__ = (
        Index("ix_epcis_event_type_time", "event_type", "event_time"),
        Index("ix_epcis_event_step_time", "biz_step", "event_time"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    event_hash: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    event_type: Mapped[str] = mapped_column(String(32), nullable=False)
    action: Mapped[str | None] = mapped_column(String(8), nullable=True)
    biz_step: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    event_time_zone_offset: Mapped[str] = mapped_column(String(6), nullable=False)
    record_time: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, index=True
    )
    read_point: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    biz_location: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    transformation_id: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    capture_job_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("epcis_capture_job.id", ondelete="SET NULL"), nullable=True, index=True
    )
    log_index: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    # Set when a later error declaration names this event (the original row is never edited
    # otherwise; the declaration itself is a separate event).
    error_declared_by: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    error_declaration_time: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, index=True
    )
    error_reason: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False)


class EpcisEventEpc(Base):
    """An identifier an event names, with its role (epcList, parentID, inputEPCList, …)."""

    __tablename__ = "epcis_event_epc"
    __table_args__ = (Index("ix_epcis_event_epc_epc_role", "epc", "role"),)

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(24), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    epc: Mapped[str] = mapped_column(String(URI), nullable=False)
    raw: Mapped[str] = mapped_column(String(URI), nullable=False)
    is_class: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    quantity: Mapped[float | None] = mapped_column(Float, nullable=True)
    uom: Mapped[str | None] = mapped_column(String(8), nullable=True)


class EpcisEventLink(Base):
    """A business transaction, source or destination of an event, by type."""

    __tablename__ = "epcis_event_link"
    __table_args__ = (Index("ix_epcis_event_link_kind_type_value", "kind", "type", "value"),)

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    value: Mapped[str] = mapped_column(String(URI), nullable=False)


class EpcisEventField(Base):
    """A flattened ILMD or extension value (full IRI name), for EQ_/GT_/LT_ field queries."""

    __tablename__ = "epcis_event_field"
    __table_args__ = (
        Index("ix_epcis_event_field_text", "section", "name", "value_text"),
        Index("ix_epcis_event_field_num", "section", "name", "value_num"),
    )

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    section: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(URI), nullable=False)
    value_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    value_num: Mapped[float | None] = mapped_column(Float, nullable=True)
    value_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EpcisSensorReport(Base):
    """One sensor report of an event, for sensor queries and the cold chain."""

    __tablename__ = "epcis_sensor_report"
    __table_args__ = (Index("ix_epcis_sensor_report_type_uom", "type", "uom"),)

    event_pk: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("epcis_event.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    element: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(URI), nullable=True, index=True)
    time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    mean_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    uom: Mapped[str | None] = mapped_column(String(8), nullable=True)
    string_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    boolean_value: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    component: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    exception: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    s_dev: Mapped[float | None] = mapped_column(Float, nullable=True)
    perc_rank: Mapped[float | None] = mapped_column(Float, nullable=True)
    perc_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    data_processing_method: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    biz_rules: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    microorganism: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    chemical_substance: Mapped[str | None] = mapped_column(String(URI), nullable=True)
    hex_binary_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    uri_value: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaptureJob(Base):
    """A `POST /capture` job: its state and, when it failed, the reasons."""

    __tablename__ = "epcis_capture_job"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    running: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    success: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    error_behaviour: Mapped[str] = mapped_column(String(16), nullable=False, default="rollback")
    event_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    captured_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def undeclared(dialect: str) -> Any:
    """No error declaration names the event.

    On SQLite written as `coalesce(…) IS NULL` over both columns, so SQLite cannot drive a join
    from the declaration-time index, where nearly every event matches: a lookup by identifier
    then scanned every event instead of the identifier index. PostgreSQL gets the two plain
    tests: it knows from its statistics that nearly every event matches them, and it cannot
    estimate the expression (it took it for rare and scanned every event the other way round).
    """
    if dialect == "sqlite":
        return func.coalesce(
            EpcisEventRow.error_declared_by, cast(EpcisEventRow.error_declaration_time, String)
        ).is_(None)
    return and_(
        EpcisEventRow.error_declared_by.is_(None), EpcisEventRow.error_declaration_time.is_(None)
    )
