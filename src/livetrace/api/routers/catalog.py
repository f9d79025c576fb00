"""Category templates, products and lots."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from livetrace.api.deps import PageDep, PrincipalDep, SessionDep
from livetrace.api.schemas import PageOut
from livetrace.catalog.attributes import TemplateSpec
from livetrace.catalog.schemas import (
    LotCreate,
    LotOut,
    LotUpdate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    TemplateOut,
)
from livetrace.catalog.service import CatalogService

router = APIRouter(tags=["catalog"])


@router.get("/templates", response_model=list[TemplateOut])
def list_templates(who: PrincipalDep, session: SessionDep) -> list[TemplateOut]:
    """Built-in category templates and the caller's own."""
    return [TemplateOut.model_validate(t) for t in CatalogService(session).list_templates(who)]


@router.get("/templates/{code}", response_model=TemplateOut)
def get_template(code: str, who: PrincipalDep, session: SessionDep) -> TemplateOut:
    """One template with its layered attributes."""
    return TemplateOut.model_validate(CatalogService(session).get_template(who, code))


@router.post(
    "/parties/{party_id}/templates", status_code=status.HTTP_201_CREATED, response_model=TemplateOut
)
def create_template(
    party_id: uuid.UUID, spec: TemplateSpec, who: PrincipalDep, session: SessionDep
) -> TemplateOut:
    """A brand's own category template."""
    return TemplateOut.model_validate(CatalogService(session).create_template(who, party_id, spec))


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
def create_product(data: ProductCreate, who: PrincipalDep, session: SessionDep) -> ProductOut:
    """Register a product (GTIN stored as GTIN-14)."""
    return ProductOut.model_validate(CatalogService(session).create_product(who, data))


@router.get("/products", response_model=PageOut[ProductOut])
def list_products(
    who: PrincipalDep, session: SessionDep, page: PageDep, brand: uuid.UUID | None = None
) -> PageOut[ProductOut]:
    """Products visible to the caller."""
    result = CatalogService(session).list_products(who, page, brand)
    return PageOut[ProductOut].of(result, ProductOut.model_validate)


@router.get("/products/{ref}", response_model=ProductOut)
def get_product(ref: str, who: PrincipalDep, session: SessionDep) -> ProductOut:
    """A product by id or GTIN."""
    return ProductOut.model_validate(CatalogService(session).find_product(who, ref))


@router.post("/products/{ref}/lots", status_code=status.HTTP_201_CREATED, response_model=LotOut)
def create_lot(ref: str, data: LotCreate, who: PrincipalDep, session: SessionDep) -> LotOut:
    """Register a lot of the product."""
    svc = CatalogService(session)
    product = svc.find_product(who, ref)
    return LotOut.model_validate(svc.create_lot(who, product.id, data))


@router.get("/products/{ref}/lots", response_model=PageOut[LotOut])
def list_lots(ref: str, who: PrincipalDep, session: SessionDep, page: PageDep) -> PageOut[LotOut]:
    """Lots of the product."""
    svc = CatalogService(session)
    product = svc.find_product(who, ref)
    return PageOut[LotOut].of(svc.list_lots(who, product.id, page), LotOut.model_validate)


@router.get("/lots/{lot_id}", response_model=LotOut)
def get_lot(lot_id: uuid.UUID, who: PrincipalDep, session: SessionDep) -> LotOut:
    """One lot."""
    return LotOut.model_validate(CatalogService(session).get_lot(who, lot_id))


@router.patch("/products/{ref}", response_model=ProductOut)
def update_product(
    ref: str, data: ProductUpdate, who: PrincipalDep, session: SessionDep
) -> ProductOut:
    """Change a product's texts or attributes."""
    svc = CatalogService(session)
    return ProductOut.model_validate(svc.update_product(who, svc.find_product(who, ref).id, data))


@router.patch("/lots/{lot_id}", response_model=LotOut)
def update_lot(
    lot_id: uuid.UUID, data: LotUpdate, who: PrincipalDep, session: SessionDep
) -> LotOut:
    """Change a lot's dates or attributes."""
    return LotOut.model_validate(CatalogService(session).update_lot(who, lot_id, data))
