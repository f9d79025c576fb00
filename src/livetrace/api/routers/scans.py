"""Consumer scans (public verdict) and the brand's scan console: alerts, history, heat, thresholds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Query, Request

from livetrace.api.deps import ContextDep, PageDep, PrincipalDep, SessionDep
from livetrace.api.schemas import PageOut
from livetrace.codes.authenticator import CodeKeyring
from livetrace.codes.service import keyring_for
from livetrace.context import AppContext
from livetrace.scans.alerts import ALERT_KINDS, ALERT_STATUSES
from livetrace.scans.ratelimit import ScanLimits, refuse
from livetrace.scans.schemas import (
    AlertOut,
    AlertStatusIn,
    HeatOut,
    ScanOut,
    ThresholdsIO,
    VerdictOut,
    VerifyIn,
)
from livetrace.scans.service import DEVICE_COOKIE, ScanService
from livetrace.scans.verdict import ClientInfo, NfcParams, ScanRequest

router = APIRouter(prefix="/scans", tags=["scans"])
_KEYRING = "scans_keyring"
_LIMITS = "scans_verify_limits"


def verify_limits(request: Request, ctx: AppContext) -> ScanLimits:
    """The app's verdict rate limits (the resolver's rates; a verdict is a scan either way)."""
    found: ScanLimits | None = getattr(request.app.state, _LIMITS, None)
    if found is None:
        found = ScanLimits.from_settings(ctx.settings)
        setattr(request.app.state, _LIMITS, found)
    return found


def keyring(request: Request, ctx: AppContext) -> CodeKeyring:
    """The app's keyring, derived once: its per-product keys are cached inside it."""
    found: CodeKeyring | None = getattr(request.app.state, _KEYRING, None)
    if found is None:
        found = keyring_for(ctx.settings)
        setattr(request.app.state, _KEYRING, found)
    return found


def _service(request: Request, session: SessionDep, ctx: ContextDep) -> ScanService:
    return ScanService(session, keyring(request, ctx), ctx.settings)


ServiceDep = Annotated[ScanService, Depends(_service)]


@router.post("/verify", response_model=VerdictOut)
def verify(
    data: VerifyIn,
    request: Request,
    service: ServiceDep,
    device_cookie: Annotated[str | None, Cookie(alias=DEVICE_COOKIE, max_length=128)] = None,
) -> VerdictOut:
    """Judge a scanned code (public): the verdict, its reasons, the first verified scan."""
    ip = request.client.host if request.client else None
    limits = verify_limits(request, request.app.state.ctx)
    limits.requests.check(ip or "unknown")
    refuse(limits.failures.wait(ip or "unknown"))
    client = ClientInfo(
        device=data.device or device_cookie,
        ip=ip,
        latitude=data.latitude if data.longitude is not None else None,
        longitude=data.longitude if data.latitude is not None else None,
    )
    nfc = NfcParams(data.nfc.picc_data, data.nfc.cmac, data.nfc.enc) if data.nfc else None
    scan = ScanRequest(uri=data.uri, client=client, hidden_code=data.hidden_code, nfc=nfc)
    outcome = service.scan(scan)
    if outcome.code is None:
        limits.failures.take(ip or "unknown")
    return VerdictOut.of(outcome)


@router.get("/alerts", response_model=PageOut[AlertOut])
def list_alerts(
    who: PrincipalDep,
    service: ServiceDep,
    page: PageDep,
    status: Annotated[str | None, Query(description=f"one of {ALERT_STATUSES}")] = None,
    kind: Annotated[str | None, Query(description=f"one of {ALERT_KINDS}")] = None,
) -> PageOut[AlertOut]:
    """Alerts the caller may see, most recently seen first."""
    found = service.list_alerts(who, page, status=status, kind=kind)
    return PageOut[AlertOut].of(found, AlertOut.of)


@router.post("/alerts/{alert_id}/status", response_model=AlertOut)
def set_alert_status(
    alert_id: uuid.UUID,
    data: AlertStatusIn,
    who: PrincipalDep,
    service: ServiceDep,
) -> AlertOut:
    """Acknowledge or close an alert."""
    alert = service.set_alert_status(who, alert_id, data.status)
    return AlertOut.of(alert)


@router.get("/codes/{code_id}/history", response_model=list[ScanOut])
def history(code_id: uuid.UUID, who: PrincipalDep, service: ServiceDep) -> list[ScanOut]:
    """Every scan of one code, oldest first."""
    return [ScanOut.of(row) for row in service.history(who, code_id)]


@router.get("/heat", response_model=list[HeatOut])
def heat(
    who: PrincipalDep,
    service: ServiceDep,
    since: datetime | None = None,
) -> list[HeatOut]:
    """Scans per region and verdict, busiest first."""
    return [HeatOut.of(h) for h in service.heat(who, since=since)]


@router.get("/thresholds/{gtin}", response_model=ThresholdsIO)
def get_thresholds(gtin: str, who: PrincipalDep, service: ServiceDep) -> ThresholdsIO:
    """A product's scan-rule thresholds (defaults unless set)."""
    return ThresholdsIO.of(service.get_thresholds(who, gtin))


@router.put("/thresholds/{gtin}", response_model=ThresholdsIO)
def set_thresholds(
    gtin: str,
    data: ThresholdsIO,
    who: PrincipalDep,
    service: ServiceDep,
) -> ThresholdsIO:
    """Set a product's scan-rule thresholds."""
    values = service.set_thresholds(who, gtin, data.domain())
    return ThresholdsIO.of(values)
