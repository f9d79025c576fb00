"""Reads the resolver's item journey needs besides the trace: catalog, evidence, place names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.epcis.doc_models import EvidenceDocument, EvidenceLink
from livetrace.identity.models import Location, Party
from livetrace.store.uow import rows_connection


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """What the page shows of a product (a plain row, safe to share between requests)."""

    id: uuid.UUID
    name: str
    description: str
    net_content: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LotInfo:
    """What the page shows of a lot (a plain row, safe to share between requests)."""

    id: uuid.UUID
    lot_number: str
    production_date: date | None
    expiry_date: date | None
    attributes: dict[str, Any]


class EvidenceRow(NamedTuple):
    """What the page shows of an evidence document."""

    sha256: str
    kind: str
    title: str
    created_at: datetime
    log_index: int


@dataclass(frozen=True, slots=True)
class ItemContext:
    """A product with its brand, template attributes and (when known) the lot."""

    product: ProductInfo
    brand_name: str
    template_attributes: list[dict[str, Any]]
    lot: LotInfo | None


def _prepared() -> dict[str, Any]:
    """The page's catalog statements, built once: building one costs more than running it."""
    gtin: Any = bindparam("gtin")
    names = (
        select(Product.name, Party.name)
        .join(Party, Party.id == Product.brand_party_id)
        .join(CategoryTemplate, CategoryTemplate.id == Product.template_id)
        .where(Product.gtin == gtin)
    )
    context = (
        select(
            Product.id, Product.name, Product.description, Product.net_content,
            Product.attributes, Party.name, CategoryTemplate.attributes, Lot.id,
            Lot.lot_number, Lot.production_date, Lot.expiry_date, Lot.attributes,
        )
        .join(Party, Party.id == Product.brand_party_id)
        .join(CategoryTemplate, CategoryTemplate.id == Product.template_id)
        .outerjoin(Lot, and_(Lot.product_id == Product.id, Lot.lot_number == bindparam("lot")))
        .where(Product.gtin == gtin)
    )  # fmt: skip
    link = EvidenceLink
    about = or_(
        and_(link.target_kind == "product", link.target == bindparam("product")),
        and_(link.target_kind == "lot", link.target == bindparam("lot")),
        and_(link.target_kind == "event", link.target.in_(bindparam("events", expanding=True))),
    )
    doc = EvidenceDocument
    evidence = (
        select(doc.sha256, doc.kind, doc.title, doc.created_at, doc.log_index)
        .where(doc.id.in_(select(link.document_id).where(about)))
        .order_by(doc.log_index)
    )
    return {"names": names, "context": context, "evidence": evidence}


_STATEMENTS = _prepared()


class ResolverRepository:
    """Set-based lookups: one query each."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item_context(self, gtin: str, lot_number: str | None) -> ItemContext | None:
        """Product, brand name, template attributes and lot of a GTIN (+ lot), in one query."""
        row = self.session.execute(
            _STATEMENTS["context"], {"gtin": gtin, "lot": lot_number}
        ).first()
        if row is None:
            return None
        product = ProductInfo(row[0], row[1], row[2], row[3], dict(row[4] or {}))
        lot = LotInfo(row[7], row[8], row[9], row[10], dict(row[11] or {})) if row[7] else None
        return ItemContext(product, row[5], list(row[6] or []), lot)

    def product_names(self, gtin: str) -> tuple[str, str] | None:
        """(product name, brand name) of a GTIN, in one query."""
        row = self.session.execute(_STATEMENTS["names"], {"gtin": gtin}).first()
        return (row[0], row[1]) if row is not None else None

    def evidence(
        self, product_id: uuid.UUID, lot_id: uuid.UUID | None, event_ids: Iterable[str]
    ) -> list[EvidenceRow]:
        """Evidence documents about the product, its lot or any of these events, in log order."""
        params = {"product": str(product_id), "lot": str(lot_id) if lot_id else "",
                  "events": sorted(set(event_ids))}  # fmt: skip
        rows = rows_connection(self.session).execute(_STATEMENTS["evidence"], params)
        return [EvidenceRow(*row) for row in rows]

    def location_names(self, glns: Iterable[str]) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(name, region code) of registered locations by (GLN, extension)."""
        wanted = sorted(set(glns))
        if not wanted:
            return {}
        query = select(Location.gln, Location.extension, Location.name, Location.region_code).where(
            Location.gln.in_(wanted)
        )
        return {(g, e): (n, r) for g, e, n, r in self.session.execute(query)}
