"""Alerts to brands: raised from scan reasons, deduplicated per code and kind. Never commits.

A live (open or acknowledged) alert exists at most once per code and kind, enforced by a partial
unique index on its `dedupe_key`; later sightings bump its count, last-seen time and severity.
Forged scans have no code: a burst of them against one brand's GTIN raises a `forged_burst` alert
keyed by the GTIN.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livetrace.identity import policy as access
from livetrace.identity.policy import Principal
from livetrace.identity.roles import Scope
from livetrace.kit.pagination import Page, PageRequest
from livetrace.scans.errors import AlertNotFoundError, AlertStateError, InvalidScanQueryError
from livetrace.scans.models import ScanAlert
from livetrace.scans.policy import alerts_for
from livetrace.scans.repository import ScanRepository
from livetrace.scans.verdict import Reason, Severity

ALERT_STATUSES = ("open", "acknowledged", "closed")
ALERT_KINDS = ("clone", "diversion", "travel", "replay", "retired_key", "forged_burst")
FORGED_BURST = 5  # counterfeit scans of one GTIN within FORGED_WINDOW raise an alert
FORGED_WINDOW = timedelta(hours=1)


class ScanAlerts:
    """Raises, lists and answers alerts."""

    def __init__(self, session: Session, repo: ScanRepository) -> None:
        self.session = session
        self.repo = repo

    def raise_for_code(
        self,
        brand: uuid.UUID,
        code_id: uuid.UUID,
        gtin: str,
        reasons: tuple[Reason, ...],
        *,
        at: datetime,
        region: str | None,
    ) -> tuple[uuid.UUID, ...]:
        """The alerts a scan of a known code calls for, opened or bumped."""
        details = _details(reasons, region)
        return tuple(
            self._bump(brand, code_id, gtin, kind=kind, severity=severity, at=at, details=details)
            for kind, severity in alerts_for(reasons).items()
        )

    def raise_for_forgery(
        self, gtin: str, reasons: tuple[Reason, ...], *, at: datetime, region: str | None
    ) -> tuple[uuid.UUID, ...]:
        """A `forged_burst` alert once a brand's GTIN sees enough forged scans in the window."""
        brand = self.repo.brand_of_gtin(gtin)
        if brand is None or self.repo.forged_count(gtin, at - FORGED_WINDOW) < FORGED_BURST:
            return ()
        details = _details(reasons, region)
        kind, severity = "forged_burst", Severity.ALARM
        return (self._bump(brand, None, gtin, kind=kind, severity=severity, at=at,
                           details=details),)  # fmt: skip

    def _bump(
        self,
        brand: uuid.UUID,
        code_id: uuid.UUID | None,
        gtin: str,
        *,
        kind: str,
        severity: Severity,
        at: datetime,
        details: dict[str, object],
    ) -> uuid.UUID:
        """Open an alert, or count one more sighting on the live alert of this code and kind."""
        key = f"{kind}:{code_id or gtin}"
        alert = self.repo.live_alert(key)
        if alert is None:
            alert = ScanAlert(
                brand_party_id=brand, code_id=code_id, gtin=gtin, kind=kind,
                severity=severity.name.lower(), status="open", dedupe_key=key,
                first_seen=at, last_seen=at, count=1, details=details,
            )  # fmt: skip
            try:
                with self.session.begin_nested():
                    self.repo.add_alert(alert)
                return alert.id
            except IntegrityError:
                # Another worker opened it between our read and insert: count on theirs.
                alert = self.repo.live_alert(key)
                assert alert is not None
        alert.count += 1
        alert.last_seen = max(alert.last_seen, at)
        if Severity[alert.severity.upper()] < severity:
            alert.severity = severity.name.lower()
        alert.details = details
        self.session.flush()
        return alert.id

    def list(
        self, principal: Principal, page: PageRequest, *, status: str | None, kind: str | None
    ) -> Page[ScanAlert]:
        """Alerts the caller may see: a brand its own, platform and regulators everything."""
        access.require_scope(principal, Scope.READ)
        if status is not None and status not in ALERT_STATUSES:
            raise InvalidScanQueryError(f"status must be one of {ALERT_STATUSES}", field="status")
        if kind is not None and kind not in ALERT_KINDS:
            raise InvalidScanQueryError(f"kind must be one of {ALERT_KINDS}", field="kind")
        brand = None if principal.is_overseer else principal.party_id
        return self.repo.alerts(page, brand=brand, status=status, kind=kind)

    def brand_names(self, alerts: Iterable[ScanAlert]) -> dict[uuid.UUID, str]:
        """The names of the brands these alerts are for."""
        return self.repo.party_names(a.brand_party_id for a in alerts)

    def set_status(self, principal: Principal, alert_id: uuid.UUID, status: str) -> ScanAlert:
        """Acknowledge or close an alert (the brand's writers or the platform)."""
        alert = self.repo.alert(alert_id)
        if alert is None or not access.can_read(principal, alert.brand_party_id):
            raise AlertNotFoundError(f"no scan alert {alert_id}", field="alert_id")
        access.require_write(principal, alert.brand_party_id)
        if status not in ("acknowledged", "closed"):
            raise AlertStateError(
                f"an alert can be set to acknowledged or closed, not {status!r}", field="status"
            )
        if alert.status == "closed":
            raise AlertStateError("the alert is closed; a new sighting opens a new one",
                                  field="status")  # fmt: skip
        alert.status = status
        self.session.flush()
        return alert


def _details(reasons: tuple[Reason, ...], region: str | None) -> dict[str, object]:
    return {"region": region, "reasons": [r.code for r in reasons]}
