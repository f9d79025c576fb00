"""Stored signing keys: public half in clear, private half sealed."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import UTCDateTime


class KeyOwnerKind(StrEnum):
    """What a key signs for."""

    PARTY = "party"
    LOG = "log"
    WITNESS = "witness"


class KeyStatus(StrEnum):
    """Only active keys sign; retired keys stay to verify what they signed."""

    ACTIVE = "active"
    RETIRED = "retired"


class SigningKey(RecordMixin, Base):
    """An Ed25519 key pair belonging to a party, the log or a witness."""

    __tablename__ = "signing_key"
    __table_args__ = (
        Index(
            "uq_signing_key_one_active",
            "owner_kind",
            "owner_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    owner_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False, default="ed25519")
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=KeyStatus.ACTIVE)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"SigningKey(id={self.id}, owner={self.owner_kind}:{self.owner_id}, status={self.status})"
