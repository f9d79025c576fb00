"""The `livetrace` command: one Typer app with a group per feature."""

from __future__ import annotations

import typer
import uvicorn

from livetrace.cli import (
    codes,
    db,
    demo,
    epcis,
    log,
    party,
    product,
    scans,
    trace,
    verify,
    witness,
    worker,
)
from livetrace.cli.common import context, out

app = typer.Typer(
    help="livetrace: verifiable traceability for live-stream e-commerce.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(party.app, name="party")
app.add_typer(product.app, name="product")
app.add_typer(demo.app, name="demo")
app.add_typer(codes.app, name="codes")
app.add_typer(log.app, name="log")
app.add_typer(witness.app, name="witness")
app.add_typer(worker.app, name="worker")
app.add_typer(epcis.app, name="epcis")
app.add_typer(trace.app, name="trace")
app.add_typer(scans.app, name="scans")
app.command("verify")(verify.verify)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(
        1, help="Worker processes (SQLite too: writers queue on its lock)."
    ),
) -> None:
    """Run the web service (API, console and consumer pages)."""
    context()  # fail fast with a clear message on bad settings
    out.print(f"livetrace on http://{host}:{port}  (API docs: /docs)")
    uvicorn.run("livetrace.api.asgi:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def up(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    with_demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo data first."),
) -> None:
    """Migrate the database, load the demo data, and serve: the quick start in one command."""
    db.upgrade("heads")
    if with_demo:
        demo.load()
    serve(host=host, port=port, workers=1)


if __name__ == "__main__":
    app()
