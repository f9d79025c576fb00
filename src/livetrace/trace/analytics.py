"""Dwell times, trace completeness against category templates, and supplier quality. Never commits.

Dwell time is the time an item spends between two consecutive events of its own: the stage and
location of the earlier event are where it dwelt. Completeness judges each lot of a product
against its template's required lot- and trace-level attributes (QC certificate, waybill…), and
timeliness by how late events were recorded after they happened.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from livetrace.catalog.attributes import Layer, Level
from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.catalog.service import template_specs
from livetrace.trace.errors import UnknownIdentifierError
from livetrace.trace.facts import SHIPMENT_TYPES
from livetrace.trace.graph import Edge, walk
from livetrace.trace.repository import AnalyticsRepository, TraceRepository

MAX_DWELL_ROWS = 500_000
NON_CONFORMANT = frozenset({"non_conformant", "damaged", "expired", "recalled", "stolen",
                            "destroyed", "mismatch_product", "nonsellable_other"})  # fmt: skip
WAYBILL_KEYS = ("waybill_no", "waybill")
QC_KEYS = ("qc_certificate_no", "lab_report_no")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DwellStat(_Out):
    """Dwell-time distribution (hours) at one stage or location."""

    key: str
    count: int
    p50: float
    p90: float
    p95: float
    mean: float


class DwellReport(_Out):
    """Dwell times per stage and per location."""

    stages: list[DwellStat]
    locations: list[DwellStat]


class MissingDatum(_Out):
    """A required attribute absent at a node of the trace."""

    node: str
    key: str
    label: str
    layer: str
    level: str


class LotCompleteness(_Out):
    """Completeness and timeliness of one lot."""

    lot: str
    required: int
    present: int
    score: float
    missing: list[MissingDatum]
    record_lag_hours_p50: float | None


class CompletenessReport(_Out):
    """A product's lots judged against its category template."""

    gtin: str
    template: str
    lots: list[LotCompleteness]
    score: float


class SupplierLot(_Out):
    """Quality signals of one raw-material lot."""

    lot: str
    qc_failures: int
    non_conformant: int
    recalls: int


class SupplierQuality(_Out):
    """Quality signals of one supplier across its raw-material lots."""

    party_id: uuid.UUID
    name: str | None
    lots: list[SupplierLot]
    qc_failures: int
    non_conformant: int
    recalls: int


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation of sorted values."""
    if not sorted_values:
        return 0.0
    rank = (len(sorted_values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    frac = rank - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * frac


def _stat(key: str, hours: list[float]) -> DwellStat:
    values = sorted(hours)
    return DwellStat(key=key, count=len(values), p50=round(percentile(values, 50), 3),
                     p90=round(percentile(values, 90), 3), p95=round(percentile(values, 95), 3),
                     mean=round(sum(values) / len(values), 3))  # fmt: skip


def dwell_times(session: Session, gtin: str | None = None) -> DwellReport:
    """Dwell-time percentiles per stage (bizStep) and per location, from event timestamps."""
    rows = AnalyticsRepository(session).instance_events(gtin, MAX_DWELL_ROWS)
    stages: dict[str, list[float]] = defaultdict(list)
    places: dict[str, list[float]] = defaultdict(list)
    for before, after in itertools.pairwise(rows):
        if before.epc != after.epc:
            continue
        hours = max(0.0, (after.event_time - before.event_time).total_seconds() / 3600)
        stages[before.biz_step or "unknown"].append(hours)
        places[before.biz_location or "unknown"].append(hours)
    return DwellReport(stages=[_stat(k, v) for k, v in sorted(stages.items())],
                       locations=[_stat(k, v) for k, v in sorted(places.items())])  # fmt: skip


def completeness(session: Session, gtin: str) -> CompletenessReport:
    """Which required data is missing at which lot of a product, per its category template."""
    product = session.scalar(select(Product).where(Product.gtin == gtin.zfill(14)))
    if product is None:
        raise UnknownIdentifierError(f"no product with GTIN {gtin}", field="gtin")
    template = session.get(CategoryTemplate, product.template_id)
    assert template is not None  # a foreign key guarantees it
    specs = [s for s in template_specs(template) if s.required and s.level is not Level.PRODUCT]
    repo = AnalyticsRepository(session)
    by_lot: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in repo.lot_events_of_gtin(product.gtin):
        by_lot[row.lot_class].append(row)
    catalog_lots = {lot.lot_number: lot.attributes for lot in session.scalars(
        select(Lot).where(Lot.product_id == product.id))}  # fmt: skip
    lots = [_judge(session, lot, rows, specs, catalog_lots) for lot, rows in sorted(by_lot.items())]
    total = sum(x.required for x in lots)
    score = round(sum(x.present for x in lots) / total, 3) if total else 1.0
    return CompletenessReport(gtin=product.gtin, template=template.code, lots=lots, score=score)


def _judge(session: Session, lot: str, rows: list[Row[Any]], specs: list[Any],
           catalog_lots: dict[str, dict[str, Any]]) -> LotCompleteness:  # fmt: skip
    values = _values(rows, catalog_lots.get(rows[0].lot or "", {}))
    values |= _circulation(session, lot, rows)
    raw = _raw_inputs(session, lot)
    raw_values = {
        r: _values(rs, {}) for r, rs in _by_lot(TraceRepository(session).lot_events(raw)).items()
    }
    missing: list[MissingDatum] = []
    for spec in specs:
        missing += _missing(spec, lot, values, raw_values)
    lags = sorted(AnalyticsRepository(session).record_lags(r.event_pk for r in rows))
    present = len(specs) - len({m.key for m in missing})
    return LotCompleteness(
        lot=lot, required=len(specs), present=present,
        score=round(present / len(specs), 3) if specs else 1.0, missing=missing,
        record_lag_hours_p50=round(percentile(lags, 50) / 3600, 3) if lags else None,
    )  # fmt: skip


def _missing(spec: Any, lot: str, values: dict[str, Any],
             raw_values: dict[str, dict[str, Any]]) -> list[MissingDatum]:  # fmt: skip
    """Where `spec` is missing: origin data at each raw-material lot, the rest at the lot itself."""
    if spec.key.endswith(("_lot", "_lots")) and raw_values:
        return []  # an input lot is what the recorded lineage says
    if spec.layer is Layer.ORIGIN and raw_values and values.get(spec.key) in (None, ""):
        nodes = [r for r, v in sorted(raw_values.items()) if v.get(spec.key) in (None, "")]
    else:
        nodes = [lot] if values.get(spec.key) in (None, "") else []
    return [MissingDatum(node=n, key=spec.key, label=spec.label, layer=spec.layer, level=spec.level)
            for n in nodes]  # fmt: skip


def _values(rows: list[Row[Any]], base: dict[str, Any]) -> dict[str, Any]:
    values = dict(base)
    for row in rows:
        for section in ("ilmd", "ext"):
            for key, value in row.data.get(section, {}).items():
                values.setdefault(key, value)
    return values


def _by_lot(rows: list[Row[Any]]) -> dict[str, list[Row[Any]]]:
    out: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        out[row.lot_class].append(row)
    return out


def _raw_inputs(session: Session, lot: str) -> set[str]:
    """The raw-material lots upstream of `lot` (through recorded transformations)."""
    repo = TraceRepository(session)
    found = walk([lot], lambda f: [Edge(o, i, "input") for o, i, _c, _e in repo.lineage(f, upstream=True)],
                 max_nodes=10_000)  # fmt: skip
    sources = {e.source for e in found.edges}
    return {n for n in found.nodes if n != lot and n not in sources}


def _circulation(session: Session, lot: str, rows: list[Row[Any]]) -> dict[str, Any]:
    """Trace-level facts: a QC document on the lot, a waybill on a shipment of its units."""
    found: dict[str, Any] = {}
    certs = [c for r in rows for c in r.data.get("certifications", [])]
    if certs:
        for key in QC_KEYS:
            found[key] = certs[0]
    repo = TraceRepository(session)
    items = [item for _lot, item in repo.items_of_lots([lot])]
    holders = {r.parent_epc for r in repo.intervals_by_child(items)}
    holders |= {r.parent_epc for r in repo.intervals_by_child(holders)}
    waybills = [lk.biz_transaction for lk in repo.links([lot, *items, *holders])
                if lk.type in SHIPMENT_TYPES]  # fmt: skip
    if waybills:
        for key in WAYBILL_KEYS:
            found[key] = waybills[0]
    return found


def supplier_quality(session: Session) -> list[SupplierQuality]:
    """QC failures, non-conformant dispositions and recalls per supplier and raw-material lot."""
    repo = AnalyticsRepository(session)
    outputs = repo.output_lots()
    raw: dict[str, uuid.UUID] = {}
    for row in repo.produced_lots():
        if row.lot_class not in outputs:
            raw.setdefault(row.lot_class, row.party_id)
    trace = TraceRepository(session)
    facts = trace.lot_events(raw)
    downstream = trace.lineage(raw, upstream=False)
    down_facts = trace.lot_events({o for _i, o, _c, _e in downstream})
    recalls = repo.recall_counts(raw)
    per_lot = {lot: _lot_quality(lot, facts, downstream, down_facts, recalls) for lot in raw}
    by_party: dict[uuid.UUID, list[SupplierLot]] = defaultdict(list)
    for lot, party in sorted(raw.items()):
        by_party[party].append(per_lot[lot])
    names = trace.party_names(by_party)
    return [SupplierQuality(party_id=p, name=names.get(p), lots=lots,
                            qc_failures=sum(x.qc_failures for x in lots),
                            non_conformant=sum(x.non_conformant for x in lots),
                            recalls=sum(x.recalls for x in lots))
            for p, lots in sorted(by_party.items(), key=lambda kv: (names.get(kv[0]) or "", kv[0]))]  # fmt: skip


def _lot_quality(lot: str, facts: list[Row[Any]], downstream: list[tuple[str, str, bool, uuid.UUID]],
                 down_facts: list[Row[Any]], recalls: dict[str, int]) -> SupplierLot:  # fmt: skip
    own = [f for f in facts if f.lot_class == lot]
    products = {o for i, o, _c, _e in downstream if i == lot}
    later = [f for f in down_facts if f.lot_class in products]
    return SupplierLot(
        lot=lot,
        qc_failures=sum(1 for f in own if f.biz_step == "inspecting" and f.disposition == "non_conformant"),
        non_conformant=sum(1 for f in (*own, *later) if f.disposition in NON_CONFORMANT),
        recalls=recalls.get(lot, 0),
    )  # fmt: skip
