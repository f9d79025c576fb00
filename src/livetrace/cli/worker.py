"""`livetrace worker …`: long-running loops (EPCIS subscription delivery)."""

from __future__ import annotations

import threading

import typer

from livetrace.cli.common import context, out
from livetrace.worker.subscriptions import SubscriptionWorker

app = typer.Typer(help="Background workers.", no_args_is_help=True)


@app.command("subscriptions")
def subscriptions(
    once: bool = typer.Option(False, "--once", help="Serve every due subscription once and exit."),
    interval: float = typer.Option(1.0, min=0.1, help="Seconds to wait when nothing was due."),
    batch: int = typer.Option(100, min=1, max=1000, help="Events per webhook request."),
) -> None:
    """Deliver EPCIS query subscriptions (stream and scheduled) to webhooks (signed, retried)."""
    ctx = context()
    worker = SubscriptionWorker(ctx.sessions, ctx.encryptor, batch=batch)
    if once:
        out.print(f"delivered {worker.run_once()} batch(es)")
        return
    stop = threading.Event()
    out.print("delivering subscriptions; Ctrl-C to stop")
    try:
        worker.run_forever(stop, interval)
    except KeyboardInterrupt:
        stop.set()
        out.print("stopped")
