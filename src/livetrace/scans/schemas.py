"""Inputs and outputs of scans, alerts, heat and thresholds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from livetrace.scans.models import ScanAlert, ScanRecord
from livetrace.scans.policy import (
    DEFAULT_ALARM_DEVICES,
    DEFAULT_TRAVEL_KMH,
    DEFAULT_WARN_DEVICES,
    Thresholds,
)
from livetrace.scans.reads import RegionHeat
from livetrace.scans.verdict import FirstScan, Place, Reason, ScanOutcome

MAX_URI = 4096


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class NfcIn(BaseModel):
    """SUN parameters of an NFC tap."""

    model_config = ConfigDict(extra="forbid")

    picc_data: str = Field(max_length=128)
    cmac: str = Field(max_length=64)
    enc: str | None = Field(default=None, max_length=4096)


class VerifyIn(BaseModel):
    """A scan to judge: the Digital Link read, and what else the scanner chose to send."""

    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, max_length=MAX_URI, description="the full Digital Link")
    hidden_code: str | None = Field(default=None, max_length=64)
    device: str | None = Field(
        default=None, max_length=128, description="the page's random device id (cookie)"
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    nfc: NfcIn | None = None


class ReasonOut(_Out):
    """One finding, in both languages."""

    code: str
    severity: str
    message_zh: str
    message_en: str
    details: dict[str, object]

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        """From the domain reason."""
        return cls(
            code=reason.code,
            severity=reason.severity.name.lower(),
            message_zh=reason.message_zh,
            message_en=reason.message_en,
            details=reason.details,
        )


class PlaceOut(_Out):
    """A coarse place."""

    region: str | None
    city_zh: str | None
    city_en: str | None
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, place: Place | None) -> PlaceOut | None:
        """From the domain place."""
        if place is None:
            return None
        return cls(region=place.region, city_zh=place.city_zh, city_en=place.city_en,
                   latitude=place.latitude, longitude=place.longitude)  # fmt: skip


class FirstScanOut(_Out):
    """The first verified scan of the code."""

    at: datetime
    place: PlaceOut | None

    @classmethod
    def of(cls, first: FirstScan | None) -> FirstScanOut | None:
        """From the domain value."""
        return None if first is None else cls(at=first.at, place=PlaceOut.of(first.place))


class CodeOut(_Out):
    """The code a scan resolved to."""

    gtin: str
    lot: str | None
    serial: str | None
    state: str
    display: bool


class VerdictOut(_Out):
    """The public answer to one scan (brand-only findings left out)."""

    scan_id: uuid.UUID
    at: datetime
    verdict: str
    reasons: list[ReasonOut]
    code: CodeOut | None
    first_scan: FirstScanOut | None
    place: PlaceOut | None
    total_scans: int
    distinct_devices: int
    hidden_code_checked: bool

    @classmethod
    def of(cls, outcome: ScanOutcome) -> VerdictOut:
        """From the service's outcome."""
        code = outcome.code
        return cls(
            scan_id=outcome.scan_id, at=outcome.at, verdict=outcome.verdict.value,
            reasons=[ReasonOut.of(r) for r in outcome.reasons if r.public],
            code=CodeOut(gtin=code.gtin, lot=code.lot, serial=code.serial, state=code.state,
                         display=code.display) if code else None,
            first_scan=FirstScanOut.of(outcome.first_scan), place=PlaceOut.of(outcome.place),
            total_scans=outcome.total_scans, distinct_devices=outcome.distinct_devices,
            hidden_code_checked=outcome.hidden_code_checked,
        )  # fmt: skip


class AlertOut(_Out):
    """An alert to a brand."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    brand_party_id: uuid.UUID
    code_id: uuid.UUID | None
    gtin: str | None
    kind: str
    severity: str
    status: str
    first_seen: datetime
    last_seen: datetime
    count: int
    details: dict[str, object]

    @classmethod
    def of(cls, alert: ScanAlert) -> AlertOut:
        """From the table row."""
        return cls.model_validate(alert)


class AlertStatusIn(BaseModel):
    """A new status for an alert."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["acknowledged", "closed"]


class ScanOut(_Out):
    """One scan in a code's history (the device only as a short, salted hash)."""

    id: uuid.UUID
    at: datetime
    verdict: str
    reasons: list[str]
    device: str | None
    region: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    nfc_counter: int | None
    hidden_checked: bool

    @classmethod
    def of(cls, row: ScanRecord) -> ScanOut:
        """From the table row."""
        return cls(
            id=row.id, at=row.at, verdict=row.verdict, reasons=list(row.reasons),
            device=row.device_hash[:8] if row.device_hash else None, region=row.region,
            city=row.city, latitude=row.latitude, longitude=row.longitude,
            nfc_counter=row.nfc_counter, hidden_checked=row.hidden_checked,
        )  # fmt: skip


class HeatOut(_Out):
    """Scans in one region."""

    region: str | None
    city_zh: str | None
    city_en: str | None
    province: str | None
    total: int
    by_verdict: dict[str, int]

    @classmethod
    def of(cls, heat: RegionHeat) -> HeatOut:
        """From the service's value."""
        return cls(region=heat.region, city_zh=heat.city_zh, city_en=heat.city_en,
                   province=heat.province, total=heat.total, by_verdict=heat.by_verdict)  # fmt: skip


class ThresholdsIO(BaseModel):
    """A product's scan-rule thresholds."""

    model_config = ConfigDict(extra="forbid")

    warn_devices: int = Field(default=DEFAULT_WARN_DEVICES, ge=1)
    alarm_devices: int = Field(default=DEFAULT_ALARM_DEVICES, ge=1)
    travel_kmh: float = Field(default=DEFAULT_TRAVEL_KMH, gt=0)

    @classmethod
    def of(cls, values: Thresholds) -> ThresholdsIO:
        """From the domain value."""
        return cls(warn_devices=values.warn_devices, alarm_devices=values.alarm_devices,
                   travel_kmh=values.travel_kmh)  # fmt: skip

    def domain(self) -> Thresholds:
        """To the domain value."""
        return Thresholds(self.warn_devices, self.alarm_devices, self.travel_kmh)
