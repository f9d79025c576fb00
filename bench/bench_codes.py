"""Code issuance and label rendering.

1. Issue N item codes with authenticators and write the print-house CSV, three ways:
   * in memory: random serials, then the export's own line maker (authenticators, Digital Links,
     CSV lines): what issuance costs before storage;
   * through `CodeService` on SQLite (or PostgreSQL): the same plus the set-based inserts into
     `item_code`, committed, then the export read back from the database into the CSV;
   * through `CodeService.issue` with the CSV written in the same pass (`--csv` of
     `livetrace codes issue`), into a fresh database: inserts and lines overlap on two cores.
     Its file is then checked against an export of the same run (not timed).
   Baseline, in the same run: writing N random serials to a CSV with the stdlib writer.
2. Render a label PDF of N_LABELS codes on A4 3x8 sheets. Baseline: making the same QR symbols
   with segno alone, without drawing them. Then the scratch-off sheet of as many hidden codes.

The load average is printed at the start and the end: on a shared machine, compare figures only
with figures measured under a similar load. The CPU seconds of the database steps (all threads
of this process) are printed too: they depend much less on the load than the elapsed times.

N defaults to 1,000,000 and N_LABELS to 1,000; set LIVETRACE_BENCH_CODES and
LIVETRACE_BENCH_LABELS for quicker runs, and LIVETRACE_BENCH_DATABASE_URL (a PostgreSQL URL) to
issue into PostgreSQL (a schema of its own, dropped afterwards) instead of SQLite.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import segno
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from livetrace.catalog.schemas import LotCreate, ProductCreate
from livetrace.catalog.service import CatalogService
from livetrace.codes import render
from livetrace.codes.authenticator import CodeKeyring
from livetrace.codes.export import RunInfo, write_csv_text
from livetrace.codes.lines import LineMaker
from livetrace.codes.output import ExportFormat, replacing_text_file, write_export
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.serials import alphanumeric_serials, random_serials
from livetrace.codes.service import CHUNK, CodeService
from livetrace.codes.states import Target
from livetrace.crypto.keys import KeyEncryptor
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.policy import SYSTEM
from livetrace.identity.roles import PartyRole
from livetrace.identity.schemas import PartyCreate
from livetrace.identity.service import IdentityService
from livetrace.migrations import runner
from livetrace.store.engine import make_engine

N = int(os.environ.get("LIVETRACE_BENCH_CODES", "1000000"))
N_LABELS = int(os.environ.get("LIVETRACE_BENCH_LABELS", "1000"))
DATABASE_URL = os.environ.get("LIVETRACE_BENCH_DATABASE_URL")  # PostgreSQL instead of SQLite
PG_SCHEMA = "livetrace_bench_codes"
SECRET = "benchmark-secret-that-is-long-enough-for-settings"
STEM = "https://id.example.cn"
GTIN = with_check_digit("0697000200001")
LOT = "L2026-10A"
LOT_ATTRS = {"plot_code": "A07", "plot_coordinates": {"lat": 44.9, "lon": 127.1}, "grower": "王",
             "harvest_date": "2026-10-02", "paddy_lot": "P1"}  # fmt: skip


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _baseline_csv(path: Path) -> None:
    """N random serials written with the stdlib CSV writer."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial"])
        for start in range(0, N, CHUNK):
            writer.writerows([s] for s in alphanumeric_serials(min(CHUNK, N - start)))


def _in_memory_issue(path: Path) -> None:
    """Serials, authenticators, links and CSV lines, chunk by chunk, without a database.

    The export's own line maker, in this process: what issuance costs before storage.
    """
    signer = CodeKeyring.from_secret(SECRET).signer(GTIN, LOT)
    info = RunInfo(GTIN, LOT, "2027-10-27", paired=False, epc=False, manifest={})
    maker = LineMaker.for_signer(info, signer, STEM)

    def texts() -> Iterator[tuple[str, int]]:
        for start in range(0, N, CHUNK):
            serials = random_serials(min(CHUNK, N - start), Target.QR)
            yield (
                maker.text([(start + i, s, "issued") for i, s in enumerate(serials)]),
                len(serials),
            )

    with path.open("w", encoding="utf-8", newline="") as handle:
        write_csv_text(info, texts(), handle)


def _catalog(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        catalog = CatalogService(session)
        catalog.install_builtin_templates()
        brand = IdentityService(session, KeyEncryptor.from_secret(SECRET)).create_party(
            SYSTEM, PartyCreate(name="B", roles=[PartyRole.BRAND], company_prefix="6970002")
        )
        product = catalog.create_product(SYSTEM, ProductCreate(
            gtin=GTIN, brand_party_id=brand.id, template="rice", name="五常大米",
            attributes={"variety": "稻花香2号"}))  # fmt: skip
        catalog.create_lot(SYSTEM, product.id, LotCreate(
            lot_number=LOT, expiry_date=date(2027, 10, 27), attributes=LOT_ATTRS))  # fmt: skip


def _service_issue(factory: sessionmaker[Session], path: Path) -> tuple[float, float, float, float]:
    """Issue through the service (committed), then export the run from the database.

    Elapsed and CPU seconds of the issue, and of the issue and the export together.
    """
    keyring = CodeKeyring.from_secret(SECRET)
    request = IssueRequest(product=GTIN, lot=LOT, count=N)
    start, cpu = time.perf_counter(), time.process_time()
    with factory.begin() as session:
        run_id = CodeService(session, keyring, base_url=STEM).issue(SYSTEM, request).id
    issued, issued_cpu = time.perf_counter() - start, time.process_time() - cpu
    with factory.begin() as session, path.open("wb") as handle:
        job = CodeService(session, keyring, base_url=STEM).export(SYSTEM, run_id)
        write_export(job, ExportFormat.CSV, handle)
    return issued, time.perf_counter() - start, issued_cpu, time.process_time() - cpu


def _one_pass_issue(factory: sessionmaker[Session], path: Path) -> tuple[float, float, bool]:
    """Issue with the CSV written in the same pass (committed, file in place); then check it.

    Elapsed and CPU seconds, and whether the file is the run's export byte for byte.
    """
    keyring = CodeKeyring.from_secret(SECRET)
    request = IssueRequest(product=GTIN, lot=LOT, count=N)
    start, cpu = time.perf_counter(), time.process_time()
    with replacing_text_file(path) as out, factory.begin() as session:
        run_id = CodeService(session, keyring, base_url=STEM).issue(SYSTEM, request, csv_out=out).id
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    check = path.with_name("check.csv")
    with factory.begin() as session, check.open("wb") as handle:
        write_export(CodeService(session, keyring, base_url=STEM).export(SYSTEM, run_id),
                     ExportFormat.CSV, handle)  # fmt: skip
    same = _same_bytes(path, check)
    check.unlink()
    return seconds, cpu, same


def _same_bytes(one: Path, other: Path) -> bool:
    with one.open("rb") as a, other.open("rb") as b:
        while (block := a.read(1 << 20)) == b.read(1 << 20):
            if not block:
                return True
    return False


def _labels() -> list[render.Label]:
    signer = CodeKeyring.from_secret(SECRET).signer(GTIN, LOT)
    serials = random_serials(N_LABELS, Target.QR)
    links = signer.links(signer.link_prefix(STEM), serials, signer.tags(serials))
    rows = [(link, GTIN, LOT, "2027-10-27", s) for s, link in zip(serials, links, strict=True)]
    return render.labels_for(rows, title="五常大米 5kg")


def _report(label: str, count: int, seconds: float, baseline: float | None = None) -> None:
    rate = count / seconds
    ratio = "" if baseline is None else f"  ({rate / baseline:.2f}x baseline)"
    print(f"  {label:<52} {count:>9,} in {seconds:7.2f} s = {rate:>11,.0f}/s{ratio}")


def main() -> None:
    """Print rates and ratios."""
    print(f"codes: N={N:,}  labels: N_LABELS={N_LABELS:,}  chunk={CHUNK:,}  load {_load()}")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        base = N / _timed(lambda: _baseline_csv(folder / "baseline.csv"))
        _report("baseline: random serials -> CSV", N, N / base)
        memory = _timed(lambda: _in_memory_issue(folder / "memory.csv"))
        _report("issue in memory: serial+MAC+link -> CSV", N, memory, base)
        engine, where, factory = _database(folder)
        issued, total, issued_cpu, total_cpu = _service_issue(factory, folder / "service.csv")
        _report(f"CodeService.issue -> {where} (committed)", N, issued, base)
        _report("CodeService.export of that run -> CSV", N, total - issued, base)
        _report(f"CodeService.issue -> {where}, then export -> CSV", N, total, base)
        size = (folder / "service.csv").stat().st_size
        stored = f", SQLite file {_db_size(folder):,.1f} MB" if not DATABASE_URL else ""
        print(f"  CSV size {size / 1e6:,.1f} MB{stored}")
        engine.dispose()
        _drop_schema()
        for old in folder.glob("bench.sqlite3*"):
            old.unlink()
        engine, where, factory = _database(folder)
        seconds, cpu, same = _one_pass_issue(factory, folder / "one-pass.csv")
        _report(f"CodeService.issue -> {where} + CSV in one pass", N, seconds, base)
        print(f"  one-pass CSV identical to the export of its run: {same}")
        print(f"  CPU seconds: issue {issued_cpu:.2f}, issue then export {total_cpu:.2f}, "
              f"one pass {cpu:.2f} (elapsed {seconds:.2f})")  # fmt: skip
        engine.dispose()
        _drop_schema()
        labels = _labels()
        qr_only = _timed(lambda: [segno.make(label.uri, error="m") for label in labels])
        _report("baseline: segno QR symbols only", N_LABELS, qr_only)
        pdf = io.BytesIO()
        layout = render.layout_named(render.DEFAULT_LAYOUT)
        seconds = _timed(lambda: render.label_sheet(labels, layout, pdf))
        _report(f"label PDF ({layout.name}, {-(-N_LABELS // layout.per_page)} pages)", N_LABELS,
                seconds, N_LABELS / qr_only)  # fmt: skip
        print(f"  PDF size {len(pdf.getvalue()) / 1e6:,.2f} MB")
        scratch = render.layout_named(render.SCRATCH_LAYOUT)
        hidden = _scratch_labels()
        seconds = _timed(lambda: render.scratch_sheet(hidden, scratch, io.BytesIO(), title="h"))
        pages = -(-N_LABELS // scratch.per_page)
        _report(f"scratch-off PDF ({scratch.name}, {pages} pages)", N_LABELS, seconds)
    print(f"  load average {_load()} at the end")


def _scratch_labels() -> list[render.ScratchLabel]:
    signer = CodeKeyring.from_secret(SECRET).signer(GTIN, LOT)
    serials = random_serials(N_LABELS, Target.QR)
    return [
        render.ScratchLabel(code, f"#{i + 1} SN {serial}")
        for i, (serial, code) in enumerate(zip(serials, signer.hidden_codes(serials), strict=True))
    ]


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _database(folder: Path) -> tuple[Engine, str, sessionmaker[Session]]:
    """A fresh, migrated database with the benchmark's brand, product and lot."""
    engine, where = _engine(folder)
    runner.upgrade(engine)
    factory = sessionmaker(bind=engine)
    _catalog(factory)
    return engine, where, factory


def _engine(folder: Path) -> tuple[Engine, str]:
    """SQLite in the scratch folder, or a fresh schema of LIVETRACE_BENCH_DATABASE_URL."""
    if not DATABASE_URL:
        return make_engine(f"sqlite:///{folder / 'bench.sqlite3'}"), "SQLite"
    _drop_schema(create=True)
    return make_engine(f"{DATABASE_URL}?options=-csearch_path%3D{PG_SCHEMA}"), "PostgreSQL"


def _drop_schema(*, create: bool = False) -> None:
    if not DATABASE_URL:
        return
    admin = make_engine(DATABASE_URL, pool_size=1)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        if create:
            connection.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    admin.dispose()


def _db_size(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("bench.sqlite3*")) / 1e6


if __name__ == "__main__":
    main()
