"""What a scan concluded: the verdict, the reasons behind it, and what the scanner sent (pure)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from livetrace.gs1.digital_link import DigitalLink


class Verdict(StrEnum):
    """The answer a buyer sees, from best to worst.

    Diversion (窜货) never makes an item look fake to the buyer: it raises an alert to the brand
    and leaves the verdict alone.
    """

    GENUINE = "genuine"  # authentic code, sane state, no warning signs
    CAUTION = "caution"  # authentic, but something deserves a second look (repeat scans, expired)
    RECALLED = "recalled"  # authentic and genuine, but the lot or item is under recall
    SUSPECT = "suspect"  # authentic code with clone signs (many devices, impossible travel, replay)
    COUNTERFEIT = "counterfeit"  # forged, unknown or never-issued code


class Severity(IntEnum):
    """How much one reason weighs; the verdict follows the heaviest reason."""

    INFO = 0
    WARN = 1
    RECALL = 2
    ALARM = 3
    FAIL = 4


VERDICT_BY_SEVERITY: dict[Severity, Verdict] = {
    Severity.INFO: Verdict.GENUINE,
    Severity.WARN: Verdict.CAUTION,
    Severity.RECALL: Verdict.RECALLED,
    Severity.ALARM: Verdict.SUSPECT,
    Severity.FAIL: Verdict.COUNTERFEIT,
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding of one rule: a stable code, its weight, and words in both languages."""

    code: str  # e.g. "authenticator.forged", "scans.repeat_devices", "travel.impossible"
    severity: Severity
    message_zh: str
    message_en: str
    details: dict[str, object] = field(default_factory=dict)
    # False for findings meant for the brand only (diversion): the page may leave them out.
    public: bool = True

    def message(self, lang: str) -> str:
        """The message in `lang` ("zh" or "en"); Chinese for anything else."""
        return self.message_en if lang == "en" else self.message_zh


def verdict_for(reasons: list[Reason] | tuple[Reason, ...]) -> Verdict:
    """The verdict the heaviest reason calls for; no reason at all means genuine."""
    worst = max((reason.severity for reason in reasons), default=Severity.INFO)
    return VERDICT_BY_SEVERITY[worst]


@dataclass(frozen=True, slots=True)
class NfcParams:
    """SUN parameters of an NFC tap, as the tag wrote them into the URL."""

    picc_data: str
    cmac: str
    enc: str | None = None


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What is known of the scanner; nothing personal is kept beyond what a verdict needs.

    `device` is a random first-party id the page sets in a cookie (or None); the IP address is
    only used for rate limiting and, hashed with a rotating salt, to tell devices apart when no
    cookie exists. Coordinates come from the phone only when the user allows it and are rounded
    before they are stored.
    """

    device: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    region: str | None = None  # GB/T 2260 code from a trusted proxy header, if configured


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """One scan: the Digital Link that was read, plus whatever else the scanner supplied."""

    uri: str  # the full Digital Link, query string included
    client: ClientInfo
    hidden_code: str | None = None  # the scratch-off / in-pack code, when the buyer typed it
    nfc: NfcParams | None = None
    at: datetime | None = None  # defaults to now
    link: DigitalLink | None = None  # `uri` already parsed, when the caller has it


@dataclass(frozen=True, slots=True)
class Place:
    """A coarse place: a city with its GB/T 2260 code and rounded coordinates."""

    region: str | None
    city_zh: str | None
    city_en: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class FirstScan:
    """The first verified scan of a code: always shown to the buyer."""

    at: datetime
    place: Place | None


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """The code a scan resolved to (present only when the authenticator held)."""

    code_id: uuid.UUID
    gtin: str
    lot: str | None
    serial: str | None
    state: str  # a codes.states.CodeState value
    product_id: uuid.UUID
    brand_party_id: uuid.UUID
    display: bool  # True when this is a public display code shown on camera (pairs)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """The result of one scan, as stored in the scan log and shown on the page."""

    scan_id: uuid.UUID
    at: datetime
    verdict: Verdict
    reasons: tuple[Reason, ...]
    code: ScannedCode | None
    first_scan: FirstScan | None
    place: Place | None  # where this scan happened, as far as known
    total_scans: int
    distinct_devices: int
    hidden_code_checked: bool
    alerts: tuple[uuid.UUID, ...] = ()  # alerts this scan raised for the brand
