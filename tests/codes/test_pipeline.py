"""Issuing and writing the CSV in one pass: the same bytes as an export, all or nothing."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.codes import Catalog, code_service, make_catalog, make_keyring
from livetrace.codes import pipeline as pipeline_module
from livetrace.codes import service as service_module
from livetrace.codes.export import RunInfo
from livetrace.codes.lines import LineMaker
from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.output import ExportFormat, write_export
from livetrace.codes.pipeline import CsvPipeline
from livetrace.codes.repository import CodeRepository
from livetrace.codes.schemas import IssueRequest
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM


@pytest.fixture
def catalog(session: Session, encryptor: KeyEncryptor) -> Catalog:
    return make_catalog(session, encryptor)


def _issue_with_csv(session: Session, catalog: Catalog, **fields: Any) -> tuple[CodeRun, bytes]:
    data = {"product": catalog.product.gtin, "lot": catalog.lot.lot_number} | fields
    out = io.StringIO(newline="")
    run = code_service(session).issue(SYSTEM, IssueRequest.model_validate(data), csv_out=out)
    return run, out.getvalue().encode("utf-8")


def _exported(session: Session, run: CodeRun) -> bytes:
    buffer = io.BytesIO()
    write_export(code_service(session).export(SYSTEM, run.id), ExportFormat.CSV, buffer)
    return buffer.getvalue()


def _stored(session: Session) -> tuple[int, int]:
    codes = session.scalar(select(func.count()).select_from(ItemCode))
    runs = session.scalar(select(func.count()).select_from(CodeRun))
    return int(codes or 0), int(runs or 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"count": 23},
        {"count": 23, "target": "sgtin-96", "pairs": True},
        {"serials": ['A,"1', "B2", "C%3", "D4", "x/y"], "target": "sgtin-198"},
        {"count": 40, "level": "batch", "pairs": True},
    ],
    ids=["qr", "sgtin96-paired", "given-serials-needing-quotes", "batch"],
)
def test_one_pass_csv_is_byte_identical_to_the_export(
    session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any]
) -> None:
    monkeypatch.setattr(service_module, "CHUNK", 5)
    monkeypatch.setattr(pipeline_module, "SLICE", 2)
    run, written = _issue_with_csv(session, catalog, **fields)
    assert written == _exported(session, run)
    assert written.count(b"\r\n") == (1 if run.level == "batch" else run.count) + 1


def test_replaced_serials_are_the_ones_written(
    session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _issue_with_csv(session, catalog, count=3)
    taken = list(session.scalars(select(ItemCode.serial).where(ItemCode.run_id == first.id)))
    real = service_module.random_serials
    calls: list[int] = []

    def colliding(count: int, target: Any) -> list[str]:
        calls.append(count)
        fresh = real(count, target)
        return [*taken, *fresh[len(taken) :]] if len(calls) == 1 else fresh

    monkeypatch.setattr(service_module, "random_serials", colliding)
    run, written = _issue_with_csv(session, catalog, count=5)
    assert len(calls) > 1  # the first draw collided and was partly replaced
    assert written == _exported(session, run)
    assert not any(serial.encode() in written for serial in taken if serial)


class _FailingStream(io.StringIO):
    def __init__(self, after: int) -> None:
        super().__init__(newline="")
        self.after = after

    def write(self, text: str) -> int:
        self.after -= 1
        if self.after < 0:
            raise OSError("no space left on the device")
        return super().write(text)


def test_a_failed_write_fails_the_issue_and_nothing_is_issued(
    session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHUNK", 5)
    before = _stored(session)
    request = IssueRequest(product=catalog.product.gtin, lot=catalog.lot.lot_number, count=50)
    threads = threading.active_count()
    with pytest.raises(OSError, match="no space left"), session.begin_nested():
        code_service(session).issue(SYSTEM, request, csv_out=_FailingStream(after=2))
    assert _stored(session) == before
    assert threading.active_count() == threads


def test_a_failed_insert_stops_the_writing_thread(
    session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHUNK", 5)
    real = CodeRepository.insert_serials

    def failing(repo: CodeRepository, run: CodeRun, start: int, serials: Any) -> None:
        if start >= 10:
            raise RuntimeError("the database went away")
        real(repo, run, start, serials)

    monkeypatch.setattr(CodeRepository, "insert_serials", failing)
    before = _stored(session)
    out = io.StringIO(newline="")
    request = IssueRequest(product=catalog.product.gtin, lot=catalog.lot.lot_number, count=50)
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="went away"), session.begin_nested():
        code_service(session).issue(SYSTEM, request, csv_out=out)
    assert _stored(session) == before
    assert threading.active_count() == threads
    assert out.getvalue().count("\r\n") <= 11  # the header and at most the stored chunks


def _maker() -> LineMaker:
    info = RunInfo("80614141123458", "L1", None, paired=False, epc=False, manifest={})
    signer = make_keyring().signer(info.gtin, info.lot)
    return LineMaker.for_signer(info, signer, "https://id.example.cn")


def test_pipeline_writes_chunks_in_order_and_counts_rows() -> None:
    out = io.StringIO(newline="")
    with CsvPipeline(_maker(), out, depth=1) as pipeline:
        for start in range(0, 30, 3):
            pipeline.put(start, [f"S{n}" for n in range(start, start + 3)])
    lines = out.getvalue().split("\r\n")
    assert lines[0].startswith("seq,gtin,lot,expiry,serial,digital_link,state")
    assert [line.split(",")[0] for line in lines[1:-1]] == [str(n) for n in range(1, 31)]
    assert pipeline.rows == 30


def test_pipeline_raises_the_threads_error_at_the_next_hand_over_or_the_end() -> None:
    with pytest.raises(OSError, match="no space"), CsvPipeline(_maker(), _FailingStream(1)) as p:
        p.put(0, ["A1"])  # fails on the thread; seen at the next hand-over or on leaving
        p.put(1, ["B2"])
