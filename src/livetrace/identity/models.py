"""Tables of the identity package."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import UTCDateTime, json_type


class Party(RecordMixin, Base):
    """An organisation in the chain: brand, farm, factory, lab, carrier, streamer, regulator…"""

    __tablename__ = "party"

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    company_prefix: Mapped[str | None] = mapped_column(String(12), nullable=True)
    gln: Mapped[str | None] = mapped_column(String(13), nullable=True, unique=True)
    region_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    roles: Mapped[list[PartyRoleGrant]] = relationship(
        back_populates="party", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> list[str]:
        """The party's roles, sorted."""
        return sorted(r.role for r in self.roles)


class PartyRoleGrant(Base):
    """One role held by a party."""

    __tablename__ = "party_role"

    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    party: Mapped[Party] = relationship(back_populates="roles", lazy="raise")


class User(RecordMixin, Base):
    """A person acting for a party."""

    __tablename__ = "app_user"

    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ApiToken(RecordMixin, Base):
    """A bearer token; only a hash of its secret is stored."""

    __tablename__ = "api_token"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    lookup: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(json_type(), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Location(RecordMixin, Base):
    """A place identified by GLN (+ extension): a farm plot, a line, a warehouse, a store."""

    __tablename__ = "location"
    __table_args__ = (UniqueConstraint("gln", "extension"),)

    party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=False, index=True
    )
    gln: Mapped[str] = mapped_column(String(13), nullable=False)
    # GS1 AI 254 component; "0" is the SGLN convention for "no extension".
    extension: Mapped[str] = mapped_column(String(20), nullable=False, default="0")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="site")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    region_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False, default=dict)
