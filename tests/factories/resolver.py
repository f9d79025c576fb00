"""A small world for resolver and page tests: a traced genuine lot, a recalled lot, a cloned code.

Built through the real services: catalog, code issuance, EPCIS capture (`Chain`), the recall
service and the scan service, with a published checkpoint at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from factories.catalog import make_lot, make_product
from factories.codes import Catalog, code_service
from factories.identity import make_party
from factories.ledger import ORIGIN
from factories.scans import T0, Issued, issue_codes, item_epc
from factories.trace import Chain, at, commission, commission_lot, lgtin, receive, ship, transform
from livetrace.codes.authenticator import AUTH_PARAM
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.ledger.service import LogService
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import ClientInfo, ScanRequest
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin

TEST_SECRET = "test-secret-that-is-long-enough-for-the-settings-check"
PRODUCT_NAME = "五常大米 <script>alert('name')</script>"
GROWER = "张三 <img src=x onerror=alert(1)>"
RECALL_REASON = "镉含量超标 cadmium above the limit"
CLONE_DEVICES = 12


def resolver_settings(data_dir: object, base_url: str = "https://id.example.cn") -> Settings:
    """Settings whose log origin and secret match the factories."""
    return Settings(environment="test", data_dir=data_dir, secret_key=TEST_SECRET,
                    log_origin=ORIGIN, base_url=base_url)  # fmt: skip


@dataclass
class ScanWorld:
    """Codes (as paths with queries) for every page case."""

    genuine: str  # traced from a paddy plot to a shipment, active
    second: str  # another traced code of the same lot
    untraced: str  # an active code of the same lot with no events
    cloned: str  # scanned from many devices already
    recalled: str  # of a lot under recall
    forged: str  # the genuine code with its authenticator altered
    issued: Issued
    recall_number: str


def path_of(link: str) -> str:
    """The path and query of a printed link (what a test client requests)."""
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def forge(link: str) -> str:
    """The link with the last digit of its authenticator changed."""
    head, tag = link.rsplit(f"{AUTH_PARAM}=", 1)
    return f"{head}{AUTH_PARAM}={tag[:-1]}{'0' if tag[-1] != '0' else '1'}"


def build_scan_world(session: Session, encryptor: KeyEncryptor, settings: Settings) -> ScanWorld:
    """Capture, issue, recall and pre-scan everything the page cases need."""
    brand = make_party(session, encryptor, name="五常大米品牌 & Co")
    farm = make_party(session, encryptor, name="五常稻花香合作社", roles=["farm", "supplier"])
    product = make_product(session, brand, name=PRODUCT_NAME, net_content="5 kg")
    good, bad = make_lot(session, product), make_lot(session, product)
    issued = issue_codes(session, encryptor, catalog=Catalog(brand, product, good), count=4)
    recalled = issue_codes(session, encryptor, catalog=Catalog(brand, product, bad), count=1)
    _capture(session, encryptor, farm, issued, recalled)
    RecallService(session, encryptor, ORIGIN).open(SYSTEM, brand.id, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.LOT, id=lgtin(product.gtin, bad.lot_number)),
        reason=RECALL_REASON))  # fmt: skip
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    _clone(session, settings, issued.links[2])
    number = RecallService(session, encryptor, ORIGIN).campaigns(SYSTEM)[0].number
    return ScanWorld(
        genuine=path_of(issued.links[0]), second=path_of(issued.links[1]), untraced=path_of(issued.links[3]),
        cloned=path_of(issued.links[2]), recalled=path_of(recalled.links[0]),
        forged=path_of(forge(issued.links[0])), issued=issued, recall_number=number,
    )  # fmt: skip


def _capture(session: Session, encryptor: KeyEncryptor, farm: object, issued: Issued,
             recalled: Issued) -> None:  # fmt: skip
    chain = Chain(session, encryptor)
    brand = issued.catalog.brand
    gtin = issued.catalog.product.gtin
    paddy = lgtin(gtin, "PADDY-7")
    chain.capture(farm, commission_lot(paddy, 1000, at(1), 1, plot_code="WC-007",  # type: ignore[arg-type]
                                       plot_coordinates="127.15,44.92", grower=GROWER,
                                       harvest_date="2026-10-01"))  # fmt: skip
    for run in (issued, recalled):
        lot = run.codes[0].lot
        chain.capture(brand, transform([paddy], [lgtin(gtin, lot)], at(3), 2, mill_line="mill-1"))
        items = [item_epc(c) for c in run.codes[:3]]
        chain.capture(brand, commission(items, lot, at(5), 2))
        chain.capture(brand, ship(items, f"SH-{lot}", at(9), 2, to="urn:epc:id:pgln:6905678.00000"))
        chain.capture(brand, receive(items, at(10), 3))


def _clone(session: Session, settings: Settings, link: str) -> None:
    """Scan one code from many devices, as copies of a code shown on camera would be."""
    service = ScanService(session, code_service(session).keyring, settings)
    for n in range(CLONE_DEVICES):
        client = ClientInfo(device=f"clone-device-{n}", ip=f"10.0.0.{n}")
        service.scan(ScanRequest(uri=link, client=client, at=T0 + timedelta(minutes=n)))
