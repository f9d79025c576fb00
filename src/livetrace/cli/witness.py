"""`livetrace witness …`: run a C2SP tlog-witness with its own key and state database."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import typer
import uvicorn

from livetrace.api.witness_app import WitnessConfig, create_witness_app
from livetrace.cli.common import EXIT_CONFIG_ERROR, context, err, out
from livetrace.crypto.keys import KeyEncryptor
from livetrace.kit.errors import LivetraceError
from livetrace.ledger.note import Ed25519Verifier, Verifier
from livetrace.ledger.witness_service import witness_signer
from livetrace.migrations import runner
from livetrace.store.engine import make_engine, make_sessionmaker
from livetrace.store.uow import unit_of_work

app = typer.Typer(help="A witness that cosigns log checkpoints.", no_args_is_help=True)

DB = typer.Option(
    None,
    "--db",
    help="State database: SQLite file path or SQLAlchemy URL (default: the configured database).",
)
NAME = typer.Option(..., "--name", help="Witness key name, e.g. witness.brand.example.")


def _url(db: str | None) -> str:
    if db is None:
        return context().settings.resolved_database_url()
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def _known_logs(vkeys: list[str]) -> dict[str, list[Verifier]]:
    logs: dict[str, list[Verifier]] = defaultdict(list)
    for text in vkeys:
        try:
            verifier = Ed25519Verifier.from_vkey(text)
        except LivetraceError as exc:
            err.print(f"[red]invalid --log-vkey[/red] {text!r}: {exc.diagnostics()}")
            raise typer.Exit(EXIT_CONFIG_ERROR) from exc
        logs[verifier.name].append(verifier)
    return dict(logs)


def _encryptor() -> KeyEncryptor:
    return context().encryptor


@app.command()
def serve(
    name: str = NAME,
    log_vkey: list[str] = typer.Option(
        ..., "--log-vkey", help="Vkey of a log to witness (repeatable); its key name is the origin."
    ),
    db: str | None = DB,
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8010, help="TCP port (0: any free port)."),
) -> None:
    """Migrate the state database, print the witness vkey, and serve POST /add-checkpoint."""
    known = _known_logs(log_vkey)
    engine = make_engine(_url(db))
    runner.upgrade(engine)
    sessions = make_sessionmaker(engine)
    encryptor = _encryptor()
    with unit_of_work(sessions) as session:
        vkey = witness_signer(session, encryptor, name).verifier().vkey()
    out.print(f"witness {vkey} for {', '.join(sorted(known))}", highlight=False, soft_wrap=True)
    config = WitnessConfig(name=name, sessions=sessions, encryptor=encryptor, known_logs=known)
    uvicorn.run(create_witness_app(config), host=host, port=port, log_level="info")


@app.command()
def vkey(name: str = NAME, db: str | None = DB) -> None:
    """Print the witness's cosignature vkey (creating its key on first use)."""
    engine = make_engine(_url(db))
    runner.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        out.print(
            witness_signer(session, _encryptor(), name).verifier().vkey(),
            highlight=False,
            soft_wrap=True,
        )
