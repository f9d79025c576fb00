"""Builders for products and lots."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from livetrace.catalog.models import Lot, Product
from livetrace.catalog.schemas import LotCreate, ProductCreate
from livetrace.catalog.service import CatalogService
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party
from livetrace.identity.policy import SYSTEM

_seq = itertools.count(1)

RICE_PRODUCT_ATTRS = {"variety": "稻花香2号"}
RICE_LOT_ATTRS = {
    "plot_code": "PLOT-A07",
    "plot_coordinates": {"lat": 44.94, "lon": 127.18},
    "grower": "王建国",
    "harvest_date": "2026-10-02",
    "paddy_lot": "PADDY-A07",
}


def gtin_for(brand: Party, item: int | None = None) -> str:
    """A valid GTIN-14 under the brand's company prefix."""
    prefix = brand.company_prefix or "0000000"
    ref = str(item if item is not None else next(_seq)).zfill(12 - len(prefix))
    return with_check_digit("0" + prefix + ref)


def make_product(session: Session, brand: Party, **fields: Any) -> Product:
    """A rice product of `brand` with valid attributes."""
    data = {
        "gtin": gtin_for(brand),
        "brand_party_id": brand.id,
        "template": "rice",
        "name": "五常大米 5kg",
        "attributes": RICE_PRODUCT_ATTRS,
    } | fields
    return CatalogService(session).create_product(SYSTEM, ProductCreate.model_validate(data))


def make_lot(session: Session, product: Product, **fields: Any) -> Lot:
    """A lot of a rice product with valid attributes."""
    data = {
        "lot_number": f"L{next(_seq):05d}",
        "production_date": "2026-10-28",
        "expiry_date": "2027-10-27",
        "attributes": RICE_LOT_ATTRS,
    } | fields
    return CatalogService(session).create_lot(SYSTEM, product.id, LotCreate.model_validate(data))
