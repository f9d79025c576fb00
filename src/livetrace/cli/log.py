"""`livetrace log …`: the verifiable log's key, checkpoints, entries, tiles and witnessing."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from livetrace.cli.common import context, err, out, work
from livetrace.context import AppContext
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit import canonical_json
from livetrace.ledger.policy import Policy, parse_policy
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogKeys, LogService
from livetrace.ledger.statements import new_statement, sign_statement
from livetrace.ledger.tile_export import export_tiles
from livetrace.ledger.witness_client import CosigningService, targets_from_policy

app = typer.Typer(
    help="The verifiable log: key, checkpoints, entries, tiles.", no_args_is_help=True
)


def _policy(ctx: AppContext) -> Policy | None:
    path = ctx.settings.witness_policy
    return parse_policy(path.read_bytes()) if path else None


def publish(ctx: AppContext) -> None:
    """After a committed batch: extend the leaf-hash index and collect witness cosignatures."""
    with work(ctx) as session:
        LogService(session, ctx.encryptor, ctx.settings.log_origin).index_leaves()
    policy = _policy(ctx)
    if policy is None:
        return
    with work(ctx) as session:
        for result in CosigningService(session, targets_from_policy(policy)).push_latest():
            line = f"witness {result.witness}: {result.detail}"
            (out if result.ok else err).print(line)


@app.command()
def init() -> None:
    """Create the log key (named like LIVETRACE_LOG_ORIGIN) and print its vkey."""
    ctx = context()
    with work(ctx) as session:
        verifier = LogKeys(session, ctx.encryptor, ctx.settings.log_origin).ensure()
    out.print(verifier.vkey(), highlight=False, soft_wrap=True)


@app.command()
def vkey() -> None:
    """Print the log's verifier keys (retired ones included), one per line."""
    ctx = context()
    with work(ctx) as session:
        for verifier in LogKeys(session, ctx.encryptor, ctx.settings.log_origin).verifiers():
            out.print(verifier.vkey(), highlight=False, soft_wrap=True)


@app.command()
def checkpoint() -> None:
    """Print the latest published checkpoint with its cosignatures."""
    ctx = context()
    with work(ctx) as session:
        note = LogReader(session, _policy(ctx)).latest_checkpoint().cosigned_note
    out.out(note, end="", highlight=False)


@app.command()
def entry(index: int = typer.Argument(..., help="Entry index (0-based).")) -> None:
    """Print one entry (the signed statement) as JSON."""
    ctx = context()
    with work(ctx) as session:
        found = LogReader(session, _policy(ctx)).entry(index)
    out.print_json(json.dumps(canonical_json.parse(found.entry), ensure_ascii=False))


@app.command()
def bundle(index: int = typer.Argument(..., help="Entry index (0-based).")) -> None:
    """Print a tlog-proof bundle for one entry (verify it with `livetrace verify`)."""
    ctx = context()
    with work(ctx) as session:
        text = LogReader(session, _policy(ctx)).proof_bundle(index)
    out.out(text, end="", highlight=False)


@app.command("export-tiles")
def export_tiles_command(
    folder: Path = typer.Argument(..., help="Folder to write checkpoint and tile/… files into."),
) -> None:
    """Export the log as static C2SP tlog-tiles files."""
    ctx = context()
    with work(ctx) as session:
        result = export_tiles(LogReader(session, _policy(ctx)), folder)
    out.print(
        f"size {result.size}: {result.tiles} tiles, {result.bundles} entry bundles in {folder}"
    )


@app.command("publish")
def publish_command() -> None:
    """Index new leaves and push the latest checkpoint to the configured witnesses."""
    publish(context())


@app.command("append-test")
def append_test(
    party: str = typer.Option(..., help="Party (id, name or GLN) whose key signs."),
    count: int = typer.Option(10, min=1, help="Statements to append."),
    batch: int = typer.Option(100, min=1, help="Statements per batch (one checkpoint each)."),
) -> None:
    """Append signed test statements (kind `test.fact`) in batches, then publish."""
    ctx = context()
    done = 0
    while done < count:
        size = min(batch, count - done)
        with work(ctx) as session:
            found = IdentityService(session, ctx.encryptor).find_party(SYSTEM, party)
            signer = KeyService(session, ctx.encryptor).signer(KeyOwnerKind.PARTY, found.id)
            statements = [
                sign_statement(
                    new_statement("test.fact", found.id, signer.public_key, {"n": done + i}),
                    signer,
                )
                for i in range(size)
            ]
            service = LogService(session, ctx.encryptor, ctx.settings.log_origin)
            _, signed = service.append_batch(statements)
        done += size
        out.print(f"appended {size}; checkpoint size {signed.checkpoint.size}")
    publish(ctx)
