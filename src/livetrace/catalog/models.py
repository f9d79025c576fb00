"""Tables of the catalog package."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.store.base import Base, RecordMixin
from livetrace.store.types import json_type


class CategoryTemplate(RecordMixin, Base):
    """A category's declared attributes (stored as the validated `TemplateSpec` JSON)."""

    __tablename__ = "category_template"

    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), nullable=False)
    builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    owner_party_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=True, index=True
    )


class Product(RecordMixin, Base):
    """A trade item identified by its GTIN-14, owned by a brand."""

    __tablename__ = "product"

    gtin: Mapped[str] = mapped_column(String(14), nullable=False, unique=True)
    brand_party_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("party.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    template_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("category_template.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    net_content: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False, default=dict)


class Lot(RecordMixin, Base):
    """A batch of one product: GTIN + lot number (AI 01 + AI 10)."""

    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("product_id", "lot_number"),)

    product_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("product.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    lot_number: Mapped[str] = mapped_column(String(20), nullable=False)
    production_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(json_type(), nullable=False, default=dict)
