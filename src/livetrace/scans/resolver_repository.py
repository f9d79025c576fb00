"""Reads the resolver's item journey needs besides the trace: catalog, evidence, place names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.epcis.doc_models import EvidenceDocument, EvidenceLink
from livetrace.epcis.models import EpcisEventEpc, EpcisEventRow, EpcisSensorReport
from livetrace.identity.models import Location, Party


@dataclass(frozen=True, slots=True)
class ItemContext:
    """A product with its brand, template attributes and (when known) the lot."""

    product: Product
    brand_name: str
    template_attributes: list[dict[str, Any]]
    lot: Lot | None


class ResolverRepository:
    """Set-based lookups: one query each."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def item_context(self, gtin: str, lot_number: str | None) -> ItemContext | None:
        """Product, brand name, template attributes and lot of a GTIN (+ lot), in one query."""
        query = (
            select(Product, Party.name, CategoryTemplate.attributes, Lot)
            .join(Party, Party.id == Product.brand_party_id)
            .join(CategoryTemplate, CategoryTemplate.id == Product.template_id)
            .outerjoin(Lot, and_(Lot.product_id == Product.id, Lot.lot_number == lot_number))
            .where(Product.gtin == gtin)
        )
        row = self.session.execute(query).first()
        if row is None:
            return None
        return ItemContext(row[0], row[1], list(row[2] or []), row[3])

    def evidence(
        self, product_id: uuid.UUID, lot_id: uuid.UUID | None, event_ids: Iterable[str]
    ) -> list[EvidenceDocument]:
        """Evidence documents about the product, its lot or any of these events."""
        targets = [
            and_(EvidenceLink.target_kind == "product", EvidenceLink.target == str(product_id))
        ]
        if lot_id is not None:
            targets.append(
                and_(EvidenceLink.target_kind == "lot", EvidenceLink.target == str(lot_id))
            )
        events = sorted(set(event_ids))
        if events:
            targets.append(
                and_(EvidenceLink.target_kind == "event", EvidenceLink.target.in_(events))
            )
        query = (
            select(EvidenceDocument)
            .join(EvidenceLink, EvidenceLink.document_id == EvidenceDocument.id)
            .where(or_(*targets))
            .distinct()
            .order_by(EvidenceDocument.log_index)
        )
        return list(self.session.scalars(query))

    def location_names(self, glns: Iterable[str]) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(name, region code) of registered locations by (GLN, extension)."""
        wanted = sorted(set(glns))
        if not wanted:
            return {}
        query = select(Location.gln, Location.extension, Location.name, Location.region_code).where(
            Location.gln.in_(wanted)
        )
        return {(g, e): (n, r) for g, e, n, r in self.session.execute(query)}

    def event_documents(
        self, event_ids: Iterable[str], subjects: Iterable[str]
    ) -> list[tuple[str, datetime, dict[str, Any]]]:
        """(event id, time, document) of these events, plus every live event with sensor
        readings that names one of `subjects` (the item and the containers it rode in)."""
        ids, named = sorted(set(event_ids)), sorted(set(subjects))
        wanted: list[ColumnElement[bool]] = []
        if ids:
            wanted.append(EpcisEventRow.event_id.in_(ids))
        if named:
            naming = select(EpcisEventEpc.event_pk).where(EpcisEventEpc.epc.in_(named))
            sensed = exists().where(EpcisSensorReport.event_pk == EpcisEventRow.id)
            wanted.append(and_(EpcisEventRow.id.in_(naming), sensed,
                               EpcisEventRow.error_declared_by.is_(None)))  # fmt: skip
        if not wanted:
            return []
        query = select(EpcisEventRow.event_id, EpcisEventRow.event_time, EpcisEventRow.document)
        rows = self.session.execute(query.where(or_(*wanted)).order_by(EpcisEventRow.log_index))
        return [(e, t, d) for e, t, d in rows]
