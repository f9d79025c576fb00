"""Dwell times, completeness and supplier quality on the fixture chains."""

from __future__ import annotations

from sqlalchemy.orm import Session

from factories.catalog import make_product
from factories.ledger import ORIGIN
from factories.trace import (
    Chain,
    at,
    build_milk,
    build_rice,
    commission_lot,
    inspect,
    lgtin,
    transform,
)
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.trace.analytics import completeness, dwell_times, percentile, supplier_quality
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) == 0.0


def test_dwell_per_stage_and_location(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    report = dwell_times(session, rice.rice_gtin)
    stages = {s.key: s for s in report.stages}
    # bags wait a day between commissioning (day 5) and packing (day 6)
    assert stages["commissioning"].p50 == 24.0
    assert stages["commissioning"].count == 11
    assert {s.key for s in report.locations}


def test_completeness_names_missing_data(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    make_product(session, rice.brand, gtin=rice.rice_gtin, template="rice")
    report = completeness(session, rice.rice_gtin)
    # origin data sits on the paddy lots, waybills on the pallets' shipments: only QC is missing
    assert {(m.node, m.key) for lot in report.lots for m in lot.missing} == {
        (rice.rice[k], "qc_certificate_no") for k in "123"
    }
    chain = Chain(session, encryptor)
    chain.capture(rice.mill, inspect(rice.rice["1"], at(14), 2, passed=True, certificate="QC-R1"))
    pad_d, rice_9 = lgtin(rice.paddy_gtin, "PAD-D"), lgtin(rice.rice_gtin, "RICE-9")
    chain.capture(rice.farm, commission_lot(pad_d, 10, at(14), 1, plot_code="WC-009"))
    chain.capture(rice.mill, transform([pad_d], [rice_9], at(15), 2))
    by_lot = {lot.lot: lot for lot in completeness(session, rice.rice_gtin).lots}
    assert by_lot[rice.rice["1"]].missing == [] and by_lot[rice.rice["1"]].score == 1.0
    missing = {(m.node, m.key) for m in by_lot[rice_9].missing}
    assert (pad_d, "grower") in missing and (pad_d, "plot_code") not in missing
    assert (rice_9, "waybill_no") in missing


def test_supplier_quality(session: Session, encryptor: KeyEncryptor) -> None:
    milk = build_milk(session, encryptor)
    RecallService(session, encryptor, ORIGIN).open(SYSTEM, milk.dairy.id, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.LOT, id=milk.raw[2]), reason="抗生素残留"))  # fmt: skip
    report = {s.name: s for s in supplier_quality(session)}
    assert report["牧场3"].qc_failures == 1 and report["牧场3"].recalls == 1
    assert report["牧场1"].qc_failures == 0 and report["牧场1"].recalls == 0
    assert report["牧场1"].non_conformant == 1  # MILK-1 was recalled downstream of every farm
