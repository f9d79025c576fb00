"""Products and lots through the service layer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.catalog import RICE_LOT_ATTRS, gtin_for, make_lot, make_product
from factories.identity import make_member, make_party
from livetrace.catalog.errors import (
    DuplicateProductError,
    InvalidCatalogDataError,
    MissingAttributeError,
    ProductNotFoundError,
)
from livetrace.catalog.models import Lot, Product
from livetrace.catalog.schemas import LotUpdate, ProductUpdate
from livetrace.catalog.service import CatalogService
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit.pagination import PageRequest


def n_products(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Product)) or 0


def test_gtin13_is_stored_as_gtin14(session: Session, encryptor: KeyEncryptor) -> None:
    brand = make_party(session, encryptor)
    gtin14 = gtin_for(brand)
    product = make_product(session, brand, gtin=gtin14[1:])
    assert product.gtin == gtin14
    assert CatalogService(session).find_product(SYSTEM, gtin14[1:]).id == product.id


def test_wrong_check_digit_is_refused_and_writes_nothing(
    session: Session, encryptor: KeyEncryptor
) -> None:
    brand = make_party(session, encryptor)
    good = gtin_for(brand)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    before = n_products(session)
    with pytest.raises(InvalidCatalogDataError, match="check digit") as info:
        make_product(session, brand, gtin=bad)
    assert info.value.field == "gtin"
    assert n_products(session) == before


def test_duplicate_gtin_conflicts(session: Session, encryptor: KeyEncryptor) -> None:
    brand = make_party(session, encryptor)
    product = make_product(session, brand)
    with pytest.raises(DuplicateProductError) as info:
        make_product(session, brand, gtin=product.gtin)
    assert info.value.field == "gtin"


def test_gtin_outside_the_brand_prefix_is_refused(
    session: Session, encryptor: KeyEncryptor
) -> None:
    brand, other = make_party(session, encryptor), make_party(session, encryptor)
    with pytest.raises(InvalidCatalogDataError, match="company prefix"):
        make_product(session, brand, gtin=gtin_for(other))


def test_only_brands_own_products(session: Session, encryptor: KeyEncryptor) -> None:
    farm = make_party(session, encryptor, roles=["farm"])
    with pytest.raises(InvalidCatalogDataError, match="brand role"):
        make_product(session, farm)


def test_missing_required_product_attribute(session: Session, encryptor: KeyEncryptor) -> None:
    brand = make_party(session, encryptor)
    with pytest.raises(MissingAttributeError) as info:
        make_product(session, brand, attributes={})
    assert info.value.field == "attributes.variety"


def test_lots_check_template_attributes_dates_and_uniqueness(
    session: Session, encryptor: KeyEncryptor
) -> None:
    brand = make_party(session, encryptor)
    product = make_product(session, brand)
    lot = make_lot(session, product, lot_number="WC2026A07")
    assert lot.attributes["grower"] == "王建国"
    with pytest.raises(DuplicateProductError):
        make_lot(session, product, lot_number="WC2026A07")
    with pytest.raises(MissingAttributeError, match="plot_code"):
        make_lot(
            session,
            product,
            attributes={k: v for k, v in RICE_LOT_ATTRS.items() if k != "plot_code"},
        )
    with pytest.raises(InvalidCatalogDataError, match="before the production date"):
        make_lot(session, product, production_date="2026-10-28", expiry_date="2026-10-01")
    with pytest.raises(InvalidCatalogDataError) as info:
        make_lot(session, product, lot_number="批次1")
    assert info.value.field == "lot_number"
    assert (
        session.scalar(select(func.count()).select_from(Lot).where(Lot.product_id == product.id))
        == 1
    )


def test_other_brands_cannot_see_products(session: Session, encryptor: KeyEncryptor) -> None:
    a, b = make_party(session, encryptor), make_party(session, encryptor)
    product = make_product(session, a)
    who_b = IdentityService(session, encryptor).authenticate(
        make_member(session, encryptor, b).token
    )
    svc = CatalogService(session)
    with pytest.raises(ProductNotFoundError):
        svc.get_product(who_b, product.id)
    assert svc.list_products(who_b, PageRequest()).total == 0


def test_product_and_lot_updates_revalidate_attributes(
    session: Session, encryptor: KeyEncryptor
) -> None:
    brand = make_party(session, encryptor)
    product = make_product(session, brand)
    svc = CatalogService(session)
    changed = svc.update_product(
        SYSTEM, product.id, ProductUpdate(name="新名", attributes={"variety": "长粒香"})
    )
    assert (changed.name, changed.attributes["variety"]) == ("新名", "长粒香")
    with pytest.raises(MissingAttributeError):
        svc.update_product(SYSTEM, product.id, ProductUpdate(attributes={}))
    lot = make_lot(session, product)
    with pytest.raises(InvalidCatalogDataError, match="before the production date"):
        svc.update_lot(SYSTEM, lot.id, LotUpdate(expiry_date=date(2020, 1, 1)))
    with pytest.raises(InvalidCatalogDataError, match="unknown lot attribute"):
        svc.update_lot(SYSTEM, lot.id, LotUpdate(attributes=RICE_LOT_ATTRS | {"colour": "white"}))
    assert svc.update_lot(
        SYSTEM, lot.id, LotUpdate(expiry_date=date(2028, 1, 1))
    ).expiry_date == date(2028, 1, 1)
