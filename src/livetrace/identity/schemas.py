"""Input and output shapes of the identity package."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from livetrace.identity.roles import MemberRole, PartyRole, Scope


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartyCreate(_In):
    """A new organisation."""

    name: str = Field(min_length=1, max_length=200)
    roles: list[PartyRole] = Field(min_length=1)
    company_prefix: str | None = Field(default=None, description="GS1 company prefix, 4-12 digits")
    gln: str | None = Field(default=None, description="Party GLN (13 digits, check digit)")
    region_code: str | None = Field(default=None, description="GB/T 2260 division code")
    latitude: float | None = None
    longitude: float | None = None


class PartyOut(_Out):
    """An organisation as others see it."""

    id: uuid.UUID
    name: str
    roles: list[str] = Field(validation_alias="role_names")
    company_prefix: str | None
    gln: str | None
    region_code: str | None
    latitude: float | None
    longitude: float | None
    active: bool
    created_at: datetime


class PublicKeyOut(BaseModel):
    """A party's signing public key."""

    key_id: uuid.UUID
    name: str
    algorithm: str
    public_key: str = Field(description="raw Ed25519 public key, base64")
    public_key_pem: str
    status: str
    created_at: datetime
    retired_at: datetime | None


class UserCreate(_In):
    """A person joining a party."""

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    role: MemberRole = MemberRole.OPERATOR


class UserOut(_Out):
    """A member of a party."""

    id: uuid.UUID
    party_id: uuid.UUID
    name: str
    email: str
    role: str
    active: bool


class TokenCreate(_In):
    """A new API token for a user."""

    user_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)
    expires_at: datetime | None = None


class TokenOut(_Out):
    """A token's metadata; never its secret."""

    id: uuid.UUID
    user_id: uuid.UUID
    party_id: uuid.UUID
    name: str
    lookup: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class TokenCreated(TokenOut):
    """Returned once, at creation: the only time the secret is shown."""

    token: str


class LocationCreate(_In):
    """A new place."""

    gln: str
    extension: str = Field(default="0", max_length=20)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="site", max_length=32)
    latitude: float | None = None
    longitude: float | None = None
    region_code: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class LocationOut(_Out):
    """A place with its EPC identity."""

    id: uuid.UUID
    party_id: uuid.UUID
    gln: str
    extension: str
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    region_code: str | None
    attributes: dict[str, Any]


class PartyUpdate(_In):
    """Changeable party fields; identifiers (GLN, prefix) are fixed once issued codes use them."""

    region_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    active: bool | None = None
    roles: list[PartyRole] | None = Field(default=None, min_length=1)


class UserUpdate(_In):
    """Changeable member fields."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: MemberRole | None = None
    active: bool | None = None


class LocationUpdate(_In):
    """Changeable location fields; GLN and extension identify it and stay."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = Field(default=None, max_length=32)
    latitude: float | None = None
    longitude: float | None = None
    region_code: str | None = None
    attributes: dict[str, Any] | None = None
