"""Load the demo data set through the ordinary services (so it obeys every rule).

Order: parties, locations, products and lots; the rice, milk and cosmetics chains (codes issued,
events captured and signed by the party that states each one, evidence documents, a recall);
the scans that make every verdict appear; and last the witness cosigning the final checkpoint,
so the proof panel shows a cosigned checkpoint. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from livetrace.catalog.schemas import LotCreate, ProductCreate
from livetrace.catalog.service import CatalogService
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import cosmetics, data, milk, rice, scans, witness
from livetrace.demo.context import Demo
from livetrace.demo.errors import DemoAlreadyLoadedError
from livetrace.demo.events import CST, Clock
from livetrace.identity.policy import SYSTEM
from livetrace.identity.repository import IdentityRepository
from livetrace.identity.schemas import LocationCreate, PartyCreate
from livetrace.identity.service import IdentityService
from livetrace.kit.clock import utcnow


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a load created."""

    parties: int
    locations: int
    products: int
    lots: int
    events: int
    scans: int
    checkpoint: int
    witness: str


def demo_loaded(session: Session) -> bool:
    """True when the demo's parties are already in the database."""
    return IdentityRepository(session).party_by_name(data.PLATFORM) is not None


def load_demo(
    session: Session, settings: Settings, encryptor: KeyEncryptor, *, today: date | None = None
) -> DemoSummary:
    """Create the whole demo; DemoAlreadyLoadedError if it (or a party of its names) exists."""
    if demo_loaded(session):
        raise DemoAlreadyLoadedError(
            "the demo data is already loaded; start from an empty database to load it again",
            field="database",
        )
    demo = Demo(session, settings, encryptor, Clock(today or utcnow().astimezone(CST).date()))
    locations = _setup(demo)
    rice.load(demo)
    witness.cosign(demo)  # a checkpoint cosigned mid-way: later ones must prove consistent with it
    milk.load(demo)
    cosmetics.load(demo)
    size = witness.cosign(demo)
    scanned = scans.load(demo)
    return DemoSummary(
        len(demo.parties), locations, len(demo.products), len(demo.lots), demo.events, scanned,
        size, witness.WITNESS_NAME,
    )  # fmt: skip


def _setup(demo: Demo) -> int:
    """Parties (each with its signing key), locations, products and lots."""
    identity, catalog = IdentityService(demo.session, demo.encryptor), CatalogService(demo.session)
    catalog.install_builtin_templates()
    for p in data.PARTIES:
        party = identity.create_party(SYSTEM, PartyCreate.model_validate(p))
        demo.parties[party.name] = party.id
        if party.gln:
            demo.glns[party.name] = party.gln
    for owner, loc in data.LOCATIONS:
        identity.create_location(SYSTEM, demo.parties[owner], LocationCreate.model_validate(loc))
    for p in data.PRODUCTS:
        fields = {k: v for k, v in p.items() if k != "brand"}
        fields["brand_party_id"] = demo.parties[p["brand"]]
        product = catalog.create_product(SYSTEM, ProductCreate.model_validate(fields))
        demo.products[product.gtin] = product.id
    for gtin, lot in data.lots(demo.clock.today):
        row = catalog.create_lot(SYSTEM, demo.products[gtin], LotCreate.model_validate(lot))
        demo.lots[gtin, row.lot_number] = row.id
    return len(data.LOCATIONS)
