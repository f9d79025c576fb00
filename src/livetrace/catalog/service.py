"""Catalog logic: templates, products and lots, with access checks. Never commits."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.orm import Session

from livetrace.catalog.attributes import AttributeSpec, Level, TemplateSpec, validate_values
from livetrace.catalog.builtin import BUILTIN_TEMPLATES
from livetrace.catalog.errors import (
    DuplicateProductError,
    InvalidCatalogDataError,
    LotNotFoundError,
    ProductNotFoundError,
    TemplateNotFoundError,
)
from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.catalog.repository import CatalogRepository
from livetrace.catalog.schemas import LotCreate, LotUpdate, ProductCreate, ProductUpdate
from livetrace.gs1 import keys as gs1_keys
from livetrace.gs1.errors import Gs1Error
from livetrace.identity import policy
from livetrace.identity.errors import PartyNotFoundError
from livetrace.identity.models import Party
from livetrace.identity.policy import Principal
from livetrace.identity.roles import PartyRole, Scope
from livetrace.kit.pagination import Page, PageRequest

# AI 10 (batch/lot): up to 20 characters of GS1 character set 82.
_LOT_RE = re.compile(r"^[!%-?A-Z_a-z\"]{1,20}$")


def template_specs(template: CategoryTemplate) -> list[AttributeSpec]:
    """The typed attribute specs stored on a template row."""
    return [AttributeSpec.model_validate(a) for a in template.attributes]


class CatalogService:
    """Products, templates and lots."""

    def __init__(self, session: Session) -> None:
        self.repo = CatalogRepository(session)

    # -- templates ---------------------------------------------------------------------------

    def install_builtin_templates(self) -> int:
        """Create or refresh the shipped templates; returns how many were written."""
        for spec in BUILTIN_TEMPLATES:
            row = self.repo.template_by_code(spec.code)
            fresh = row is None
            row = row or CategoryTemplate(code=spec.code, builtin=True)
            _apply_spec(row, spec)
            if fresh:
                self.repo.add(row)
        self.repo.session.flush()
        return len(BUILTIN_TEMPLATES)

    def create_template(
        self, principal: Principal, party_id: uuid.UUID, spec: TemplateSpec
    ) -> CategoryTemplate:
        """A brand's own category template."""
        policy.require_write(principal, party_id)
        if self.repo.template_by_code(spec.code) is not None:
            raise DuplicateProductError(f"template code {spec.code!r} is taken", field="code")
        row = CategoryTemplate(code=spec.code, builtin=False, owner_party_id=party_id)
        _apply_spec(row, spec)
        return self.repo.add(row)

    def list_templates(self, principal: Principal) -> list[CategoryTemplate]:
        """Built-in templates and the caller's own."""
        policy.require_scope(principal, Scope.READ)
        return list(self.repo.templates(principal.party_id, everything=principal.is_overseer))

    def get_template(self, principal: Principal, code: str) -> CategoryTemplate:
        """A template visible to the caller."""
        row = self.repo.template_by_code(code)
        visible = row is not None and (
            row.builtin or principal.is_overseer or row.owner_party_id == principal.party_id
        )
        if row is None or not visible:
            raise TemplateNotFoundError(f"no category template {code!r}", field="template")
        return row

    # -- products ----------------------------------------------------------------------------

    def create_product(self, principal: Principal, data: ProductCreate) -> Product:
        """Register a product for a brand; required product-level attributes must be present."""
        policy.require_write(principal, data.brand_party_id)
        brand = self._brand(data.brand_party_id)
        gtin = _gtin14(data.gtin)
        if brand.company_prefix and not gtin[1:].startswith(brand.company_prefix):
            raise InvalidCatalogDataError(
                f"GTIN {gtin} is not under the brand's company prefix {brand.company_prefix}",
                field="gtin",
            )
        if self.repo.product_by_gtin(gtin) is not None:
            raise DuplicateProductError(f"GTIN {gtin} is already registered", field="gtin")
        template = self.get_template(principal, data.template)
        attributes = validate_values(template_specs(template), Level.PRODUCT, data.attributes)
        return self.repo.add(
            Product(
                gtin=gtin,
                brand_party_id=brand.id,
                template_id=template.id,
                name=data.name,
                description=data.description,
                net_content=data.net_content,
                attributes=attributes,
            )
        )

    def update_product(
        self, principal: Principal, product_id: uuid.UUID, data: ProductUpdate
    ) -> Product:
        """Change a product's texts or attributes (re-validated against its template)."""
        product = self.get_product(principal, product_id)
        policy.require_write(principal, product.brand_party_id)
        changes = data.model_dump(exclude_unset=True)
        if "attributes" in changes:
            changes["attributes"] = self._attributes(product, Level.PRODUCT, changes["attributes"])
        for key in ("name", "description"):
            if key in changes and changes[key] is None:
                raise InvalidCatalogDataError(f"{key} cannot be null", field=key)
        for key, value in changes.items():
            setattr(product, key, value)
        self.repo.session.flush()
        return product

    def get_product(self, principal: Principal, product_id: uuid.UUID) -> Product:
        """A product the caller may see (its brand's members, or overseers)."""
        product = self.repo.product(product_id)
        if product is None or not policy.can_read(principal, product.brand_party_id):
            raise ProductNotFoundError(f"no product {product_id}", field="product_id")
        policy.require_scope(principal, Scope.READ)
        return product

    def find_product(self, principal: Principal, ref: str) -> Product:
        """A product by id or by any GTIN form."""
        try:
            return self.get_product(principal, uuid.UUID(ref))
        except ValueError:
            pass
        product = self.repo.product_by_gtin(_gtin14(ref, field="product"))
        if product is None:
            raise ProductNotFoundError(f"no product with GTIN {ref}", field="product")
        return self.get_product(principal, product.id)

    def list_products(
        self, principal: Principal, page: PageRequest, brand: uuid.UUID | None = None
    ) -> Page[Product]:
        """Products the caller may see."""
        policy.require_scope(principal, Scope.READ)
        if not principal.is_overseer:
            if brand is not None and brand != principal.party_id:
                raise PartyNotFoundError(f"no party {brand}", field="brand")
            brand = principal.party_id
        return self.repo.products(page, brand=brand)

    def _brand(self, party_id: uuid.UUID) -> Party:
        party = self.repo.session.get(Party, party_id)
        if party is None:
            raise PartyNotFoundError(f"no party {party_id}", field="brand_party_id")
        if PartyRole.BRAND not in party.role_names:
            raise InvalidCatalogDataError(
                f"party {party.name!r} does not hold the brand role", field="brand_party_id"
            )
        return party

    # -- lots --------------------------------------------------------------------------------

    def create_lot(self, principal: Principal, product_id: uuid.UUID, data: LotCreate) -> Lot:
        """Register a lot; required lot-level attributes of the template must be present."""
        product = self.get_product(principal, product_id)
        policy.require_write(principal, product.brand_party_id)
        if not _LOT_RE.match(data.lot_number):
            raise InvalidCatalogDataError(
                "lot number must be 1-20 characters of GS1 character set 82 (AI 10)",
                field="lot_number",
            )
        if data.production_date and data.expiry_date and data.expiry_date < data.production_date:
            raise InvalidCatalogDataError(
                "expiry date is before the production date", field="expiry_date"
            )
        if self.repo.lot_by_number(product.id, data.lot_number) is not None:
            raise DuplicateProductError(
                f"lot {data.lot_number} of GTIN {product.gtin} exists", field="lot_number"
            )
        attributes = self._attributes(product, Level.LOT, data.attributes)
        return self.repo.add(
            Lot(
                product_id=product.id,
                lot_number=data.lot_number,
                production_date=data.production_date,
                expiry_date=data.expiry_date,
                attributes=attributes,
            )
        )

    def update_lot(self, principal: Principal, lot_id: uuid.UUID, data: LotUpdate) -> Lot:
        """Change a lot's dates or attributes (re-validated against the product's template)."""
        lot = self.get_lot(principal, lot_id)
        product = self.get_product(principal, lot.product_id)
        policy.require_write(principal, product.brand_party_id)
        changes = data.model_dump(exclude_unset=True)
        produced = changes.get("production_date", lot.production_date)
        expires = changes.get("expiry_date", lot.expiry_date)
        if produced and expires and expires < produced:
            raise InvalidCatalogDataError(
                "expiry date is before the production date", field="expiry_date"
            )
        if "attributes" in changes:
            changes["attributes"] = self._attributes(product, Level.LOT, changes["attributes"])
        for key, value in changes.items():
            setattr(lot, key, value)
        self.repo.session.flush()
        return lot

    def get_lot(self, principal: Principal, lot_id: uuid.UUID) -> Lot:
        """A lot the caller may see."""
        lot = self.repo.lot(lot_id)
        if lot is None:
            raise LotNotFoundError(f"no lot {lot_id}", field="lot_id")
        try:
            self.get_product(principal, lot.product_id)
        except ProductNotFoundError as exc:
            raise LotNotFoundError(f"no lot {lot_id}", field="lot_id") from exc
        return lot

    def _attributes(
        self, product: Product, level: Level, values: dict[str, Any] | None
    ) -> dict[str, Any]:
        template = self.repo.template(product.template_id)
        assert template is not None  # the foreign key guarantees it
        return validate_values(template_specs(template), level, values or {})

    def list_lots(
        self, principal: Principal, product_id: uuid.UUID, page: PageRequest
    ) -> Page[Lot]:
        """Lots of a product the caller may see."""
        self.get_product(principal, product_id)
        return self.repo.lots(product_id, page)


def _apply_spec(row: CategoryTemplate, spec: TemplateSpec) -> None:
    row.name = spec.name
    row.name_zh = spec.name_zh
    row.description = spec.description
    row.attributes = [a.model_dump(mode="json") for a in spec.attributes]


def _gtin14(value: str, *, field: str = "gtin") -> str:
    try:
        return gs1_keys.normalize_gtin(value)
    except Gs1Error as exc:
        raise InvalidCatalogDataError(str(exc), field=field) from exc
