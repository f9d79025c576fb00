"""`livetrace demo …`: the demo data set."""

from __future__ import annotations

import typer

from livetrace.cli.common import context, out, work
from livetrace.demo.loader import load_demo

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("load")
def load() -> None:
    """Load the demo data set (idempotent)."""
    ctx = context()
    with work(ctx) as session:
        summary = load_demo(session, ctx.encryptor)
    if summary.parties == 0:
        out.print("demo data already loaded")
    else:
        out.print(
            f"demo loaded: {summary.parties} parties, {summary.locations} locations, "
            f"{summary.products} products, {summary.lots} lots"
        )
