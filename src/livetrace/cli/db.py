"""`livetrace db …`: migrations."""

from __future__ import annotations

import typer

from livetrace.catalog.service import CatalogService
from livetrace.cli.common import EXIT_DOMAIN_ERROR, context, err, out, work
from livetrace.migrations import runner

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Apply migrations and install the built-in category templates."""
    ctx = context()
    runner.upgrade(ctx.engine, revision)
    with work(ctx) as session:
        n = CatalogService(session).install_builtin_templates()
    out.print(
        f"database at {runner.current_revision(ctx.engine)}; {n} built-in templates installed"
    )


@app.command()
def check() -> None:
    """Fail when the database is behind or the models drift from the migrations."""
    ctx = context()
    try:
        runner.check(ctx.engine)
    except runner.MigrationDriftError as exc:
        err.print(f"[red]drift:[/red] {exc}")
        raise typer.Exit(EXIT_DOMAIN_ERROR) from exc
    out.print(f"no drift: database at head {runner.head_revision()}")


@app.command()
def current() -> None:
    """Print the database's revision and the code's head."""
    ctx = context()
    out.print(
        f"current: {runner.current_revision(ctx.engine) or 'none'}  head: {runner.head_revision()}"
    )


@app.command()
def revision(message: str = typer.Option(..., "-m", "--message", help="What changed.")) -> None:
    """Autogenerate a migration from model changes (developers)."""
    runner.revision(context().engine, message)
