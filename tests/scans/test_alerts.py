"""Alerts: one live alert per code and kind, escalation, closing, forged bursts in a window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.scans import (
    GUANGZHOU,
    T0,
    Issued,
    commission_and_ship,
    issue_codes,
    make_destination,
    scan,
    scan_service,
)
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.scans.alerts import FORGED_BURST, ScanAlerts
from livetrace.scans.models import ScanAlert
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import Reason, Severity


@pytest.fixture
def svc(session: Session, settings: Settings) -> ScanService:
    return scan_service(session, settings)


@pytest.fixture
def shipped(session: Session, encryptor: KeyEncryptor) -> Issued:
    issued = issue_codes(session, encryptor)
    to = make_destination(session, encryptor, "230184")
    commission_and_ship(session, encryptor, issued, issued.codes, to=to)
    return issued


def all_alerts(session: Session) -> list[ScanAlert]:
    return list(session.scalars(select(ScanAlert).order_by(ScanAlert.first_seen, ScanAlert.kind)))


def test_alerts_are_per_code_and_kind(session: Session, svc: ScanService, shipped: Issued) -> None:
    scan(svc, shipped.links[0], where=GUANGZHOU)
    scan(svc, shipped.links[1], where=GUANGZHOU)
    scan(svc, shipped.links[0], where=GUANGZHOU, minutes=1)
    alerts = all_alerts(session)
    assert {(a.code_id, a.kind, a.count) for a in alerts} == {
        (shipped.codes[0].id, "diversion", 2),
        (shipped.codes[1].id, "diversion", 1),
    }
    assert alerts[0].details == {"region": "440100", "reasons": ["diversion.outside_region"]}


def test_a_closed_alert_stays_closed_and_the_next_sighting_opens_another(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    first = scan(svc, shipped.links[0], where=GUANGZHOU).alerts[0]
    svc.set_alert_status(SYSTEM, first, "closed")
    second = scan(svc, shipped.links[0], where=GUANGZHOU, minutes=5).alerts[0]
    assert second != first
    statuses = {a.id: (a.status, a.count) for a in all_alerts(session)}
    assert statuses == {first: ("closed", 1), second: ("open", 1)}
    # Acknowledged alerts keep counting.
    svc.set_alert_status(SYSTEM, second, "acknowledged")
    assert scan(svc, shipped.links[0], where=GUANGZHOU, minutes=9).alerts == (second,)
    alert = session.get(ScanAlert, second)
    assert alert is not None and (alert.status, alert.count) == ("acknowledged", 2)


def test_a_concurrent_opening_is_counted_on_the_winners_alert(
    session: Session, svc: ScanService, shipped: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = scan(svc, shipped.links[0], where=GUANGZHOU).alerts[0]
    # Replay the interleaving of two workers: this one looked before the other one inserted.
    alerts = ScanAlerts(session, svc.repo)
    real = svc.repo.live_alert
    calls: list[str] = []

    def late_look(key: str) -> ScanAlert | None:
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(svc.repo, "live_alert", late_look)
    reason = Reason("diversion.outside_region", Severity.INFO, "zh", "en", public=False)
    raised = alerts.raise_for_code(shipped.catalog.brand.id, shipped.codes[0].id,
                                   shipped.codes[0].gtin, (reason,), at=T0 + timedelta(minutes=1),
                                   region="440100")  # fmt: skip
    assert raised == (winner,) and len(calls) == 2  # the insert lost, the second look found it
    (alert,) = all_alerts(session)
    assert alert.count == 2


def test_forged_bursts_count_only_the_last_hour(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    link = shipped.links[0]
    forged = link[:-1] + ("0" if link[-1] != "0" else "1")
    for n in range(FORGED_BURST - 1):
        assert scan(svc, forged, device=f"f{n}", minutes=n).alerts == ()
    # Two hours later the earlier ones have left the window.
    assert scan(svc, forged, device="late", minutes=120).alerts == ()
    for n in range(FORGED_BURST - 2):
        assert scan(svc, forged, device=f"g{n}", minutes=121 + n).alerts == ()
    (burst,) = scan(svc, forged, device="last", minutes=130).alerts
    alert = session.get(ScanAlert, burst)
    assert alert is not None and alert.kind == "forged_burst" and alert.severity == "alarm"
