"""`livetrace verify`: check a proof bundle offline, or a whole log database."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

import typer
from rich.markup import escape

from livetrace.cli.common import EXIT_DOMAIN_ERROR, context, err, out, work
from livetrace.kit.errors import LivetraceError
from livetrace.ledger.note import Ed25519Verifier
from livetrace.ledger.policy import parse_policy
from livetrace.ledger.service import LogKeys
from livetrace.ledger.verifier import DatabaseVerifier, verify_bundle


def _party_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        err.print(f"[red]invalid --party-key[/red] {text!r}: base64 of a 32-byte Ed25519 key")
        raise typer.Exit(EXIT_DOMAIN_ERROR)
    return key


def verify(
    bundle: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="A .tlog-proof bundle to verify offline."
    ),
    policy: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="tlog-policy file: log key, witnesses, quorum."
    ),
    party_key: list[str] = typer.Option(
        [], "--party-key", help="Base64 Ed25519 public key of the stating party (repeatable)."
    ),
    database: bool = typer.Option(
        False, "--database", help="Verify the configured database instead."
    ),
    log_vkey: list[str] = typer.Option(
        [], "--log-vkey", help="Log vkey to trust (default: the keys stored in the database)."
    ),
) -> None:
    """Verify a proof bundle with public keys and a policy, or every byte of the log database."""
    try:
        if database:
            _verify_database(policy, log_vkey)
        elif bundle is not None and policy is not None:
            _verify_bundle(bundle, policy, party_key)
        else:
            err.print("give a BUNDLE with --policy and --party-key, or --database")
            raise typer.Exit(EXIT_DOMAIN_ERROR)
    except LivetraceError as exc:
        err.print(f"[red]FAILED[/red] {escape(f'[{exc.code}]')}: {escape(exc.diagnostics())}")
        raise typer.Exit(EXIT_DOMAIN_ERROR) from exc


def _verify_bundle(bundle: Path, policy_file: Path, party_keys: list[str]) -> None:
    policy = parse_policy(policy_file.read_bytes())
    result = verify_bundle(bundle.read_bytes(), policy, [_party_key(k) for k in party_keys])
    statement = result.statement.statement
    checkpoint = result.proof.accepted.checkpoint
    out.print(
        f"OK: {statement.kind} by party {statement.party_id} at {statement.time.isoformat()} is "
        f"entry {result.proof.index} of {checkpoint.origin} (size {checkpoint.size}), cosigned by "
        f"{', '.join(sorted(result.proof.accepted.cosigners)) or 'no witness'}",
        highlight=False,
        soft_wrap=True,
    )


def _verify_database(policy_file: Path | None, log_vkeys: list[str]) -> None:
    ctx = context()
    origin = ctx.settings.log_origin
    policy = parse_policy(policy_file.read_bytes()) if policy_file else None
    with work(ctx) as session:
        verifiers = (
            [Ed25519Verifier.from_vkey(v) for v in log_vkeys]
            if log_vkeys
            else LogKeys(session, ctx.encryptor, origin).verifiers()
        )
        report = DatabaseVerifier(session, origin, log_verifiers=verifiers, policy=policy).run()
    for problem in report.problems:
        err.print(
            f"[red]{problem.kind}[/red] index={problem.index}: {escape(problem.message)}",
            highlight=False,
            soft_wrap=True,
        )
    summary = (
        f"{report.leaves} entries, {report.signatures} statement signatures, "
        f"{report.subtree_hashes} subtree hashes, {report.checkpoints} checkpoints, "
        f"{report.cosignatures} cosignatures checked"
    )
    if not report.ok:
        err.print(f"[red]FAILED[/red]: {len(report.problems)} problems; {summary}")
        raise typer.Exit(EXIT_DOMAIN_ERROR)
    out.print(f"OK: {summary}", highlight=False, soft_wrap=True)
