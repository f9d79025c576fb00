"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from livetrace import __version__
from livetrace.api import errors
from livetrace.api.routers import (
    catalog,
    codes,
    epcis_capture,
    epcis_query,
    health,
    identity,
    ledger,
    resolver,
    scans,
    trace,
)
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.web import pages, scan_console, trace_pages

DESCRIPTION = """Verifiable traceability for live-stream e-commerce.

Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details."""


def create_app(settings: Settings | None = None, *, ctx: AppContext | None = None) -> FastAPI:
    """Build the app around a context (tests pass their own, bound to a test transaction)."""
    ctx = ctx or AppContext.from_settings(settings or Settings())
    app = FastAPI(title="livetrace", version=__version__, description=DESCRIPTION)
    app.state.ctx = ctx
    errors.install(app)
    # The resolver first: routes are matched in order, and scans are most of the traffic.
    app.include_router(resolver.router)  # `/01/…` and `/.well-known/gs1resolver` only
    for router in (
        health.router,
        identity.router,
        catalog.router,
        codes.router,
        ledger.router,
        epcis_query.router,
        epcis_capture.router,
        trace.router,
        scans.router,
    ):
        app.include_router(router)
    app.include_router(pages.router)
    app.include_router(trace_pages.router)
    app.include_router(scan_console.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
