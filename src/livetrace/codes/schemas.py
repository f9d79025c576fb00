"""Input and output shapes of the codes package."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from livetrace.codes.states import CodeState, Level, Target

MAX_RUN_SIZE = 10_000_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IssueRequest(_In):
    """A code run to issue for a product and lot."""

    product: str = Field(description="product id or GTIN")
    lot: str = Field(description="lot number (AI 10) of a registered lot")
    count: int | None = Field(
        default=None, ge=1, le=MAX_RUN_SIZE, description="codes (item level) or labels (batch)"
    )
    level: Level = Level.ITEM
    target: Target = Target.QR
    pairs: bool = Field(default=False, description="also derive a hidden verification code")
    serials: list[str] | None = Field(
        default=None,
        max_length=100_000,
        description="serials to issue instead of random ones (item level only)",
    )
    epc_filter: int = Field(default=1, ge=0, le=7, description="EPC filter value for RFID runs")

    @model_validator(mode="after")
    def _count_or_serials(self) -> Self:
        if self.serials is None and self.count is None:
            raise ValueError("give `count`, or the `serials` to issue")
        if self.serials is not None and self.count not in (None, len(self.serials)):
            raise ValueError(f"`count` is {self.count} but {len(self.serials)} serials are given")
        return self

    @property
    def size(self) -> int:
        """How many codes (or labels) the run has."""
        return len(self.serials) if self.serials is not None else int(self.count or 0)


class RunOut(_Out):
    """A code run."""

    id: uuid.UUID
    product_id: uuid.UUID
    lot_id: uuid.UUID
    brand_party_id: uuid.UUID
    gtin: str
    lot_number: str
    level: Level
    target: Target
    count: int
    paired: bool
    auth_version: int
    company_prefix: str | None
    epc_filter: int
    created_by: str
    created_at: datetime
    states: dict[str, int] = Field(default_factory=dict)


class CodeOut(_Out):
    """One item code with its Digital Link."""

    id: uuid.UUID
    run_id: uuid.UUID
    seq: int
    gtin: str
    lot: str
    serial: str | None
    state: CodeState
    digital_link: str
    state_changed_at: datetime | None


class StateChange(_In):
    """A requested state transition."""

    state: CodeState


class StateChangeOut(BaseModel):
    """How many codes moved."""

    state: CodeState
    changed: int


class VerifyRequest(_In):
    """A scanned Digital Link, optionally with the pack's hidden verification code."""

    uri: str = Field(max_length=2048)
    hidden_code: str | None = Field(default=None, max_length=40)


class VerifyOut(BaseModel):
    """A code whose authenticator verified, with what the registry knows about it."""

    authentic: bool = True
    gtin: str
    lot: str | None
    serial: str | None
    key_version: int
    state: CodeState
    hidden_code_checked: bool
    first_hidden_verification_at: datetime | None


class InspectRequest(_In):
    """Any code text to explain."""

    text: str = Field(max_length=4096)
    company_prefix_length: int | None = Field(default=None, ge=6, le=12)


class ExplainedElementOut(_Out):
    """An AI, its title and value."""

    ai: str
    title: str
    value: str


class InspectOut(_Out):
    """What the text is and the same data in other forms."""

    kind: str
    text: str
    elements: list[ExplainedElementOut]
    forms: dict[str, str]
    notes: list[str]


class KeySetCreate(_In):
    """A new NFC key set for a party."""

    party_id: uuid.UUID


class KeySetOut(_Out):
    """An NFC key set (never its keys)."""

    id: uuid.UUID
    party_id: uuid.UUID
    version: int
    status: str
    created_at: datetime
    updated_at: datetime


class TagRegister(_In):
    """Bind an NFC tag UID to an item code (by id or by its Digital Link)."""

    uid: str = Field(description="7-byte UID as 14 hex digits")
    code_id: uuid.UUID | None = None
    uri: str | None = Field(default=None, max_length=2048)
    key_set_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_code_reference(self) -> Self:
        if (self.code_id is None) == (self.uri is None):
            raise ValueError("give exactly one of `code_id` and `uri`")
        return self


class TagOut(_Out):
    """A registered NFC tag."""

    id: uuid.UUID
    uid: str
    code_id: uuid.UUID
    key_set_id: uuid.UUID
    last_counter: int | None
    tap_count: int
    last_tap_at: datetime | None


class TagKeysOut(BaseModel):
    """The keys to write onto one tag (SDM meta-read key and its diversified file-read key)."""

    uid: str
    key_set_version: int
    meta_read_key: str
    file_read_key: str


class TapOut(BaseModel):
    """A genuine, fresh tap and the item it belongs to."""

    uid: str
    counter: int
    tap_count: int
    gtin: str
    lot: str
    serial: str | None
    state: CodeState
    digital_link: str
