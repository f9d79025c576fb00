"""Tables of the scans package: the scan log, alerts to brands, per-product rule thresholds.

The scan log keeps what a verdict needs and nothing personal: a salted hash of the page's random
device cookie (never an IP address or user agent), a coarse place (city, coordinates rounded to
0.05 degree) and what the scanned link said.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.codes.models import time_ordered_id
from livetrace.kit.clock import utcnow
from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import UTCDateTime, json_type


class ScanRecord(Base):
    """One scan: when, of what, what was concluded, and from roughly where."""

    __tablename__ = "scan_log"
    __table_args__ = (
        # Per-code history, first/last scans and distinct-device counts read only this index.
        Index("ix_scan_log_code_at", "code_id", "at"),
        # Covers the distinct-device counts, hidden-code ones included, without the table.
        Index("ix_scan_log_code_device", "code_id", "device_hash", "hidden_checked"),
        Index("ix_scan_log_region_at", "region", "at"),
        Index("ix_scan_log_gtin_verdict_at", "gtin", "verdict", "at"),
    )

    # Time-ordered keys: scans arrive in time order and land at the index's right edge.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=time_ordered_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    code_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("item_code.id", ondelete="SET NULL"), nullable=True
    )
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True)
    lot: Mapped[str | None] = mapped_column(String(20), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(20), nullable=True)
    verdict: Mapped[str] = mapped_column(String(12), nullable=False)
    reasons: Mapped[list[str]] = mapped_column(json_type(), nullable=False, default=list)
    device_hash: Mapped[str | None] = mapped_column(String(32), nullable=True)
    region: Mapped[str | None] = mapped_column(String(6), nullable=True)
    city: Mapped[str | None] = mapped_column(String(32), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    nfc_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hidden_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ScanAlert(RecordMixin, Base):
    """An alert to a brand: a clone, diversion, impossible-travel, replay or forged-burst pattern.

    One open (or acknowledged) alert per code and kind (`dedupe_key`): later scans bump its count
    and last-seen time instead of piling up rows; a closed alert lets a new one open.
    """

    __tablename__ = "scan_alert"
    __table_args__ = (
        Index(
            "uq_scan_alert_live_key",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
        Index("ix_scan_alert_brand_status_last", "brand_party_id", "status", "last_seen"),
    )

    brand_party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=False
    )
    code_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("item_code.id", ondelete="SET NULL"), nullable=True, index=True
    )
    gtin: Mapped[str | None] = mapped_column(String(14), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    dedupe_key: Mapped[str] = mapped_column(String(80), nullable=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    details: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False, default=dict)


class ScanThreshold(RecordMixin, Base):
    """A product's own rule thresholds (absent: the defaults)."""

    __tablename__ = "scan_threshold"

    product_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("product.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    warn_devices: Mapped[int] = mapped_column(Integer, nullable=False)
    alarm_devices: Mapped[int] = mapped_column(Integer, nullable=False)
    travel_kmh: Mapped[float] = mapped_column(Float, nullable=False)
