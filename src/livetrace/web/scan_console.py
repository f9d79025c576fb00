"""Console pages for scans: alerts, scan heat by region (an SVG bar chart), per-code history.

Server-rendered with no JavaScript, like the trace pages; every value goes through Jinja's
autoescaping, including the SVG chart, which is drawn in the template from numbers computed here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from livetrace.codes.service import keyring_for
from livetrace.context import AppContext
from livetrace.identity.policy import SYSTEM
from livetrace.kit.clock import utcnow
from livetrace.kit.errors import LivetraceError
from livetrace.kit.pagination import PageRequest
from livetrace.scans.alerts import ALERT_KINDS, ALERT_STATUSES
from livetrace.scans.reads import RegionHeat
from livetrace.scans.service import ScanService
from livetrace.web.pages import PageSession, templates

router = APIRouter(include_in_schema=False, prefix="/console/scans")

VERDICTS = ("genuine", "caution", "recalled", "suspect", "counterfeit")
VERDICT_COLOURS = {"genuine": "#2e7d32", "caution": "#f9a825", "recalled": "#6a1b9a",
                   "suspect": "#ef6c00", "counterfeit": "#b3261e"}  # fmt: skip
BAR_WIDTH = 420  # px of the longest bar
ROW_HEIGHT = 26
LABEL_WIDTH = 150
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}


@dataclass(frozen=True, slots=True)
class Segment:
    """One verdict's part of a region's bar."""

    verdict: str
    x: float
    width: float
    count: int
    colour: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One region's row in the chart."""

    label: str
    y: int
    total: int
    segments: list[Segment]


def _service(request: Request, session: PageSession) -> ScanService:
    ctx: AppContext = request.app.state.ctx
    return ScanService(session, keyring_for(ctx.settings), ctx.settings)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    session: PageSession,
    status: Annotated[str | None, Query(max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    """Alerts to brands, most recently seen first, filterable by status and kind."""
    context: dict[str, object] = {"status": status or "", "kind": kind or "",
                                  "statuses": ALERT_STATUSES, "kinds": ALERT_KINDS}  # fmt: skip
    try:
        service = _service(request, session)
        page = service.list_alerts(
            SYSTEM, PageRequest(limit=200), status=status or None, kind=kind or None
        )
        context |= {"alerts": page.items, "total": page.total,
                    "brands": service.brand_names(page.items)}  # fmt: skip
    except LivetraceError as exc:
        context |= {"alerts": [], "total": 0, "brands": {}, "error": exc.diagnostics()}
    return templates.TemplateResponse(request, "scans/console_alerts.html", context)


@router.get("/heat", response_class=HTMLResponse)
def heat_page(
    request: Request,
    session: PageSession,
    period: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """Scans per region as a table and a stacked SVG bar chart by verdict."""
    since = utcnow() - PERIODS[period] if period in PERIODS else None
    heat = _service(request, session).heat(SYSTEM, since=since)
    context = {"heat": heat, "bars": bars(heat), "period": period or "", "periods": PERIODS,
               "verdicts": VERDICTS, "colours": VERDICT_COLOURS, "label_width": LABEL_WIDTH,
               "bar_width": BAR_WIDTH, "row_height": ROW_HEIGHT}  # fmt: skip
    return templates.TemplateResponse(request, "scans/console_heat.html", context)


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    session: PageSession,
    code: Annotated[str | None, Query(max_length=4096)] = None,
) -> HTMLResponse:
    """A code's scans, oldest first: look a code up by id or by its Digital Link."""
    context: dict[str, object] = {"code": code or ""}
    if code:
        try:
            service = _service(request, session)
            code_id = service.find_code(SYSTEM, code)
            context |= {"code_id": code_id, "scans": service.history(SYSTEM, code_id)}
        except LivetraceError as exc:
            context["error"] = exc.diagnostics()
    return templates.TemplateResponse(request, "scans/console_history.html", context)


@router.get("/codes/{code_id}", response_class=HTMLResponse)
def code_history_page(request: Request, session: PageSession, code_id: uuid.UUID) -> HTMLResponse:
    """One code's scans by id (alerts link here)."""
    context: dict[str, object] = {"code": str(code_id), "code_id": code_id}
    try:
        context["scans"] = _service(request, session).history(SYSTEM, code_id)
    except LivetraceError as exc:
        context["error"] = exc.diagnostics()
    return templates.TemplateResponse(request, "scans/console_history.html", context)


def bars(heat: list[RegionHeat]) -> list[Bar]:
    """Chart rows: one bar per region, its length the region's scans, split by verdict."""
    longest = max((h.total for h in heat), default=0) or 1
    out = []
    for row, region in enumerate(heat):
        x = float(LABEL_WIDTH)
        segments = []
        for verdict in VERDICTS:
            count = region.by_verdict.get(verdict, 0)
            if count:
                width = BAR_WIDTH * count / longest
                segments.append(Segment(verdict, round(x, 1), round(width, 1), count,
                                        VERDICT_COLOURS[verdict]))  # fmt: skip
                x += width
        out.append(Bar(_label(region), row * ROW_HEIGHT, region.total, segments))
    return out


def _label(region: RegionHeat) -> str:
    if region.city_zh:
        return f"{region.city_zh} {region.city_en or ''}".strip()
    if region.province:
        return f"{region.province} {region.region}"
    return region.region or "未知 unknown"
