"""Console pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livetrace import __version__
from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.context import AppContext
from livetrace.demo.catalogue import case_links, local_path
from livetrace.demo.nfc import next_counter, tap_url
from livetrace.demo.witness import WITNESS_NAME
from livetrace.identity.models import Location, Party

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["version"] = __version__

router = APIRouter(include_in_schema=False)


def _session(request: Request) -> Iterator[Session]:
    ctx: AppContext = request.app.state.ctx
    with ctx.sessions() as session:
        yield session


PageSession = Annotated[Session, Depends(_session)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: PageSession) -> HTMLResponse:
    """The console's front page: what the deployment holds and where to go next."""
    counts = {
        label: session.scalar(select(func.count()).select_from(model)) or 0
        for label, model in (
            ("parties", Party),
            ("locations", Location),
            ("templates", CategoryTemplate),
            ("products", Product),
            ("lots", Lot),
        )
    }
    parties = session.scalars(select(Party).order_by(Party.name).limit(20)).all()
    products = session.scalars(select(Product).order_by(Product.gtin).limit(20)).all()
    ctx: AppContext = request.app.state.ctx
    cases = case_links(session, ctx.settings, ctx.encryptor)
    context = {
        "counts": counts, "parties": parties, "products": products, "cases": cases,
        "console": CONSOLE_LINKS, "witness": WITNESS_NAME,
        "verdict_labels": VERDICT_LABELS,
    }  # fmt: skip
    return templates.TemplateResponse(request, "home.html", context)


VERDICT_LABELS = {
    "genuine": "正品 Genuine", "caution": "注意 Caution", "recalled": "召回 Recalled",
    "suspect": "可疑 Suspect", "counterfeit": "假冒 Counterfeit",
}  # fmt: skip

# Console pages a newcomer may want after trying the cases.
CONSOLE_LINKS = (
    ("/console/trace", "溯源", "Trace"),
    ("/console/recalls", "召回", "Recalls"),
    ("/console/scans/alerts", "扫码预警", "Scan alerts"),
    ("/console/scans/heat", "扫码热力", "Scan heat by region"),
    ("/log/checkpoint", "日志检查点（含见证人联署）", "Log checkpoint (cosigned)"),
)


@router.get("/demo/nfc-tap")
def demo_nfc_tap(request: Request, session: PageSession) -> RedirectResponse:
    """A fresh simulated tap of the demo's NFC tag: redirect to the URL the tag would write."""
    ctx: AppContext = request.app.state.ctx
    url = tap_url(session, ctx.settings, ctx.encryptor, next_counter(session))
    return RedirectResponse(local_path(url), status_code=303)
