"""Backward and forward traces on the fixture chains: exact expected answers."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from factories.trace import (
    Chain,
    at,
    build_cosmetics,
    build_milk,
    build_rice,
    lgtin,
    loc,
    sgtin,
    transform,
    transform_items,
)
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.identifiers import canonical_epc
from livetrace.trace.errors import LineageCycleError, UnknownIdentifierError
from livetrace.trace.schemas import OriginKind, TraceOrigin
from livetrace.trace.service import SharedRows, TraceService


def test_backward_from_a_bag_reaches_both_paddy_lots(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    trace = TraceService(session).backward(rice.items["r6"])
    lots = {lot.id: lot for lot in trace.lots}
    assert set(lots) == {rice.rice["1"], rice.pad["A"], rice.pad["B"]}  # not PAD-C: declared wrong
    assert lots[rice.pad["A"]].origin["grower"] == "张三"
    assert lots[rice.pad["A"]].origin["plot_coordinates"] == "127.15,44.92"
    assert lots[rice.pad["A"]].supplier is not None
    assert lots[rice.pad["A"]].supplier.name == "五常稻花香合作社"
    assert lots[rice.pad["A"]].role == "raw_material"
    assert (lots[rice.rice["1"]].line, lots[rice.rice["1"]].shift) == ("mill-1", "A")
    assert {(d.reference, d.status) for d in trace.documents} == {("QC-PAD-A", "passed")}
    steps = [(c.biz_step, c.subject) for c in trace.custody]
    assert ("shipping", rice.pallets["P2"]) in steps  # r6 travelled in C3 on P2
    assert ("shipping", rice.pallets["P1"]) in steps  # …after leaving C2, which rode P1 later
    assert trace.cycle is None


def test_backward_from_a_pallet_and_a_lot(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    svc = TraceService(session)
    by_pallet = {lot.id for lot in svc.backward(rice.pallets["P2"]).lots}
    assert by_pallet == set(rice.pad.values()) | set(rice.rice.values())  # C3 holds r6 of RICE-1
    by_lot = {lot.id for lot in svc.backward(rice.rice["2"]).lots}
    assert by_lot == {rice.rice["2"], rice.pad["C"]}


def test_forward_from_a_raw_lot_hits_the_right_units(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    trace = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=rice.pad["C"]))
    r, c, p = rice.items, rice.cases, rice.pallets
    assert {i.id for i in trace.items} == {r[f"r{i}"] for i in range(7, 12)}
    assert {lot.id for lot in trace.lots} == {rice.pad["C"], rice.rice["2"], rice.rice["3"]}
    assert {u.id for u in trace.containers} == {c["C3"], c["C4"], p["P2"]}
    assert [(o.id, o.objects) for o in trace.orders] == [("PO-1003", [r["r7"]])]
    assert [s.id for s in trace.shipments] == ["SH-2"]
    sold = {i.id for i in trace.items if i.sold}
    assert sold == {r["r7"]}
    r8 = next(i for i in trace.items if i.id == r["r8"])
    assert (r8.container, r8.location) == (c["C3"], canonical_epc(loc(3)))  # P2 received at 3


def test_forward_from_paddy_a_follows_the_repacked_bag(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    trace = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=rice.pad["A"]))
    r, c, p = rice.items, rice.cases, rice.pallets
    assert {i.id for i in trace.items} == {r[f"r{i}"] for i in range(1, 7)}
    assert {u.id for u in trace.containers} == {c["C1"], c["C2"], c["C3"], p["P1"], p["P2"]}
    assert {o.id for o in trace.orders} == {"PO-1001", "PO-1002"}
    assert trace.counts["sold"] == 2


def test_forward_by_line_shift_and_supplier(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    svc = TraceService(session)
    by_line = svc.forward(TraceOrigin(kind=OriginKind.LINE, line="mill-2", shift="B"))
    assert set(by_line.seeds) == {rice.rice["2"], rice.rice["3"]}
    assert len(by_line.items) == 5
    by_supplier = svc.forward(TraceOrigin(kind=OriginKind.SUPPLIER, party_id=rice.farm.id))
    assert len(by_supplier.items) == 11


def test_milk_merges_three_farms(session: Session, encryptor: KeyEncryptor) -> None:
    milk = build_milk(session, encryptor)
    trace = TraceService(session).backward(milk.items[0])
    raw = [lot for lot in trace.lots if lot.role == "raw_material"]
    assert {lot.id for lot in raw} == set(milk.raw)
    assert {lot.supplier.name for lot in raw if lot.supplier} == {"牧场1", "牧场2", "牧场3"}
    assert {(d.reference, d.status) for d in trace.documents} == {("QC-RAW-3", "failed")}
    forward = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=milk.raw[2]))
    assert {i.id for i in forward.items} == set(milk.items)


def test_cosmetics_batch_with_lab_report(session: Session, encryptor: KeyEncryptor) -> None:
    cos = build_cosmetics(session, encryptor)
    trace = TraceService(session).backward(cos.items[1])
    assert {lot.id for lot in trace.lots} == {cos.batch, *cos.ingredients}
    assert [(d.reference, d.status) for d in trace.documents] == [("LAB-2026-001", "passed")]
    batch = next(lot for lot in trace.lots if lot.id == cos.batch)
    assert (batch.line, batch.shift) == ("fill-2", "day")


def test_unknown_identifiers_are_precise(session: Session, encryptor: KeyEncryptor) -> None:
    build_rice(session, encryptor)
    svc = TraceService(session)
    with pytest.raises(UnknownIdentifierError, match="no captured event names"):
        svc.backward("urn:epc:id:sgtin:6905678.000002.999")
    with pytest.raises(UnknownIdentifierError):
        svc.forward(TraceOrigin(kind=OriginKind.LOT, gtin="06905678000029", lot="NOPE"))


def test_cyclic_lineage_is_reported_not_followed(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    chain = Chain(session, encryptor)
    loop = lgtin(rice.paddy_gtin, "PAD-LOOP")
    chain.capture(rice.mill, transform([rice.rice["3"]], [loop], at(20), 2))
    chain.capture(rice.mill, transform([loop], [rice.pad["C"]], at(21), 2))
    svc = TraceService(session)
    trace = svc.forward(TraceOrigin(kind=OriginKind.LOT, id=rice.pad["C"]))
    assert trace.cycle is not None and trace.cycle[0] == trace.cycle[-1]
    assert set(trace.cycle) == {rice.pad["C"], rice.rice["3"], loop}
    with pytest.raises(LineageCycleError, match="loops"):
        svc.backward(rice.items["r10"], strict=True)


def test_backward_from_containers_reports_no_loop(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    svc = TraceService(session)
    for container in (rice.pallets["P2"], rice.cases["C3"]):
        trace = svc.backward(container, strict=True)  # a pallet holds a case inside it: no loop
        assert trace.cycle is None
        assert {"contains", "inside"} <= {e.kind for e in trace.edges}


def test_items_transformed_into_new_items(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    r = rice.items
    gift = sgtin(rice.rice_gtin, 900)
    chain = Chain(session, encryptor)
    chain.capture(rice.mill, transform_items([r["r8"], r["r9"]], [gift], at(14), 2, "GIFT-1"))
    forward = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=rice.rice["2"]))
    assert gift in {i.id for i in forward.items}
    assert {(e.source, e.target) for e in forward.edges if e.kind == "output"} >= {
        (r["r8"], gift),
        (r["r9"], gift),
    }
    assert forward.cycle is None
    backward = TraceService(session).backward(gift)
    gift_lot = f"https://id.gs1.org/01/{rice.rice_gtin}/10/GIFT-1"  # from the ILMD lot number
    assert {lot.id for lot in backward.lots} == {gift_lot, rice.rice["2"], rice.pad["C"]}
    assert {u.id for u in backward.units} >= {gift, r["r8"], r["r9"]}


def test_forward_places_units_where_their_containers_are(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    trace = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=rice.rice["2"]))
    units = {u.id: u for u in (*trace.items, *trace.containers)}
    r, c, p = rice.items, rice.cases, rice.pallets
    assert (units[r["r9"]].container, units[c["C4"]].container) == (c["C4"], p["P2"])
    assert units[r["r9"]].location == units[p["P2"]].location == canonical_epc(loc(3))
    assert units[r["r9"]].owner == "https://id.gs1.org/417/6905678000007"  # the pallet's owner
    assert (units[c["C4"]].kind, units[p["P2"]].kind) == ("case", "pallet")


def test_an_items_events_after_its_trace_are_not_read_again(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    item = rice.items["r6"]
    expected = TraceService(session).events_naming([item])
    svc = TraceService(session)
    svc.backward(item)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = svc.events_naming([item])
        read_again = len(statements)
        TraceService(session).events_naming([item])  # a fresh service does read them
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [(epc, e.event_id) for epc, e in again] == [(epc, e.event_id) for epc, e in expected]
    assert len(again) >= 2  # commissioned and packed, at least
    assert read_again == 0 < len(statements)


def test_shared_rows_spare_reads_of_containers_and_lots_without_changing_a_trace(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    items = [rice.items[k] for k in ("r1", "r2", "r6", "r9")]
    alone = [TraceService(session).backward(i) for i in items]
    shared = SharedRows()
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    counts = []
    event.listen(engine, "before_cursor_execute", seen)
    try:
        together = []
        for item in items:
            statements.clear()
            together.append(TraceService(session, shared=shared).backward(item))
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert together == alone
    assert min(counts[1:]) < counts[0]  # later items find their cases, pallets and lot shared
    assert shared.size() > 0
    assert not any("/21/" in key for key in (*shared.states, *shared.by_child, *shared.naming))
