"""Consumer scans: judge, log, alert; plus the console's reads. Never commits.

`ScanService.scan` never raises for anything the scanner sent: a forged, unknown or malformed
code, bad NFC data, a replay or a tag under retired keys all become reasons. The one exception is
an NFC tap that lost a race with a concurrent tap of the same tag (`NfcTapConflictError`): that
says nothing about the item, so nothing is stored and the caller asks for another tap. The authenticator is checked first and without
the database, so a made-up code costs a hash and one insert.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from livetrace.codes import errors as code_errors
from livetrace.codes.authenticator import CodeKeyring, VerifiedCode, code_elements
from livetrace.codes.models import time_ordered_id
from livetrace.codes.nfc import NfcService
from livetrace.codes.repository import CodeRepository
from livetrace.codes.service import CodeService
from livetrace.codes.states import CodeState
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.identifiers import canonical_epc
from livetrace.gs1.digital_link import build_digital_link
from livetrace.identity.policy import Principal
from livetrace.kit.clock import ensure_utc, utcnow
from livetrace.kit.errors import LivetraceError
from livetrace.kit.pagination import Page, PageRequest
from livetrace.scans import places
from livetrace.scans.alerts import ALERT_KINDS, ALERT_STATUSES, ScanAlerts
from livetrace.scans.journey import DEFAULT_CACHE
from livetrace.scans.models import ScanAlert, ScanRecord
from livetrace.scans.policy import (
    AllOf,
    AuthStatus,
    CodeFacts,
    HiddenStatus,
    NfcStatus,
    PriorScan,
    RecallRef,
    ScanContext,
    Thresholds,
    default_policy,
)
from livetrace.scans.reads import RegionHeat, ScanReads, link_data
from livetrace.scans.repository import CodeRecord, ScanPoint, ScanRepository, ScanStats
from livetrace.scans.verdict import (
    FirstScan,
    Place,
    Reason,
    ScannedCode,
    ScanOutcome,
    ScanRequest,
    Verdict,
    verdict_for,
)

GS1_ROOT = "https://id.gs1.org"
DEVICE_COOKIE = "lt_device"  # the random first-party id pages set to tell devices apart
_SHIPPED_STATES = frozenset({CodeState.ACTIVE, CodeState.SOLD, CodeState.RECALLED})
_NO_STATS = ScanStats(0, 0, False, 0, False)
_TAG_NAMES_ITEM = frozenset({NfcStatus.OK, NfcStatus.RETIRED})  # taps whose tag is known

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATUSES",
    "DEVICE_COOKIE",
    "Assessment",
    "RegionHeat",
    "ScanService",
]


@dataclass(frozen=True, slots=True)
class _Scanned:
    """What the link said, before any rule looked at it."""

    auth: AuthStatus
    message: str
    verified: VerifiedCode | None
    gtin: str | None
    lot: str | None
    serial: str | None


@dataclass(frozen=True, slots=True)
class _Judged:
    """A scan's facts and the context the rules judge, before anything is stored."""

    ctx: ScanContext
    scanned: _Scanned
    record: CodeRecord | None
    stats: ScanStats
    first: ScanPoint | None
    device: str | None
    counter: int | None


@dataclass(frozen=True, slots=True)
class _Region:
    """A remembered region code (None is an answer too)."""

    code: str | None


@dataclass(frozen=True, slots=True)
class Assessment:
    """A judged scan, not yet stored: what `ScanService.record` writes."""

    judged: _Judged
    reasons: tuple[Reason, ...]
    verdict: Verdict
    at: datetime

    @property
    def known(self) -> bool:
        """Whether the scan named a code of this registry (an item page can follow)."""
        return self.judged.record is not None

    @property
    def recalled(self) -> bool:
        """Whether the code is recalled: an open campaign covers it or its lot, or its state says
        so (what the verdict's recall rule reads)."""
        code = self.judged.ctx.code
        return code is not None and (bool(code.recalls) or code.state == CodeState.RECALLED)


def device_hash(salt: bytes, device: str | None, ip: str | None, at: datetime) -> str | None:
    """A salted hash telling devices apart: the page's cookie id, else the IP of that day."""
    if device:
        material = f"cookie:{device[:128]}"
    elif ip:
        # Without a cookie the IP stands in, salted per day so hashes cannot be joined over time.
        material = f"ip:{at.date().isoformat()}:{ip[:64]}"
    else:
        return None
    return hmac.new(salt, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def scan_salt(settings: Settings) -> bytes:
    """The deployment's device-hash salt: configured, else derived from the secret key."""
    configured = settings.scan_salt
    if configured is not None:
        return bytes(configured.get_secret_value(), "utf-8")
    secret = settings.secret_key.get_secret_value().encode("utf-8")
    return hmac.new(secret, b"livetrace/scan-device-salt", hashlib.sha256).digest()


class ScanService:
    """Judges consumer scans and answers the console's questions about them."""

    def __init__(
        self,
        session: Session,
        keyring: CodeKeyring,
        settings: Settings,
        *,
        rules: AllOf | None = None,
    ) -> None:
        self.session = session
        self.keyring = keyring
        self.settings = settings
        self.repo = ScanRepository(session)
        self.alerts = ScanAlerts(session, self.repo)
        self.reads = ScanReads(self.repo)
        self.rules = rules or default_policy()
        self._salt = scan_salt(settings)

    # -- the scan -------------------------------------------------------------------------------

    def scan(self, request: ScanRequest) -> ScanOutcome:
        """Judge one scan, store it in the scan log, raise alerts; flushes, never commits."""
        return self.record(self.assess(request))

    def assess(self, request: ScanRequest) -> Assessment:
        """Read what the rules need and judge the scan; writes nothing but an NFC tap's counter.

        `record` stores the result. A caller may end its read transaction in between, so the
        write lock is held only for the inserts: on SQLite concurrent scans then queue for a
        few statements instead of for the whole judgement. What that costs is bounded: two
        devices scanning one code in the same instant each count the other from their next scan
        on. An NFC tap accepts its counter while reading, so its caller holds the write lock
        from the start (`store.uow.write_transaction`) and records in the same transaction.
        """
        at = ensure_utc(request.at) if request.at is not None else utcnow()
        judged = self._judge(request, at)
        reasons = tuple(self.rules.check(judged.ctx))
        return Assessment(judged, reasons, verdict_for(reasons), at)

    def record(self, assessment: Assessment) -> ScanOutcome:
        """Store an assessed scan, mark a first hidden-code check, raise alerts; never commits."""
        judged, reasons, verdict, at = (assessment.judged, assessment.reasons,
                                        assessment.verdict, assessment.at)  # fmt: skip
        record, place = judged.record, judged.ctx.place
        verified = judged.ctx.hidden is HiddenStatus.VERIFIED
        if record is not None and verified and record.hidden_verified_at is None:
            self.repo.mark_hidden_verified(record.id, at)
        scan_id = self._log(judged, reasons, verdict, at)
        region = place.region if place else None
        if record is not None:
            alerts = self.alerts.raise_for_code(record.brand_party_id, record.id, record.gtin,
                                                reasons, at=at, region=region)  # fmt: skip
        elif verdict is Verdict.COUNTERFEIT and judged.scanned.gtin:
            alerts = self.alerts.raise_for_forgery(judged.scanned.gtin, reasons, at=at,
                                                   region=region)  # fmt: skip
        else:
            alerts = ()
        return ScanOutcome(
            scan_id=scan_id, at=at, verdict=verdict, reasons=reasons,
            code=_scanned_code(record) if record else None,
            first_scan=_first_scan(judged.first, at, place) if record else None,
            place=place, total_scans=judged.stats.total + 1,
            distinct_devices=judged.ctx.devices if record else 0,
            hidden_code_checked=judged.ctx.hidden is HiddenStatus.VERIFIED, alerts=alerts,
        )  # fmt: skip

    def _judge(self, request: ScanRequest, at: datetime) -> _Judged:
        """Gather everything the rules need about this scan (the tap's counter is accepted)."""
        client = request.client
        device = device_hash(self._salt, client.device, client.ip, at)
        place = places.locate(client.latitude, client.longitude, client.region)
        placed = client.latitude is not None and place is not None and place.latitude is not None
        scanned = self._authenticate(request)
        nfc, counter, nfc_code = self._tap(request, at) if request.nfc else (None, None, None)
        tag_only = False
        if nfc in _TAG_NAMES_ITEM and nfc_code is not None and scanned.auth is AuthStatus.MISSING:
            # A tag's URL may carry no `auth`: the genuine tap authenticates the item instead;
            # a tap under retired keys still names it (for the brand's alert), but vouches for
            # nothing (`NfcRule` judges it).
            scanned = _Scanned(AuthStatus.OK, "", None, scanned.gtin, scanned.lot, scanned.serial)
            tag_only = nfc is NfcStatus.RETIRED
        record = self._record(scanned, nfc_code)
        if nfc is NfcStatus.OK and record is not None and nfc_code != record.id:
            nfc = NfcStatus.MISMATCH
        stats, first, last_placed = (self.repo.earlier_scans(record.id, device) if record
                                     else (_NO_STATS, None, None))  # fmt: skip
        hidden = self._hidden(request.hidden_code, scanned, record)
        ctx = ScanContext(
            at=at, auth=scanned.auth, auth_message=scanned.message,
            code=self._facts(record) if record else None, place=place, placed=placed,
            previous_placed=_prior(last_placed),
            devices=stats.devices + (1 if device and not stats.device_seen else 0),
            hidden=hidden, hidden_devices=_hidden_devices(stats, device, hidden),
            nfc=nfc, tag_only=tag_only, thresholds=_thresholds(record),
        )  # fmt: skip
        return _Judged(ctx, scanned, record, stats, first, device, counter)

    def _log(
        self, judged: _Judged, reasons: tuple[Reason, ...], verdict: Verdict, at: datetime
    ) -> uuid.UUID:
        """Store the scan: the data as scanned, the verdict, and nothing personal."""
        scan_id = time_ordered_id()
        scanned, place, record = judged.scanned, judged.ctx.place, judged.record
        phone = place if judged.ctx.placed else None  # only phone coordinates are kept
        self.repo.add_scan({
            "id": scan_id, "at": at, "code_id": record.id if record else None,
            "gtin": _clip(scanned.gtin, 14), "lot": _clip(scanned.lot, 20),
            "serial": _clip(scanned.serial, 20), "verdict": verdict.value,
            "reasons": [r.code for r in reasons], "device_hash": judged.device,
            "region": place.region if place else None,
            "city": _clip(place.city_zh if place else None, 32),
            "latitude": phone.latitude if phone else None,
            "longitude": phone.longitude if phone else None,
            "nfc_counter": judged.counter,
            "hidden_checked": judged.ctx.hidden is HiddenStatus.VERIFIED,
        })  # fmt: skip
        return scan_id

    def _authenticate(self, request: ScanRequest) -> _Scanned:
        """Check the link's authenticator; never raises."""
        try:
            if request.link is not None:
                verified = self.keyring.verify_link(request.link)
            else:
                verified = self.keyring.verify(request.uri)
        except LivetraceError as error:
            gtin, lot, serial = link_data(request.uri)
            return _Scanned(_auth_status(error), error.message, None, gtin, lot, serial)
        return _Scanned(AuthStatus.OK, "", verified, verified.gtin, verified.lot, verified.serial)

    def _tap(
        self, request: ScanRequest, at: datetime
    ) -> tuple[NfcStatus, int | None, uuid.UUID | None]:
        """Verify an NFC tap: (status, accepted counter, code of the tag).

        A tap that lost a race with a concurrent tap of the same tag is no finding about the
        item: `NfcTapConflictError` goes up to the caller (nothing is stored), to be tapped again.
        """
        assert request.nfc is not None
        encryptor = KeyEncryptor.from_secret(self.settings.secret_key.get_secret_value())
        codes = CodeService(self.session, self.keyring, base_url=self.settings.base_url)
        service = NfcService(self.session, encryptor, codes)
        try:
            with self.session.begin_nested():
                tap = service.verify_tap(
                    picc_data=request.nfc.picc_data[:128],
                    cmac=request.nfc.cmac[:64],
                    enc=request.nfc.enc[:4096] if request.nfc.enc else None,
                    now=at,
                )
        except code_errors.NfcTapConflictError:
            raise
        except code_errors.NfcKeySetRetiredError as error:
            tag = CodeRepository(self.session).tag_by_uid(str(error.details.get("uid", "")))
            return NfcStatus.RETIRED, None, tag.code_id if tag else None
        except code_errors.SunCounterError:
            return NfcStatus.REPLAY, None, None
        except (code_errors.MalformedSunError, code_errors.UnsupportedSunModeError):
            return NfcStatus.MALFORMED, None, None
        except LivetraceError:
            return NfcStatus.FORGED, None, None
        return NfcStatus.OK, tap.counter, tap.code.id

    def _record(self, scanned: _Scanned, nfc_code: uuid.UUID | None) -> CodeRecord | None:
        """The registry record of an authentic link (or of a genuine tap's tag)."""
        if scanned.verified is not None:
            found = scanned.verified
            return self.repo.code(found.gtin, found.lot, found.serial)
        if scanned.auth is AuthStatus.OK and nfc_code is not None:
            return self.repo.code_by_id(nfc_code)
        return None

    def _hidden(
        self, given: str | None, scanned: _Scanned, record: CodeRecord | None
    ) -> HiddenStatus:
        """Check a typed hidden code against the item (`record` remembers its first check)."""
        if not (given and given.strip()) or record is None or scanned.verified is None:
            return HiddenStatus.NOT_GIVEN  # an empty form field is no hidden code
        if not record.paired:
            return HiddenStatus.NOT_PAIRED
        try:
            self.keyring.verify_hidden(scanned.verified, given[:64])
        except LivetraceError:
            return HiddenStatus.MISMATCH
        return HiddenStatus.VERIFIED

    def _facts(self, record: CodeRecord) -> CodeFacts:
        """Registry and trace facts about a code: recalls, shipment and its destination."""
        item = _canonical(record.gtin, record.lot, record.serial)
        lot = _canonical(record.gtin, record.lot, None)
        recalls = self.repo.open_recalls({item, lot})
        shipped: bool | None = None
        region: str | None = None
        if record.state in _SHIPPED_STATES:
            shipment = self.repo.last_shipment({item})
            shipped = shipment is not None
            region = self._destination_region(shipment) if shipment else None
        return CodeFacts(
            state=record.state,
            display=record.paired,
            expiry=record.expiry,
            recalls=tuple(RecallRef(n, r) for n, r in recalls),
            shipped=shipped,
            shipped_region=region,
        )

    def _destination_region(self, shipment: uuid.UUID) -> str | None:
        """Where a shipment went, as a region code. An event's destinations never change and
        thousands of items ride one pallet's shipment, so the answer is kept (for the cache's
        time limit, as catalog rows are: a location's region is a registry edit, not on the log).
        """
        found = DEFAULT_CACHE.find("destination", (shipment,))
        if isinstance(found, _Region):
            return found.code
        region = self.repo.destination_region(shipment)
        DEFAULT_CACHE.keep("destination", (shipment,), _Region(region))
        return region

    # -- alerts, history, heat, thresholds (the console's side) --------------------------------

    def list_alerts(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        status: str | None = None,
        kind: str | None = None,
    ) -> Page[ScanAlert]:
        """Alerts the caller may see: a brand its own, platform and regulators everything."""
        return self.alerts.list(principal, page, status=status, kind=kind)

    def brand_names(self, alerts: Iterable[ScanAlert]) -> dict[uuid.UUID, str]:
        """The names of the brands these alerts are for."""
        return self.alerts.brand_names(alerts)

    def set_alert_status(self, principal: Principal, alert_id: uuid.UUID, status: str) -> ScanAlert:
        """Acknowledge or close an alert (the brand's writers or the platform)."""
        return self.alerts.set_status(principal, alert_id, status)

    def history(self, principal: Principal, code_id: uuid.UUID) -> list[ScanRecord]:
        """A code's scans, oldest first (its brand, platform or regulators)."""
        return self.reads.history(principal, code_id)

    def find_code(self, principal: Principal, ref: str) -> uuid.UUID:
        """A code's id from its id or its Digital Link."""
        return self.reads.find_code(principal, ref)

    def heat(self, principal: Principal, *, since: datetime | None = None) -> list[RegionHeat]:
        """Scans per region, busiest first."""
        return self.reads.heat(principal, since=since)

    def get_thresholds(self, principal: Principal, gtin: str) -> Thresholds:
        """A product's thresholds (the defaults unless set)."""
        return self.reads.get_thresholds(principal, gtin)

    def set_thresholds(self, principal: Principal, gtin: str, values: Thresholds) -> Thresholds:
        """Set a product's thresholds (its brand's writers or the platform)."""
        return self.reads.set_thresholds(principal, gtin, values)


def _auth_status(error: LivetraceError) -> AuthStatus:
    if isinstance(error, code_errors.AuthenticatorMissingError):
        return AuthStatus.MISSING
    if isinstance(error, code_errors.AuthenticatorKeyError):
        return AuthStatus.RETIRED
    if isinstance(error, code_errors.AuthenticatorMismatchError):
        return AuthStatus.FORGED
    if isinstance(error, code_errors.AuthenticatorFormatError):
        length = error.details.get("length")
        return (
            AuthStatus.TRUNCATED
            if isinstance(length, int) and length < 20
            else (AuthStatus.MALFORMED)
        )
    return AuthStatus.MALFORMED


def _canonical(gtin: str, lot: str | None, serial: str | None) -> str:
    """The trace projections' identifier of an item (or, without serial, of its lot)."""
    return canonical_epc(build_digital_link(code_elements(gtin, lot, serial), stem=GS1_ROOT))


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None


def _prior(point: ScanPoint | None) -> PriorScan | None:
    if point is None or point.latitude is None or point.longitude is None:
        return None
    return PriorScan(point.at, point.latitude, point.longitude)


def _hidden_devices(stats: ScanStats, device: str | None, hidden: HiddenStatus) -> int:
    mine = hidden is HiddenStatus.VERIFIED and device is not None and not stats.device_hidden
    # A verification with no device id at all counts as another device: it cannot be the first.
    anonymous = hidden is HiddenStatus.VERIFIED and device is None
    return stats.hidden_devices + (1 if mine or anonymous else 0)


def _thresholds(record: CodeRecord | None) -> Thresholds:
    if record is None or record.warn_devices is None:
        return Thresholds()
    return Thresholds(
        record.warn_devices, record.alarm_devices or record.warn_devices,
        record.travel_kmh or Thresholds().travel_kmh,
    )  # fmt: skip


def _scanned_code(record: CodeRecord) -> ScannedCode:
    return ScannedCode(
        code_id=record.id, gtin=record.gtin, lot=record.lot, serial=record.serial,
        state=record.state, product_id=record.product_id,
        brand_party_id=record.brand_party_id, display=record.paired,
    )  # fmt: skip


def _first_scan(first: ScanPoint | None, at: datetime, place: Place | None) -> FirstScan:
    """The first verified scan: an earlier one, or this one."""
    if first is None:
        return FirstScan(at, place)
    city = places.city_for_region(first.region)
    where = Place(
        region=first.region, city_zh=first.city or (city.name_zh if city else None),
        city_en=city.name_en if city else None, latitude=first.latitude,
        longitude=first.longitude,
    )  # fmt: skip
    return FirstScan(first.at, where if first.region or first.latitude is not None else None)
