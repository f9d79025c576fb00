"""`livetrace codes …`: issue code runs, export them for print houses and encoders, inspect codes."""

from __future__ import annotations

import json
import uuid
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy.orm import Session

from livetrace.cli.common import context, err, out, show, work
from livetrace.codes import render
from livetrace.codes.errors import InvalidCodeRequestError
from livetrace.codes.inspect import explain
from livetrace.codes.nfc import NfcService
from livetrace.codes.output import (
    ExportFormat,
    check_exportable,
    default_layout,
    replacing_text_file,
    write_export,
)
from livetrace.codes.schemas import IssueRequest, KeySetOut, RunOut
from livetrace.codes.service import CodeService, keyring_for
from livetrace.codes.states import Level, Target
from livetrace.context import AppContext
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit.errors import LivetraceError
from livetrace.kit.pagination import PageRequest

app = typer.Typer(
    help="Item codes: issue runs, export them, inspect any code.", no_args_is_help=True
)
nfc_app = typer.Typer(help="NFC key sets of NTAG 424 DNA tags.", no_args_is_help=True)
app.add_typer(nfc_app, name="nfc")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
RUN_COLUMNS = ("id", "gtin", "lot_number", "level", "target", "count", "paired", "states")
KEY_SET_COLUMNS = ("id", "version", "status", "created_at", "updated_at")


def _service(ctx: AppContext, session: Session) -> CodeService:
    return CodeService(session, keyring_for(ctx.settings), base_url=ctx.settings.base_url)


@app.command()
def issue(
    product: str = typer.Argument(..., help="Product id or GTIN."),
    lot: str = typer.Option(..., "--lot", help="Lot number (AI 10) of a registered lot."),
    count: int = typer.Option(..., "--count", min=1, help="Codes (item level) or labels (batch)."),
    target: Target = typer.Option(Target.QR, help="qr, sgtin-96 (numeric serials) or sgtin-198."),
    level: Level = typer.Option(Level.ITEM, help="item: one code per item; batch: one per lot."),
    pairs: bool = typer.Option(False, "--pairs", help="Also derive hidden verification codes."),
    epc_filter: int = typer.Option(1, min=0, max=7, help="EPC filter value for RFID runs."),
    csv_file: Path | None = typer.Option(
        None,
        "--csv",
        help="Also write the run's CSV (as `codes export` does) while issuing; it appears only "
        "once the run is committed.",
        dir_okay=False,
    ),
    as_json: bool = JSON,
) -> None:
    """Issue a run of codes, with a progress bar for long runs; optionally write its CSV too."""
    ctx = context()
    request = IssueRequest(
        product=product,
        lot=lot,
        count=count,
        target=target,
        level=level,
        pairs=pairs,
        epc_filter=epc_filter,
    )
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    target_file = replacing_text_file(csv_file) if csv_file is not None else nullcontext()
    with (
        Progress(*columns, TimeRemainingColumn(), console=err, transient=True) as bar,
        target_file as csv_out,
    ):
        task = bar.add_task("issuing codes", total=count)
        with work(ctx) as session:  # commits before the CSV file is put in place
            svc = _service(ctx, session)
            run = svc.issue(
                SYSTEM,
                request,
                progress=lambda done, _: bar.update(task, completed=done),
                csv_out=csv_out,
            )
            row = RunOut.model_validate(run)
            row.states = svc.state_counts(run)
    if csv_file is not None:
        err.print(f"wrote the run's CSV to {csv_file}", highlight=False)
    show(row, as_json=as_json, columns=RUN_COLUMNS)


@app.command("runs")
def list_runs(as_json: bool = JSON) -> None:
    """List code runs, newest first."""
    ctx = context()
    with work(ctx) as session:
        page = _service(ctx, session).list_runs(SYSTEM, PageRequest(limit=500))
        rows = [RunOut.model_validate(r) for r in page.items]
    show(rows, as_json=as_json, columns=RUN_COLUMNS[:-1])


@app.command("export")
def export_run(
    run: str = typer.Argument(..., help="Run id."),
    fmt: ExportFormat = typer.Option(
        ExportFormat.CSV, "--format", help="csv, zip, pdf, scratch-pdf, epc-hex."
    ),
    out_file: Path = typer.Option(..., "--out", help="File to write.", dir_okay=False),
    layout: str | None = typer.Option(
        None, help="Label sheet, a4-<cols>x<rows> (pdf: a4-3x8, scratch-pdf: a4-5x13)."
    ),
) -> None:
    """Write a run as CSV, ZIP, label PDF, EPC hex list, or scratch-off hidden-code labels."""
    ctx = context()
    with work(ctx) as session:
        run_id = _run_id(run)
        job = _service(ctx, session).export(SYSTEM, run_id)
        layout = layout or default_layout(fmt)
        render.layout_named(layout)  # fail before creating the file
        check_exportable(job, fmt)
        with out_file.open("wb") as handle:
            count = write_export(job, fmt, handle, layout=layout)
    out.print(f"wrote {count} codes to {out_file} ({fmt})")


def _run_id(text: str) -> uuid.UUID:
    return _uuid(text, "run")


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise InvalidCodeRequestError(
            f"{text!r} is not a {field.replace('_', ' ')} id", field=field
        ) from error


@app.command()
def inspect(
    text: str = typer.Argument(..., help="GS1 string, Digital Link, scan data, EPC URN or hex."),
    company_prefix_length: int | None = typer.Option(
        None, "--company-prefix-length", min=6, max=12, help="Needed to derive EPC forms."
    ),
    as_json: bool = JSON,
) -> None:
    """Explain any GS1 element string, Digital Link, EPC URN or EPC hex."""
    try:
        explanation = explain(text, company_prefix_length=company_prefix_length)
    except LivetraceError as error:
        err.print(f"[red]error[/red] {escape(f'[{error.code}]')}: {escape(error.diagnostics())}")
        raise typer.Exit(1) from error
    if as_json:
        data = {
            "kind": explanation.kind,
            "elements": [vars_of(e) for e in explanation.elements],
            "forms": explanation.forms,
            "notes": list(explanation.notes),
        }
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    out.print(f"[bold]{explanation.kind}[/bold]")
    for element in explanation.elements:
        out.print(f"  ({element.ai}) {element.title}: {element.value}", highlight=False)
    for name, value in explanation.forms.items():
        out.print(f"  {name}: {value}", highlight=False)
    for note in explanation.notes:
        out.print(f"  note: {note}", highlight=False)


def vars_of(element: object) -> dict[str, str]:
    """An explained element as a plain dict."""
    return {name: str(getattr(element, name)) for name in ("ai", "title", "value")}


@app.command()
def verify(uri: str = typer.Argument(..., help="A scanned Digital Link.")) -> None:
    """Check a code's authenticator and show its state."""
    ctx = context()
    with work(ctx) as session:
        result = _service(ctx, session).verify(uri)
        code = result.code
        out.print(
            f"authentic: GTIN {code.gtin} lot {code.lot} serial {code.serial or '—'} "
            f"(key version {result.verified.version}), state {code.state}",
            highlight=False,
        )


def _nfc(ctx: AppContext, session: Session) -> NfcService:
    return NfcService(session, ctx.encryptor, _service(ctx, session))


@nfc_app.command("create-key-set")
def create_key_set(
    party: str = typer.Argument(..., help="Party id, name or GLN."), as_json: bool = JSON
) -> None:
    """Create a new NFC key set for a party (version one above its newest)."""
    ctx = context()
    with work(ctx) as session:
        party_id = IdentityService(session, ctx.encryptor).find_party(SYSTEM, party).id
        row = KeySetOut.model_validate(_nfc(ctx, session).create_key_set(SYSTEM, party_id))
    show(row, as_json=as_json, columns=KEY_SET_COLUMNS)


@nfc_app.command("key-sets")
def list_key_sets(
    party: str = typer.Argument(..., help="Party id, name or GLN."), as_json: bool = JSON
) -> None:
    """List a party's NFC key sets, newest first (never their keys)."""
    ctx = context()
    with work(ctx) as session:
        party_id = IdentityService(session, ctx.encryptor).find_party(SYSTEM, party).id
        rows = [
            KeySetOut.model_validate(k) for k in _nfc(ctx, session).list_key_sets(SYSTEM, party_id)
        ]
    show(rows, as_json=as_json, columns=KEY_SET_COLUMNS)


@nfc_app.command("retire-key-set")
def retire_key_set(
    key_set: str = typer.Argument(..., help="Key set id."), as_json: bool = JSON
) -> None:
    """Retire an NFC key set: taps of tags keyed with it are refused from now on."""
    ctx = context()
    with work(ctx) as session:
        key_set_id = _uuid(key_set, "key_set")
        row = KeySetOut.model_validate(_nfc(ctx, session).retire_key_set(SYSTEM, key_set_id))
    show(row, as_json=as_json, columns=KEY_SET_COLUMNS)
