"""`livetrace demo …`: the demo data set."""

from __future__ import annotations

import time

import typer

from livetrace.cli.common import context, out, work
from livetrace.demo.loader import demo_loaded, load_demo

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("load")
def load() -> None:
    """Load the demo data set; a database that already holds it is left as it is."""
    ctx = context()
    started = time.perf_counter()
    with work(ctx) as session:
        if demo_loaded(session):
            out.print("demo data already loaded: nothing to do (use an empty database to reload)")
            return
        summary = load_demo(session, ctx.settings, ctx.encryptor)
    out.print(
        f"demo loaded in {time.perf_counter() - started:.1f} s: {summary.parties} parties, "
        f"{summary.locations} locations, {summary.products} products, {summary.lots} lots, "
        f"{summary.events} signed events, {summary.scans} scans; log checkpoint "
        f"{summary.checkpoint} cosigned by {summary.witness}"
    )
    out.print(f"try the cases at {ctx.settings.base_url.rstrip('/')}/#try")
