"""Every query of the catalog package."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.kit.pagination import Page, PageRequest
from livetrace.store.base import Base
from livetrace.store.paging import paginate

M = TypeVar("M", bound=Base)


class CatalogRepository:
    """Reads and writes templates, products and lots."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: M) -> M:
        """Stage a row and flush so unique violations surface now."""
        self.session.add(obj)
        self.session.flush()
        return obj

    def template_by_code(self, code: str) -> CategoryTemplate | None:
        """A template by code."""
        stmt = select(CategoryTemplate).where(CategoryTemplate.code == code)
        return self.session.scalars(stmt).one_or_none()

    def template(self, template_id: uuid.UUID) -> CategoryTemplate | None:
        """A template by id."""
        return self.session.get(CategoryTemplate, template_id)

    def templates(
        self, party_id: uuid.UUID | None, *, everything: bool
    ) -> Sequence[CategoryTemplate]:
        """Built-in templates plus the caller's own (or all, for overseers)."""
        stmt = select(CategoryTemplate).order_by(CategoryTemplate.code)
        if not everything:
            stmt = stmt.where(
                or_(CategoryTemplate.builtin.is_(True), CategoryTemplate.owner_party_id == party_id)
            )
        return self.session.scalars(stmt).all()

    def product(self, product_id: uuid.UUID) -> Product | None:
        """A product by id."""
        return self.session.get(Product, product_id)

    def product_by_gtin(self, gtin14: str) -> Product | None:
        """A product by its GTIN-14."""
        return self.session.scalars(select(Product).where(Product.gtin == gtin14)).one_or_none()

    def products(self, page: PageRequest, *, brand: uuid.UUID | None) -> Page[Product]:
        """Products by GTIN, optionally of one brand."""
        stmt = select(Product)
        if brand is not None:
            stmt = stmt.where(Product.brand_party_id == brand)
        return paginate(self.session, stmt.order_by(Product.gtin), page)

    def lot(self, lot_id: uuid.UUID) -> Lot | None:
        """A lot by id."""
        return self.session.get(Lot, lot_id)

    def lot_by_number(self, product_id: uuid.UUID, lot_number: str) -> Lot | None:
        """A lot by product and number."""
        stmt = select(Lot).where(Lot.product_id == product_id, Lot.lot_number == lot_number)
        return self.session.scalars(stmt).one_or_none()

    def lots(self, product_id: uuid.UUID, page: PageRequest) -> Page[Lot]:
        """A product's lots, newest production first."""
        stmt = select(Lot).where(Lot.product_id == product_id)
        return paginate(self.session, stmt.order_by(Lot.lot_number), page)
