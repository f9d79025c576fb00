"""Input and output shapes of the catalog package."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livetrace.catalog.attributes import AttributeSpec


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TemplateOut(_Out):
    """A category template and its attributes."""

    id: uuid.UUID
    code: str
    name: str
    name_zh: str
    description: str
    attributes: list[AttributeSpec]
    builtin: bool
    owner_party_id: uuid.UUID | None


class ProductCreate(_In):
    """A new product."""

    gtin: str = Field(description="GTIN-8/12/13/14; stored as GTIN-14")
    brand_party_id: uuid.UUID
    template: str = Field(description="category template code, e.g. rice")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    net_content: str | None = Field(default=None, max_length=64)
    attributes: dict[str, Any] = Field(default_factory=dict)


class ProductOut(_Out):
    """A product."""

    id: uuid.UUID
    gtin: str
    brand_party_id: uuid.UUID
    template_id: uuid.UUID
    name: str
    description: str
    net_content: str | None
    attributes: dict[str, Any]
    created_at: datetime


class LotCreate(_In):
    """A new lot of a product."""

    lot_number: str = Field(min_length=1, max_length=20)
    production_date: date | None = None
    expiry_date: date | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class LotOut(_Out):
    """A lot."""

    id: uuid.UUID
    product_id: uuid.UUID
    lot_number: str
    production_date: date | None
    expiry_date: date | None
    attributes: dict[str, Any]
    created_at: datetime


class ProductUpdate(_In):
    """Changeable product fields; the GTIN, brand and template stay."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    net_content: str | None = Field(default=None, max_length=64)
    attributes: dict[str, Any] | None = None


class LotUpdate(_In):
    """Changeable lot fields; the lot number stays."""

    production_date: date | None = None
    expiry_date: date | None = None
    attributes: dict[str, Any] | None = None
