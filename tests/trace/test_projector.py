"""The projections the projector keeps, on hand-built chains with known answers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.trace import Chain, build_cosmetics, build_milk, build_rice
from livetrace.crypto.keys import KeyEncryptor
from livetrace.trace.models import Containment, ItemState, LineageEdge, VoidedEvent
from livetrace.trace.rebuild import rebuild, snapshot


def _open_parent(session: Session, child: str) -> list[str]:
    query = select(Containment.parent_epc).where(
        Containment.child_epc == child, Containment.unpack_log_index.is_(None)
    )
    return list(session.scalars(query))


def test_rice_state_and_containment(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    r, c, p = rice.items, rice.cases, rice.pallets
    assert _open_parent(session, r["r6"]) == [c["C3"]]
    assert _open_parent(session, r["r10"]) == [c["C4"]]  # the wrong packing into C1 is void
    assert _open_parent(session, c["C3"]) == [p["P2"]]
    assert _open_parent(session, c["C1"]) == []  # P1 was unpacked entirely
    state = session.get(ItemState, r["r1"])
    assert state is not None
    assert (state.status, state.disposition, state.lot_class) == (
        "sold",
        "retail_sold",
        rice.rice["1"],
    )
    pallet = session.get(ItemState, p["P2"])
    assert pallet is not None and pallet.owner == "https://id.gs1.org/417/6905678000007"


def test_declared_transformation_leaves_no_lineage(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    inputs_of_rice1 = session.scalars(
        select(LineageEdge.epc).where(
            LineageEdge.role == "in",
            LineageEdge.group_key.in_(
                select(LineageEdge.group_key).where(
                    LineageEdge.role == "out", LineageEdge.epc == rice.rice["1"]
                )
            ),
        )
    ).all()
    assert sorted(inputs_of_rice1) == sorted([rice.pad["A"], rice.pad["B"]])
    assert len(session.scalars(select(VoidedEvent)).all()) == 2


def test_rebuild_gives_identical_tables(session: Session, encryptor: KeyEncryptor) -> None:
    chain = Chain(session, encryptor)
    build_rice(session, encryptor, chain)
    build_milk(session, encryptor, chain)
    build_cosmetics(session, encryptor, chain)
    before = snapshot(session)
    assert all(before[t] for t in ("trace_item_state", "trace_containment", "trace_lineage"))
    assert rebuild(session) == chain.count
    assert snapshot(session) == before
