"""Inputs and outputs of traces, recalls and analytics."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class OriginKind(StrEnum):
    """Where a forward trace (or a recall scope) starts."""

    LOT = "lot"
    ITEM = "item"
    LINE = "line"
    SUPPLIER = "supplier"


class TraceOrigin(BaseModel):
    """A forward-trace origin: a lot or item, a line/shift/time window, or a supplier."""

    model_config = ConfigDict(extra="forbid")

    kind: OriginKind
    id: str | None = Field(default=None, description="EPC URN or Digital Link of a lot or item")
    gtin: str | None = None
    lot: str | None = None
    line: str | None = None
    shift: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    party_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _complete(self) -> TraceOrigin:
        needs = {
            OriginKind.LOT: self.id or (self.gtin and self.lot),
            OriginKind.ITEM: self.id,
            OriginKind.LINE: self.line,
            OriginKind.SUPPLIER: self.party_id,
        }
        if not needs[self.kind]:
            wanted = {"lot": "`id` or `gtin`+`lot`", "item": "`id`", "line": "`line`",
                      "supplier": "`party_id`"}[self.kind]  # fmt: skip
            raise ValueError(f"a {self.kind} origin needs {wanted}")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("`end` must be after `start`")
        return self


class PartyRef(_Out):
    """A party by id and name."""

    id: uuid.UUID
    name: str | None = None


class DocumentOut(_Out):
    """A QC document or certificate found along the trace, with what the chain says about it."""

    reference: str
    kind: str
    subject: str
    status: str
    event_id: str
    time: datetime
    party: PartyRef


class LotOut(_Out):
    """An upstream or affected lot with its origin and production data."""

    id: str
    gtin: str | None
    lot: str | None
    role: str
    depth: int
    supplier: PartyRef | None
    origin: dict[str, Any]
    line: str | None
    shift: str | None
    time: datetime | None
    location: str | None
    inputs: list[str]


class CustodyOut(_Out):
    """A hand-over or move of a traced object: shipping, receiving and the like."""

    time: datetime
    biz_step: str | None
    subject: str
    location: str | None
    source: list[str]
    destination: list[str]
    transactions: list[str]
    party: PartyRef
    event_id: str


class UnitOut(_Out):
    """An item or container with where it is now."""

    id: str
    kind: str
    gtin: str | None
    lot: str | None
    status: str | None
    disposition: str | None
    persistent_dispositions: list[str]
    location: str | None
    container: str | None
    owner: str | None
    sold: bool
    orders: list[str]
    holds_now: bool = True


class ShipmentOut(_Out):
    """A shipment that carried affected objects."""

    id: str
    type: str | None
    time: datetime
    objects: list[str]


class OrderOut(_Out):
    """An order (or other transaction) tied to affected objects."""

    id: str
    type: str | None
    objects: list[str]


class EdgeOut(_Out):
    """One step of the trace graph."""

    source: str
    target: str
    kind: str


class BackwardTrace(_Out):
    """Everything upstream of an item, container or lot."""

    query: str
    id: str
    kind: str
    lots: list[LotOut]
    units: list[UnitOut]
    documents: list[DocumentOut]
    custody: list[CustodyOut]
    edges: list[EdgeOut]
    cycle: list[str] | None = None


class ForwardTrace(_Out):
    """Everything downstream of an origin: lots, items, cases, pallets, shipments, orders."""

    origin: TraceOrigin
    seeds: list[str]
    lots: list[LotOut]
    items: list[UnitOut]
    containers: list[UnitOut]
    shipments: list[ShipmentOut]
    orders: list[OrderOut]
    edges: list[EdgeOut]
    cycle: list[str] | None = None

    @property
    def counts(self) -> dict[str, int]:
        """How many of each kind the trace found."""
        sold = sum(1 for i in self.items if i.sold)
        return {"lots": len(self.lots), "items": len(self.items), "sold": sold,
                "cases": sum(1 for c in self.containers if c.kind == "case"),
                "pallets": sum(1 for c in self.containers if c.kind == "pallet"),
                "shipments": len(self.shipments), "orders": len(self.orders)}  # fmt: skip


class Progress(StrEnum):
    """Where a recalled unit stands."""

    AFFECTED = "affected"
    LOCATED = "located"
    QUARANTINED = "quarantined"
    RETURNED = "returned"
    DESTROYED = "destroyed"
    UNREACHABLE = "unreachable"


class RecallOpen(BaseModel):
    """What opening a recall takes: a forward-trace scope and a reason."""

    model_config = ConfigDict(extra="forbid")

    scope: TraceOrigin
    reason: str = Field(min_length=3, max_length=2000)


class ProgressUpdate(BaseModel):
    """Units that reached a progress step."""

    model_config = ConfigDict(extra="forbid")

    units: list[str] = Field(min_length=1, max_length=100_000)
    progress: Progress
    note: str | None = Field(default=None, max_length=2000)


class RecallOut(_Out):
    """A recall campaign with its progress counts."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    number: str
    party_id: uuid.UUID
    scope_kind: str
    scope: dict[str, Any]
    reason: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    affected_digest: str
    counts: dict[str, Any]
    statement_log_index: int | None
    event_id: str | None
    progress: dict[str, int] = Field(default_factory=dict)


class RecallUnitOut(_Out):
    """One frozen unit of a recall."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    epc: str
    kind: str
    gtin: str | None
    lot_class: str | None
    location: str | None
    container: str | None
    owner: str | None
    sold: bool
    progress: str
    note: str | None


class RecallNotice(_Out):
    """What a scan of an affected code shows: the open recall that covers it."""

    recall_id: uuid.UUID
    number: str
    reason: str
    opened_at: datetime
    party: PartyRef
    matched: str
    progress: str
