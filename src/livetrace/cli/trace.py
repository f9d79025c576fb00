"""`livetrace trace …`: backward and forward traces, recalls, rebuild of the projections."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import typer
from pydantic import BaseModel
from rich.table import Table

from livetrace.cli.common import context, out, work
from livetrace.identity.policy import SYSTEM
from livetrace.trace.rebuild import rebuild as rebuild_projections
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, Progress, ProgressUpdate, RecallOpen, TraceOrigin
from livetrace.trace.service import TraceService

app = typer.Typer(help="Trace up and down the chain; run recalls.", no_args_is_help=True)
recall_app = typer.Typer(help="Recall campaigns.", no_args_is_help=True)
app.add_typer(recall_app, name="recall")


def _json(model: BaseModel) -> None:
    out.print_json(json.dumps(model.model_dump(mode="json"), ensure_ascii=False))


def _origin(kind: OriginKind, ref: str | None, line: str | None, shift: str | None,
            party: uuid.UUID | None) -> TraceOrigin:  # fmt: skip
    return TraceOrigin(kind=kind, id=ref, line=line, shift=shift, party_id=party)


@app.command()
def back(
    ref: str = typer.Argument(..., help="Item, container or lot: EPC URN or Digital Link."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Backward trace: upstream lots, raw materials, QC documents, custody."""
    ctx = context()
    with work(ctx) as session:
        trace = TraceService(session).backward(ref)
    if as_json:
        _json(trace)
        return
    lots = Table("lot", "role", "supplier", "origin", "line", "shift", "time", title="Lots")
    for lot in trace.lots:
        origin = ", ".join(f"{k}={v}" for k, v in lot.origin.items())
        lots.add_row(lot.lot or lot.id, lot.role, lot.supplier.name if lot.supplier else "—",
                     origin, lot.line or "—", lot.shift or "—", str(lot.time or "—"))  # fmt: skip
    out.print(lots)
    docs = Table("document", "subject", "status", title="QC documents")
    for d in trace.documents:
        docs.add_row(d.reference, d.subject, d.status)
    out.print(docs)
    custody = Table("time", "step", "object", "location", "to", title="Custody")
    for c in trace.custody:
        custody.add_row(str(c.time), c.biz_step or "—", c.subject, c.location or "—",
                        ", ".join(c.destination) or "—")  # fmt: skip
    out.print(custody)
    if trace.cycle:
        out.print(f"[red]cycle in recorded data:[/red] {' → '.join(trace.cycle)}")


@app.command()
def forward(
    kind: OriginKind = typer.Option(OriginKind.LOT, help="Origin kind."),
    ref: str | None = typer.Option(None, "--id", help="Lot or item identifier."),
    line: str | None = typer.Option(None, help="Production line (kind=line)."),
    shift: str | None = typer.Option(None, help="Shift (kind=line)."),
    party: uuid.UUID | None = typer.Option(None, help="Supplier party id (kind=supplier)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Forward trace: affected lots, items, cases, pallets, shipments and orders."""
    ctx = context()
    with work(ctx) as session:
        trace = TraceService(session).forward(_origin(kind, ref, line, shift, party))
    if as_json:
        _json(trace)
        return
    out.print(", ".join(f"{k}: {v}" for k, v in trace.counts.items()))
    units = Table("unit", "kind", "location now", "container", "sold", "orders", title="Affected")
    for u in (*trace.items, *trace.containers):
        units.add_row(u.id, u.kind, u.location or "—", u.container or "—",
                      "yes" if u.sold else "no", ", ".join(u.orders))  # fmt: skip
    out.print(units)


@recall_app.command("open")
def open_recall(
    party: uuid.UUID = typer.Option(..., help="The brand or regulator opening the recall."),
    reason: str = typer.Option(..., help="Why."),
    kind: OriginKind = typer.Option(OriginKind.LOT),
    ref: str | None = typer.Option(None, "--id"),
    line: str | None = typer.Option(None),
    shift: str | None = typer.Option(None),
    supplier: uuid.UUID | None = typer.Option(None),
) -> None:
    """Open a recall: freeze the affected set, sign it onto the log, mark the units."""
    ctx = context()
    with work(ctx) as session:
        svc = RecallService(session, ctx.encryptor, ctx.settings.log_origin)
        data = RecallOpen(scope=_origin(kind, ref, line, shift, supplier), reason=reason)
        recall = svc.open(SYSTEM, party, data).recall
    out.print(f"recall {recall.number} opened · log entry {recall.statement_log_index} · "
              + ", ".join(f"{k} {v}" for k, v in recall.counts.items()))  # fmt: skip


@recall_app.command("list")
def list_recalls() -> None:
    """Recall campaigns with progress."""
    ctx = context()
    with work(ctx) as session:
        recalls = RecallService(session, ctx.encryptor, ctx.settings.log_origin).campaigns(SYSTEM)
    table = Table("number", "status", "reason", "items", "progress")
    for r in recalls:
        progress = ", ".join(f"{k} {v}" for k, v in sorted(r.progress.items()))
        table.add_row(r.number, r.status, r.reason, str(r.counts.get("items", 0)), progress)
    out.print(table)


@recall_app.command("progress")
def progress(
    ref: str = typer.Argument(..., help="Recall number or id."),
    step: Progress = typer.Argument(..., help="New progress step."),
    units: list[str] = typer.Argument(..., help="Affected unit identifiers."),
    note: str | None = typer.Option(None),
) -> None:
    """Record progress on recalled units."""
    ctx = context()
    with work(ctx) as session:
        svc = RecallService(session, ctx.encryptor, ctx.settings.log_origin)
        recall = svc.record(SYSTEM, ref, ProgressUpdate(units=units, progress=step, note=note))
    out.print(", ".join(f"{k} {v}" for k, v in sorted(recall.progress.items())))


@recall_app.command("export")
def export(
    ref: str = typer.Argument(...),
    folder: Path = typer.Option(
        Path(), "--out", help="Folder for units.csv, orders.csv, notice.pdf."
    ),
) -> None:
    """Write the affected units and orders as CSV and the recall notice as PDF."""
    ctx = context()
    with work(ctx) as session:
        svc = RecallService(session, ctx.encryptor, ctx.settings.log_origin)
        units_csv, orders_csv = svc.exports(SYSTEM, ref)
        pdf = svc.notice(SYSTEM, ref)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text(units_csv, encoding="utf-8")
    (folder / "orders.csv").write_text(orders_csv, encoding="utf-8")
    (folder / "notice.pdf").write_bytes(pdf)
    out.print(f"wrote units.csv, orders.csv, notice.pdf to {folder}")


@app.command()
def rebuild() -> None:
    """Empty the trace projections and replay every stored event in log order."""
    ctx = context()
    with work(ctx) as session:
        count = rebuild_projections(session)
    out.print(f"rebuilt trace projections from {count} events")
