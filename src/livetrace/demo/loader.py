"""Load the demo data set through the ordinary services (so it obeys every rule)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from livetrace.catalog.schemas import LotCreate, ProductCreate
from livetrace.catalog.service import CatalogService
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import data
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import LocationCreate, PartyCreate
from livetrace.identity.service import IdentityService


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What a load created (zeros when the demo was already there)."""

    parties: int
    locations: int
    products: int
    lots: int


def load_demo(session: Session, encryptor: KeyEncryptor) -> DemoSummary:
    """Create the demo parties, locations, products and lots unless they exist."""
    identity, catalog = IdentityService(session, encryptor), CatalogService(session)
    catalog.install_builtin_templates()
    if identity.repo.party_by_name(data.PARTIES[0]["name"]) is not None:
        return DemoSummary(0, 0, 0, 0)
    ids = {
        p["name"]: identity.create_party(SYSTEM, PartyCreate.model_validate(p)).id
        for p in data.PARTIES
    }
    for owner, loc in data.LOCATIONS:
        identity.create_location(SYSTEM, ids[owner], LocationCreate.model_validate(loc))
    products = {}
    for p in data.PRODUCTS:
        fields = {k: v for k, v in p.items() if k != "brand"} | {"brand_party_id": ids[p["brand"]]}
        products[p["gtin"]] = catalog.create_product(
            SYSTEM, ProductCreate.model_validate(fields)
        ).id
    for gtin, lot in data.LOTS:
        catalog.create_lot(SYSTEM, products[gtin], LotCreate.model_validate(lot))
    return DemoSummary(len(data.PARTIES), len(data.LOCATIONS), len(products), len(data.LOTS))
