"""Console pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livetrace import __version__
from livetrace.catalog.models import CategoryTemplate, Lot, Product
from livetrace.context import AppContext
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
    return templates.TemplateResponse(
        request, "home.html", {"counts": counts, "parties": parties, "products": products}
    )
