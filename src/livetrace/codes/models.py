"""Tables of the codes package: code runs, item codes, NFC key sets and tags."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.codes.states import CodeState
from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import UTCDateTime


def time_ordered_id() -> uuid.UUID:
    """A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.

    Item codes are inserted a million at a time; keys that grow with time land at the right edge
    of the primary-key index instead of on random pages, which nearly doubles insert speed on
    SQLite. The random part keeps ids unguessable.
    """
    data = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    data[6] = (data[6] & 0x0F) | 0x70  # version 7
    data[8] = (data[8] & 0x3F) | 0x80  # RFC 9562 variant
    return uuid.UUID(bytes=bytes(data))


_VARIANT = {c: f"{int(c, 16) & 0x3 | 0x8:x}" for c in "0123456789abcdef"}


def time_ordered_hex_ids(count: int) -> list[str]:
    """`count` UUIDv7s like `time_ordered_id`, as 32 hex digits, in ascending order, in bulk.

    Ascending, so that a chunk inserted in this order only ever appends to the primary-key index.
    """
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    rand = os.urandom(10 * count).hex()
    # Per id: 20 random hex digits; the first gives way to the version, the fifth to the variant.
    ids = [
        f"{stamp}7{rand[i + 1 : i + 4]}{_VARIANT[rand[i + 4]]}{rand[i + 5 : i + 20]}"
        for i in range(0, 20 * count, 20)
    ]
    ids.sort()
    return ids


class CodeRun(RecordMixin, Base):
    """One issuance: `count` codes (or labels) for a product and lot, for one target."""

    __tablename__ = "code_run"

    product_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("product.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    lot_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("lot.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    brand_party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    lot_number: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False)
    target: Mapped[str] = mapped_column(String(12), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    paired: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    auth_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Captured at issue time: the EPC encoding needs the prefix length, and the brand's
    # registered prefix could change later without changing what was printed.
    company_prefix: Mapped[str | None] = mapped_column(String(12), nullable=True)
    epc_filter: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class ItemCode(Base):
    """One code: a serial of a GTIN (or, for batch runs, the lot itself) and its state.

    No audit timestamps per row: runs hold millions of codes and the run records when they were
    issued; `state_changed_at` records the last transition.
    """

    __tablename__ = "item_code"
    __table_args__ = (
        UniqueConstraint("gtin", "serial"),
        UniqueConstraint("run_id", "seq"),
        # One batch-level code per lot; NULL serials are distinct in the unique constraint above.
        Index(
            "uq_item_code_batch_lot",
            "gtin",
            "lot",
            unique=True,
            sqlite_where=text("serial IS NULL"),
            postgresql_where=text("serial IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=time_ordered_id)
    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("code_run.id", ondelete="RESTRICT"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    gtin: Mapped[str] = mapped_column(String(14), nullable=False)
    lot: Mapped[str] = mapped_column(String(20), nullable=False)
    serial: Mapped[str | None] = mapped_column(String(20), nullable=True)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=CodeState.ISSUED)
    auth_version: Mapped[int] = mapped_column(Integer, nullable=False)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hidden_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NfcKeySet(RecordMixin, Base):
    """A brand's NTAG 424 DNA keys: an AN10922 master for file-read keys, and the meta-read key.

    Both are sealed with the deployment secret (AES-256-GCM, bound to the row id and purpose).
    """

    __tablename__ = "nfc_key_set"
    __table_args__ = (UniqueConstraint("party_id", "version"),)

    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    sealed_master_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sealed_meta_read_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")


class NfcTag(RecordMixin, Base):
    """An NFC tag bound to one item code, with the last read counter accepted from it."""

    __tablename__ = "nfc_tag"

    uid: Mapped[str] = mapped_column(String(14), nullable=False, unique=True)
    code_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("item_code.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    key_set_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("nfc_key_set.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    last_counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tap_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_tap_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
