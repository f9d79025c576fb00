"""Every query of the scans package.

The scan path reads through a handful of indexed statements: the code with its run, lot and
thresholds (one join), the code's scan statistics (one aggregate), its first and last placed
scans (one union), open recalls, its last shipment directly or in any container it was packed
in (one recursive query), and that shipment's destination region.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from livetrace.catalog.models import Lot, Product
from livetrace.codes.models import CodeRun, ItemCode
from livetrace.epcis.identifiers import canonical_epc
from livetrace.epcis.models import EpcisEventEpc, EpcisEventLink, EpcisEventRow, undeclared
from livetrace.identity.models import Location, Party
from livetrace.kit.pagination import Page, PageRequest
from livetrace.scans.models import ScanAlert, ScanRecord, ScanThreshold
from livetrace.store.paging import paginate
from livetrace.store.uow import rows_connection
from livetrace.trace.models import Containment, ItemState, Recall, RecallUnit, VoidedEvent

_GLN_URI = re.compile(r"/(414|417)/(\d{13})(?:/254/([^/?#]+))?")
SCAN_TABLE: Table = ScanRecord.__table__  # type: ignore[assignment]
MAX_CONTAINER_DEPTH = 8  # item → case → pallet → container…; a cycle would stop here


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """The scanned code joined with its run, lot and the product's thresholds."""

    id: uuid.UUID
    gtin: str
    lot: str
    serial: str | None
    state: str
    auth_version: int
    hidden_verified_at: datetime | None
    paired: bool
    product_id: uuid.UUID
    brand_party_id: uuid.UUID
    expiry: date | None
    warn_devices: int | None
    alarm_devices: int | None
    travel_kmh: float | None


@dataclass(frozen=True, slots=True)
class ScanStats:
    """Counts over a code's earlier scans."""

    total: int
    devices: int
    device_seen: bool
    hidden_devices: int
    device_hidden: bool


@dataclass(frozen=True, slots=True)
class ScanPoint:
    """A scan's time and coarse place."""

    at: datetime
    region: str | None
    city: str | None
    latitude: float | None
    longitude: float | None


@cache
def _prepared(dialect: str) -> dict[str, Any]:
    """The scan path's statements for one dialect, built once: building one costs more than
    running it."""
    code = (
        select(ItemCode.id, ItemCode.gtin, ItemCode.lot, ItemCode.serial, ItemCode.state,
               ItemCode.auth_version, ItemCode.hidden_verified_at, CodeRun.paired,
               CodeRun.product_id, CodeRun.brand_party_id, Lot.expiry_date.label("expiry"),
               ScanThreshold.warn_devices, ScanThreshold.alarm_devices, ScanThreshold.travel_kmh)
        .join(CodeRun, CodeRun.id == ItemCode.run_id)
        .join(Lot, Lot.id == CodeRun.lot_id)
        .outerjoin(ScanThreshold, ScanThreshold.product_id == CodeRun.product_id)
    )  # fmt: skip
    code_id: Any = bindparam("code_id")
    mine = ScanRecord.device_hash == bindparam("device")
    hidden_device = case((ScanRecord.hidden_checked, ScanRecord.device_hash), else_=None)
    point = (ScanRecord.at, ScanRecord.region, ScanRecord.city, ScanRecord.latitude,
             ScanRecord.longitude)  # fmt: skip
    # The count columns, empty on the scan rows. Typed: PostgreSQL takes an untyped NULL in a
    # subquery for text, which no count matches.
    counts = [cast(null(), Integer) for _ in range(5)]
    first = select(literal(0).label("which"), *counts, *point).where(ScanRecord.code_id == code_id)
    last = select(literal(1).label("which"), *counts, *point).where(
        ScanRecord.code_id == code_id, ScanRecord.latitude.is_not(None)
    )
    ids: Any = bindparam("ids", expanding=True)
    # The identifiers themselves (every traced one has a state row), then the containers they
    # were packed in, at any depth: one set, so the shipment lookup below is driven from it.
    tree = (
        select(ItemState.epc.label("epc"), literal(0).label("depth"))
        .where(ItemState.epc.in_(ids))
        .cte("up", recursive=True)
    )
    step = aliased(Containment)
    tree = tree.union(
        select(step.parent_epc, tree.c.depth + 1)
        .join(tree, step.child_epc == tree.c.epc)
        .where(tree.c.depth < MAX_CONTAINER_DEPTH)
    )
    return {
        "code_by_serial": code.where(ItemCode.gtin == bindparam("gtin"),
                                     ItemCode.serial == bindparam("serial")),
        "code_by_lot": code.where(ItemCode.gtin == bindparam("gtin"), ItemCode.serial.is_(None),
                                  ItemCode.lot == bindparam("lot")),
        "code_by_id": code.where(ItemCode.id == code_id),
        # The code's earlier scans in one round trip: the counts (row 2), its first scan (row 0)
        # and its latest with phone coordinates (row 1), padded to one shape.
        "earlier": union_all(
            select(literal(2).label("which"), func.count(),
                   func.count(func.distinct(ScanRecord.device_hash)),
                   func.max(case((mine, 1), else_=0)),
                   func.count(func.distinct(hidden_device)),
                   func.max(case((and_(mine, ScanRecord.hidden_checked), 1), else_=0)),
                   # typed: the first branch names the result's types (times come back as such)
                   *(cast(null(), c.type) for c in point)).where(ScanRecord.code_id == code_id),
            first.order_by(ScanRecord.at).limit(1).subquery().select(),
            last.order_by(ScanRecord.at.desc()).limit(1).subquery().select(),
        ),
        "recalls": select(Recall.number, Recall.reason)
        .join(RecallUnit, RecallUnit.recall_id == Recall.id)
        .where(RecallUnit.epc.in_(ids), Recall.status == "open")
        .distinct()
        .order_by(Recall.number),
        # Shipping events naming the item or any container it was ever packed in, at any depth.
        # Shipping events naming the item or any container it was ever packed in, at any depth:
        # driven from that small set (not from every shipping event, newest first).
        "last_shipment": select(EpcisEventRow.id)
        .select_from(tree)
        .join(EpcisEventEpc, EpcisEventEpc.epc == tree.c.epc)
        .join(EpcisEventRow, EpcisEventRow.id == EpcisEventEpc.event_pk)
        .where(
            _shipping(dialect),
            undeclared(dialect),
            ~EpcisEventRow.id.in_(select(VoidedEvent.event_pk)),
        )
        .order_by(EpcisEventRow.event_time.desc(), EpcisEventRow.log_index.desc())
        .limit(1),
        "destinations": select(EpcisEventLink.value).where(
            EpcisEventLink.event_pk == bindparam("event_pk"), EpcisEventLink.kind == "destination"
        ),
        "location_region": select(Location.region_code).where(
            Location.gln == bindparam("gln"), Location.extension.in_(ids)
        ),
        "party_region": select(Party.region_code).where(Party.gln == bindparam("gln")),
        "add_scan": insert(SCAN_TABLE),
    }  # fmt: skip


def _shipping(dialect: str) -> Any:
    """The event is a shipment. Not a plain comparison on SQLite: it would walk every shipping
    event (newest first, by the step index) instead of starting from the handful of identifiers;
    PostgreSQL estimates the plain one from its statistics."""
    if dialect == "sqlite":
        return func.coalesce(EpcisEventRow.biz_step, "") == "shipping"
    return EpcisEventRow.biz_step == "shipping"


class ScanRepository:
    """Reads and writes scans, alerts and thresholds."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _run(self, name: str, **params: Any) -> Any:
        connection = rows_connection(self.session)
        return connection.execute(_prepared(connection.dialect.name)[name], params)

    # -- the scan path ------------------------------------------------------------------------

    def code(self, gtin: str, lot: str | None, serial: str | None) -> CodeRecord | None:
        """A code by its GS1 data with everything a verdict reads about it, in one query."""
        if serial is not None:
            row = self._run("code_by_serial", gtin=gtin, serial=serial).first()
        else:
            row = self._run("code_by_lot", gtin=gtin, lot=lot).first()
        return CodeRecord(**row._mapping) if row is not None else None

    def code_by_id(self, code_id: uuid.UUID) -> CodeRecord | None:
        """A code by id, joined like `code`."""
        row = self._run("code_by_id", code_id=code_id).first()
        return CodeRecord(**row._mapping) if row is not None else None

    def earlier_scans(
        self, code_id: uuid.UUID, device: str | None
    ) -> tuple[ScanStats, ScanPoint | None, ScanPoint | None]:
        """A code's earlier scans, in one round trip: total, distinct devices and what this
        device did; its first scan; its latest scan with phone coordinates."""
        rows = {row[0]: row for row in self._run("earlier", code_id=code_id, device=device or "")}
        total, devices, seen, hidden, device_hidden = rows[2][1:6]
        stats = ScanStats(int(total), int(devices), bool(seen), int(hidden), bool(device_hidden))
        first, last = (ScanPoint(*rows[n][6:]) if n in rows else None for n in (0, 1))
        return stats, first, last

    def mark_hidden_verified(self, code_id: uuid.UUID, now: datetime) -> None:
        """Record the first hidden-code verification of a code (later ones leave it alone)."""
        self.session.execute(
            update(ItemCode)
            .where(ItemCode.id == code_id, ItemCode.hidden_verified_at.is_(None))
            .values(hidden_verified_at=now)
            .execution_options(synchronize_session=False)
        )

    def open_recalls(self, epcs: Iterable[str]) -> list[tuple[str, str]]:
        """(number, reason) of open recall campaigns whose frozen units include one of `epcs`."""
        return [(n, r) for n, r in self._run("recalls", ids=sorted(set(epcs)))]

    def last_shipment(self, epcs: Iterable[str]) -> uuid.UUID | None:
        """The latest live shipping event naming one of `epcs` or a container they were ever
        packed in (at any depth), in one query."""
        found: uuid.UUID | None = self._run("last_shipment", ids=sorted(set(epcs))).scalar()
        return found

    def destination_region(self, event_pk: uuid.UUID) -> str | None:
        """The region code of a shipment's destination: its location, else its owning party."""
        places: list[tuple[int, str, str]] = []
        for (value,) in self._run("destinations", event_pk=event_pk):
            match = _GLN_URI.search(canonical_epc(value))
            if match is not None:
                places.append((0 if match[1] == "414" else 1, match[2], match[3] or "0"))
        for rank, gln, extension in sorted(places):
            region = self._location_region(gln, extension) if rank == 0 else None
            region = region or self._party_region(gln)
            if region:
                return region
        return None

    def _location_region(self, gln: str, extension: str) -> str | None:
        rows = self._run("location_region", gln=gln, ids=sorted({extension, "0"})).scalars()
        return next((r for r in rows if r), None)

    def _party_region(self, gln: str) -> str | None:
        found: str | None = self._run("party_region", gln=gln).scalar()
        return found

    def add_scan(self, values: dict[str, Any]) -> None:
        """Insert a scan row (a plain INSERT: the scan path builds no ORM object for it)."""
        connection = rows_connection(self.session)
        connection.execute(_prepared(connection.dialect.name)["add_scan"], [values])

    def forged_count(self, gtin: str, since: datetime) -> int:
        """Counterfeit scans of a GTIN with no code record since `since`."""
        stmt = select(func.count()).where(
            ScanRecord.gtin == gtin,
            ScanRecord.verdict == "counterfeit",
            ScanRecord.code_id.is_(None),
            ScanRecord.at >= since,
        )
        return int(self.session.execute(stmt).scalar_one())

    def brand_of_gtin(self, gtin: str) -> uuid.UUID | None:
        """The brand that owns a product, by GTIN."""
        stmt = select(Product.brand_party_id).where(Product.gtin == gtin)
        return self.session.scalars(stmt).first()

    # -- alerts -------------------------------------------------------------------------------

    def live_alert(self, dedupe_key: str) -> ScanAlert | None:
        """The open or acknowledged alert with this key."""
        stmt = select(ScanAlert).where(
            ScanAlert.dedupe_key == dedupe_key, ScanAlert.status != "closed"
        )
        return self.session.scalars(stmt).first()

    def add_alert(self, alert: ScanAlert) -> None:
        """Stage and flush an alert, so the live-key index rejects a duplicate now."""
        self.session.add(alert)
        self.session.flush()

    def alert(self, alert_id: uuid.UUID) -> ScanAlert | None:
        """An alert by id."""
        return self.session.get(ScanAlert, alert_id)

    def alerts(
        self,
        page: PageRequest,
        *,
        brand: uuid.UUID | None,
        status: str | None,
        kind: str | None,
    ) -> Page[ScanAlert]:
        """Alerts, most recently seen first."""
        stmt = select(ScanAlert)
        if brand is not None:
            stmt = stmt.where(ScanAlert.brand_party_id == brand)
        if status is not None:
            stmt = stmt.where(ScanAlert.status == status)
        if kind is not None:
            stmt = stmt.where(ScanAlert.kind == kind)
        stmt = stmt.order_by(ScanAlert.last_seen.desc(), ScanAlert.id)
        return paginate(self.session, stmt, page)

    # -- console reads ------------------------------------------------------------------------

    def party_names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Party names by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.session.execute(select(Party.id, Party.name).where(Party.id.in_(wanted)))
        return {row.id: row.name for row in rows}

    def code_owner(self, code_id: uuid.UUID) -> tuple[ItemCode, uuid.UUID, uuid.UUID] | None:
        """A code with its brand and product ids."""
        stmt = (
            select(ItemCode, CodeRun.brand_party_id, CodeRun.product_id)
            .join(CodeRun, CodeRun.id == ItemCode.run_id)
            .where(ItemCode.id == code_id)
        )
        row = self.session.execute(stmt).first()
        return (row[0], row[1], row[2]) if row is not None else None

    def history(self, code_id: uuid.UUID, limit: int) -> Sequence[ScanRecord]:
        """A code's scans, oldest first (the latest `limit` of them)."""
        stmt = (
            select(ScanRecord)
            .where(ScanRecord.code_id == code_id)
            .order_by(ScanRecord.at.desc())
            .limit(limit)
        )
        return list(reversed(self.session.scalars(stmt).all()))

    def heat(
        self, *, brand: uuid.UUID | None, since: datetime | None
    ) -> list[tuple[str | None, str, int]]:
        """Scan counts per region and verdict (a brand sees scans of its own codes)."""
        stmt = select(ScanRecord.region, ScanRecord.verdict, func.count()).group_by(
            ScanRecord.region, ScanRecord.verdict
        )
        if brand is not None:
            owned = select(ItemCode.id).join(CodeRun, CodeRun.id == ItemCode.run_id)
            owned = owned.where(CodeRun.brand_party_id == brand)
            gtins = select(Product.gtin).where(Product.brand_party_id == brand)
            stmt = stmt.where(
                or_(ScanRecord.code_id.in_(owned),
                    and_(ScanRecord.code_id.is_(None), ScanRecord.gtin.in_(gtins)))
            )  # fmt: skip
        if since is not None:
            stmt = stmt.where(ScanRecord.at >= since)
        return [(region, verdict, int(n)) for region, verdict, n in self.session.execute(stmt)]

    # -- thresholds ---------------------------------------------------------------------------

    def product(self, product_id: uuid.UUID) -> Product | None:
        """A product by id."""
        return self.session.get(Product, product_id)

    def product_by_gtin(self, gtin: str) -> Product | None:
        """A product by GTIN."""
        return self.session.scalars(select(Product).where(Product.gtin == gtin)).first()

    def thresholds(self, product_id: uuid.UUID) -> ScanThreshold | None:
        """A product's own thresholds row."""
        stmt = select(ScanThreshold).where(ScanThreshold.product_id == product_id)
        return self.session.scalars(stmt).first()

    def save_thresholds(self, row: ScanThreshold) -> None:
        """Stage and flush a thresholds row."""
        self.session.add(row)
        self.session.flush()
