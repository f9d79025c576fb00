"""Recall campaigns: exactly the right units, signed, marked, tracked, exported, found by scan."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from factories.identity import make_party
from factories.ledger import ORIGIN
from factories.trace import Rice, build_rice
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogService
from livetrace.trace.errors import (
    InvalidTraceRequestError,
    RecallNotPermittedError,
    RecallScopeEmptyError,
    RecallStateError,
)
from livetrace.trace.models import ItemState
from livetrace.trace.recall import RecallService, recall_for
from livetrace.trace.schemas import OriginKind, Progress, ProgressUpdate, RecallOpen, TraceOrigin
from livetrace.trace.service import TraceService


def _open(session: Session, encryptor: KeyEncryptor, rice: Rice, lot: str) -> RecallService:
    svc = RecallService(session, encryptor, ORIGIN)
    svc.open(SYSTEM, rice.brand.id,
             RecallOpen(scope=TraceOrigin(kind=OriginKind.LOT, id=lot), reason="重金属镉超标"))  # fmt: skip
    return svc


def test_recall_of_one_raw_lot_hits_exactly_its_units(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    svc = RecallService(session, encryptor, ORIGIN)
    opened = svc.open(SYSTEM, rice.brand.id, RecallOpen(
        scope=TraceOrigin(kind=OriginKind.LOT, id=rice.pad["C"]), reason="重金属镉超标"))  # fmt: skip
    recall = opened.recall
    units = {u.epc: u for u in svc.units(SYSTEM, recall.number)}
    r, c, p = rice.items, rice.cases, rice.pallets
    assert {e for e, u in units.items() if u.kind == "item"} == {r[f"r{i}"] for i in range(7, 12)}
    assert {e for e, u in units.items() if u.kind in ("case", "pallet")} == {
        c["C3"],
        c["C4"],
        p["P2"],
    }
    assert recall.counts["items"] == 5 and recall.counts["sold"] == 1
    # the recalled disposition arrived through a standard EPCIS event, and persists
    for i in range(7, 12):
        state = session.get(ItemState, r[f"r{i}"])
        assert state is not None and state.disposition == "recalled"
        assert "recalled" in state.persistent_dispositions
    untouched = session.get(ItemState, r["r6"])
    assert untouched is not None and untouched.disposition == "retail_sold"
    # the recall statement is on the log, signed by the brand
    LogService(session, encryptor, ORIGIN).issue_checkpoint()
    entry = LogReader(session, None).entry(recall.statement_log_index or 0)
    assert entry.statement.kind == "recall" and entry.statement.party_id == rice.brand.id
    assert entry.statement.body["affected"]["sha256"] == recall.affected_digest


def test_scan_shows_the_recall(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    _open(session, encryptor, rice, rice.pad["C"])
    notices = recall_for(session, rice.items["r8"])
    assert [n.reason for n in notices] == ["重金属镉超标"]
    assert recall_for(session, gtin=rice.rice_gtin, lot="RICE-3")[0].matched == rice.rice["3"]
    assert recall_for(session, rice.items["r1"]) == []


def test_progress_and_exports(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    svc = _open(session, encryptor, rice, rice.pad["C"])
    number = svc.campaigns(SYSTEM)[0].number
    r = rice.items
    svc.record(SYSTEM, number, ProgressUpdate(units=[r["r8"], r["r9"]], progress=Progress.LOCATED))
    out = svc.record(SYSTEM, number, ProgressUpdate(units=[r["r9"]], progress=Progress.DESTROYED))
    assert out.progress["destroyed"] == 1 and out.progress["located"] == 1
    with pytest.raises(RecallStateError, match="already destroyed"):
        svc.record(SYSTEM, number, ProgressUpdate(units=[r["r9"]], progress=Progress.LOCATED))
    with pytest.raises(InvalidTraceRequestError, match="not part of recall"):
        svc.record(SYSTEM, number, ProgressUpdate(units=[r["r1"]], progress=Progress.LOCATED))
    units_csv, orders_csv = svc.exports(SYSTEM, number)
    assert units_csv.splitlines()[0].startswith("epc,kind,gtin")
    assert len([ln for ln in units_csv.splitlines() if ",item," in ln]) == 5
    assert orders_csv.splitlines()[1:] == [f"PO-1003,po,{r['r7']}"]
    pdf = PdfReader(io.BytesIO(svc.notice(SYSTEM, number)))
    assert number in pdf.pages[0].extract_text()


def test_bad_recalls_are_refused_precisely(session: Session, encryptor: KeyEncryptor) -> None:
    rice = build_rice(session, encryptor)
    svc = RecallService(session, encryptor, ORIGIN)
    scope = TraceOrigin(kind=OriginKind.LOT, id=rice.pad["C"])
    with pytest.raises(RecallNotPermittedError, match="not a brand or regulator"):
        svc.open(SYSTEM, rice.carrier.id, RecallOpen(scope=scope, reason="not mine"))
    other = make_party(
        session, encryptor, name="别的品牌", roles=["brand"], company_prefix="6909999"
    )
    with pytest.raises(RecallNotPermittedError, match="other brands"):
        svc.open(SYSTEM, other.id, RecallOpen(scope=scope, reason="not mine"))
    with pytest.raises(RecallScopeEmptyError, match="reaches no item"):
        svc.open(SYSTEM, rice.brand.id, RecallOpen(
            scope=TraceOrigin(kind=OriginKind.LINE, line="no-such-line"), reason="typo"))  # fmt: skip
    regulator = make_party(session, encryptor, name="市场监管局", roles=["regulator"])
    assert (
        svc.open(SYSTEM, regulator.id, RecallOpen(scope=scope, reason="抽检不合格")).recall.counts[
            "items"
        ]
        == 5
    )
    closed = svc.close(SYSTEM, svc.campaigns(SYSTEM)[0].number)
    with pytest.raises(RecallStateError, match="closed"):
        svc.close(SYSTEM, closed.number)


def test_trace_after_recall_shows_the_disposition(
    session: Session, encryptor: KeyEncryptor
) -> None:
    rice = build_rice(session, encryptor)
    _open(session, encryptor, rice, rice.pad["C"])
    trace = TraceService(session).forward(TraceOrigin(kind=OriginKind.LOT, id=rice.pad["C"]))
    assert {i.disposition for i in trace.items} == {"recalled"}
    assert all(i.persistent_dispositions == ["recalled"] for i in trace.items)
    backward = TraceService(session).backward(rice.items["r8"])
    r8 = next(u for u in backward.units if u.id == rice.items["r8"])
    assert r8.persistent_dispositions == ["recalled"]
