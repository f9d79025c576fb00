"""Traversal reads: one-parameter id lists and the reads by lot, on both databases."""

from __future__ import annotations

from sqlalchemy.orm import Session

from factories.trace import Chain, at, build_rice, sgtin, transform_items
from livetrace.crypto.keys import KeyEncryptor
from livetrace.trace.repository import TraceRepository


def test_id_lists_are_one_parameter_whatever_their_size(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    wanted = [*rice.items.values(), *(f"https://id.gs1.org/01/0/21/{i}" for i in range(5000))]
    states = TraceRepository(session).states(wanted)
    assert set(states) == set(rice.items.values())
    assert states[rice.items["r1"]].status == "sold"
    assert states[rice.items["r2"]].dispositions_json == "[]"


def test_reads_by_lot_match_reads_by_identifier(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    r = rice.items
    gift = sgtin(rice.rice_gtin, 900)
    Chain(session, encryptor).capture(
        rice.mill, transform_items([r["r6"]], [gift], at(14), 2, "GIFT-1")
    )
    repo = TraceRepository(session)
    lots = [rice.rice["1"], rice.rice["2"]]
    members = repo.members(lots)
    epcs = {m.epc for m in members}
    assert epcs == {r[f"r{i}"] for i in range(1, 10)}
    assert set(members) == set(repo.states(epcs).values())
    assert set(repo.member_intervals(lots)) == set(repo.intervals_by_child(epcs))
    assert set(repo.member_links(lots)) == set(repo.links(epcs))
    assert {(i, o) for i, o, _c, _e in repo.member_lineage(lots)} == {(r["r6"], gift)}
    assert set(repo.member_lineage(lots)) == set(repo.lineage(epcs, upstream=False))
    assert {o.biz_transaction for o in repo.member_links(lots)} >= {"PO-1001", "PO-1002"}
