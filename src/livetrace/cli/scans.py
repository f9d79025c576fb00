"""`livetrace scans …`: judge a scanned code, list and answer alerts, a code's scan history."""

from __future__ import annotations

import json
import uuid

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from livetrace.cli.common import context, out, work
from livetrace.codes.service import keyring_for
from livetrace.context import AppContext
from livetrace.identity.policy import SYSTEM
from livetrace.kit.pagination import PageRequest
from livetrace.scans.policy import Thresholds
from livetrace.scans.schemas import AlertOut, HeatOut, ScanOut, ThresholdsIO, VerdictOut
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import ClientInfo, ScanRequest

app = typer.Typer(help="Consumer scans: verdicts, alerts, history.", no_args_is_help=True)
EXIT_WARNING = 2  # `verify` on a suspect or counterfeit code
VERDICT_STYLE = {"genuine": "green", "caution": "yellow", "recalled": "magenta",
                 "suspect": "dark_orange", "counterfeit": "red"}  # fmt: skip


def _service(ctx: AppContext, session: Session) -> ScanService:
    return ScanService(session, keyring_for(ctx.settings), ctx.settings)


def _print_json(data: object) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


@app.command()
def verify(
    uri: str = typer.Argument(..., help="The scanned Digital Link, query string included."),
    hidden: str | None = typer.Option(None, "--hidden", help="The hidden verification code."),
    device: str | None = typer.Option(None, "--device", help="A device id to count the scan by."),
    lat: float | None = typer.Option(None, "--lat", help="Latitude of the scan (WGS-84)."),
    lon: float | None = typer.Option(None, "--lon", help="Longitude of the scan (WGS-84)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Judge a scanned code as the public page does (and log the scan); exit 2 if suspect/fake."""
    ctx = context()
    request = ScanRequest(uri=uri, hidden_code=hidden,
                          client=ClientInfo(device=device, latitude=lat, longitude=lon))  # fmt: skip
    with work(ctx) as session:
        outcome = _service(ctx, session).scan(request)
    public = VerdictOut.of(outcome)
    if as_json:
        _print_json(public.model_dump(mode="json"))
    else:
        style = VERDICT_STYLE[public.verdict]
        out.print(f"[bold {style}]{public.verdict.upper()}[/bold {style}]")
        for reason in outcome.reasons:
            if reason.public:
                out.print(f"  • {escape(reason.message(lang))}  [dim]{reason.code}[/dim]")
        if public.first_scan is not None:
            place = public.first_scan.place
            city = (place.city_en if lang == "en" else place.city_zh) if place else None
            out.print(f"first scan: {public.first_scan.at:%Y-%m-%d %H:%M} UTC {city or ''}")
        out.print(f"scans: {public.total_scans}, devices: {public.distinct_devices}")
    if public.verdict in ("suspect", "counterfeit"):
        raise typer.Exit(EXIT_WARNING)


@app.command()
def alerts(
    status: str | None = typer.Option(None, help="open, acknowledged or closed."),
    kind: str | None = typer.Option(None, help="clone, diversion, travel, replay, forged_burst."),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Alerts to brands, most recently seen first."""
    ctx = context()
    with work(ctx) as session:
        page = _service(ctx, session).list_alerts(
            SYSTEM, PageRequest(limit=limit), status=status, kind=kind
        )
        rows = [AlertOut.of(a) for a in page.items]
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("id", "kind", "severity", "status", "gtin", "code", "count", "last seen",
                  title=f"Scan alerts ({page.total})")  # fmt: skip
    for a in rows:
        table.add_row(str(a.id), a.kind, a.severity, a.status, a.gtin or "—",
                      str(a.code_id or "—"), str(a.count), f"{a.last_seen:%Y-%m-%d %H:%M}")  # fmt: skip
    out.print(table)


@app.command()
def ack(
    alert_id: uuid.UUID = typer.Argument(..., help="The alert's id."),
    close: bool = typer.Option(False, "--close", help="Close it instead of acknowledging."),
) -> None:
    """Acknowledge (or close) an alert."""
    ctx = context()
    status = "closed" if close else "acknowledged"
    with work(ctx) as session:
        alert = _service(ctx, session).set_alert_status(SYSTEM, alert_id, status)
        out.print(f"alert {alert.id} {alert.kind}: {alert.status}")


@app.command()
def history(
    code: str = typer.Argument(..., help="A code id or the code's Digital Link."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every scan of one code, oldest first."""
    ctx = context()
    with work(ctx) as session:
        service = _service(ctx, session)
        rows = [ScanOut.of(r) for r in service.history(SYSTEM, service.find_code(SYSTEM, code))]
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("time (UTC)", "verdict", "reasons", "device", "city", "nfc", "hidden",
                  title=f"{len(rows)} scans")  # fmt: skip
    for r in rows:
        table.add_row(f"{r.at:%Y-%m-%d %H:%M:%S}", r.verdict, ", ".join(r.reasons),
                      r.device or "—", f"{r.city or ''} {r.region or ''}".strip() or "—",
                      "" if r.nfc_counter is None else str(r.nfc_counter),
                      "✓" if r.hidden_checked else "")  # fmt: skip
    out.print(table)


@app.command()
def heat(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Scans per region and verdict, busiest first."""
    ctx = context()
    with work(ctx) as session:
        rows = [HeatOut.of(h) for h in _service(ctx, session).heat(SYSTEM)]
    if as_json:
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("region", "city", "province", "total", "by verdict", title="Scan heat")
    for h in rows:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(h.by_verdict.items()))
        table.add_row(h.region or "—", h.city_zh or "—", h.province or "—", str(h.total), verdicts)
    out.print(table)


@app.command()
def thresholds(
    gtin: str = typer.Argument(..., help="The product's GTIN-14."),
    warn: int | None = typer.Option(None, "--warn", help="Distinct devices that warn."),
    alarm: int | None = typer.Option(None, "--alarm", help="Distinct devices that alarm."),
    travel: float | None = typer.Option(None, "--travel-kmh", help="Impossible speed, km/h."),
) -> None:
    """Show a product's scan-rule thresholds, or set those given."""
    ctx = context()
    with work(ctx) as session:
        service = _service(ctx, session)
        current = service.get_thresholds(SYSTEM, gtin)
        if warn is not None or alarm is not None or travel is not None:
            current = service.set_thresholds(SYSTEM, gtin, Thresholds(
                warn if warn is not None else current.warn_devices,
                alarm if alarm is not None else current.alarm_devices,
                travel if travel is not None else current.travel_kmh,
            ))  # fmt: skip
    _print_json(ThresholdsIO.of(current).model_dump(mode="json"))
