"""Builders for scans: issued and activated codes, their links, and scans of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.codes import Catalog, code_service, issue_run, make_catalog, make_keyring
from factories.identity import gln_for, make_party
from factories.trace import Chain, at, commission, pack, ship, sscc
from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.states import CodeState
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import LocationCreate
from livetrace.identity.service import IdentityService
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import ClientInfo, NfcParams, ScanOutcome, ScanRequest

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
HARBIN = (45.80, 126.53)
HARBIN_NEAR = (45.76, 126.61)  # a few km from Harbin's centre
GUANGZHOU = (23.13, 113.26)
SHANGHAI = (31.23, 121.47)


@dataclass
class Issued:
    """A brand's catalog and one run of codes with their printed links."""

    catalog: Catalog
    run: CodeRun
    codes: list[ItemCode]
    links: list[str]


def issue_codes(
    session: Session,
    encryptor: KeyEncryptor,
    *,
    state: CodeState = CodeState.ACTIVE,
    catalog: Catalog | None = None,
    **run_fields: Any,
) -> Issued:
    """Issue a run (5 QR codes unless told otherwise) and move it to `state`."""
    catalog = catalog or make_catalog(session, encryptor)
    run = issue_run(session, catalog, **run_fields)
    service = code_service(session)
    path = {
        CodeState.ISSUED: [],
        CodeState.PRINTED: [CodeState.PRINTED],
        CodeState.ACTIVE: [CodeState.PRINTED, CodeState.ACTIVE],
        CodeState.SOLD: [CodeState.PRINTED, CodeState.ACTIVE, CodeState.SOLD],
        CodeState.RECALLED: [CodeState.PRINTED, CodeState.ACTIVE, CodeState.RECALLED],
        CodeState.DESTROYED: [CodeState.PRINTED, CodeState.ACTIVE, CodeState.DESTROYED],
        CodeState.VOID: [CodeState.VOID],
    }[state]
    for step in path:
        service.transition_run(SYSTEM, run.id, step)
    session.expire_all()
    codes = list(
        session.scalars(select(ItemCode).where(ItemCode.run_id == run.id).order_by(ItemCode.seq))
    )
    return Issued(catalog, run, codes, [service.link(code) for code in codes])


def scan_service(session: Session, settings: Settings) -> ScanService:
    """The scan service on the test session, keyed like the test deployment."""
    return ScanService(session, make_keyring(), settings)


def client(
    device: str | None = "device-1",
    where: tuple[float, float] | None = None,
    *,
    region: str | None = None,
    ip: str | None = None,
) -> ClientInfo:
    """A scanner: a cookie id, optionally phone coordinates or a proxy region."""
    lat, lon = where if where is not None else (None, None)
    return ClientInfo(device=device, ip=ip, latitude=lat, longitude=lon, region=region)


def scan(
    service: ScanService,
    uri: str,
    *,
    device: str | None = "device-1",
    where: tuple[float, float] | None = None,
    minutes: float = 0,
    hidden: str | None = None,
    nfc: dict[str, str] | None = None,
    region: str | None = None,
    ip: str | None = None,
) -> ScanOutcome:
    """Scan `uri` at T0 + `minutes` from a device (and place)."""
    return service.scan(
        ScanRequest(
            uri=uri,
            client=client(device, where, region=region, ip=ip),
            hidden_code=hidden,
            nfc=NfcParams(**nfc) if nfc is not None else None,
            at=T0 + timedelta(minutes=minutes),
        )
    )


def item_epc(code: ItemCode) -> str:
    """The trace projections' identifier of an item code."""
    return f"https://id.gs1.org/01/{code.gtin}/21/{code.serial}"


def lot_epc(code: ItemCode) -> str:
    """The trace projections' identifier of a code's lot."""
    return f"https://id.gs1.org/01/{code.gtin}/10/{code.lot}"


def make_destination(
    session: Session, encryptor: KeyEncryptor, region: str, extension: str = "0"
) -> str:
    """A distributor with a warehouse in `region`; the warehouse's SGLN."""
    party = make_party(session, encryptor, roles=["carrier"], region_code=region)
    prefix = party.company_prefix or ""
    gln = gln_for(prefix, 7)
    IdentityService(session, encryptor).create_location(
        SYSTEM, party.id,
        LocationCreate(gln=gln, extension=extension, name=f"DC {region}", region_code=region),
    )  # fmt: skip
    return f"urn:epc:id:sgln:{gln[: len(prefix)]}.{gln[len(prefix) : 12]}.{extension}"


def commission_and_ship(
    session: Session,
    encryptor: KeyEncryptor,
    issued: Issued,
    codes: list[ItemCode],
    *,
    to: str | None,
    in_case: bool = True,
) -> str | None:
    """Commission items, pack them into a case (or not), and ship (if `to` is given).

    Returns the case's identifier when one was packed.
    """
    chain = Chain(session, encryptor)
    brand = issued.catalog.brand
    items = [item_epc(c) for c in codes]
    chain.capture(brand, commission(items, issued.codes[0].lot, at(1), 1))
    case = sscc() if in_case else None
    if case is not None:
        chain.capture(brand, pack(case, items, at(2), 1))
    if to is not None:
        shipped = [case] if case is not None else items
        chain.capture(brand, _ship_to_location(shipped, at(3), to))
    return case


def _ship_to_location(epcs: list[str], time: str, to: str) -> dict[str, Any]:
    event = ship(epcs, f"urn:epcglobal:cbv:bt:6901234000017:desadv-{to[-9:]}", time, 1, to=to)
    event["destinationList"] = [{"type": "location", "destination": to}]
    return event
