"""What every command shares: settings, a unit of work, error reporting, output."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.kit.errors import LivetraceError
from livetrace.store.uow import unit_of_work

out = Console()
err = Console(stderr=True, soft_wrap=True)

EXIT_DOMAIN_ERROR = 1
EXIT_CONFIG_ERROR = 3


def context() -> AppContext:
    """Settings from the environment, or a clear exit when they are invalid."""
    try:
        return AppContext.from_settings(Settings())
    except (PydanticValidationError, RuntimeError) as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(EXIT_CONFIG_ERROR) from exc


@contextmanager
def work(ctx: AppContext) -> Iterator[Session]:
    """A unit of work whose domain errors end the command with diagnostics and exit code 1."""
    try:
        with unit_of_work(ctx.sessions) as session:
            yield session
    except LivetraceError as exc:
        err.print(f"[red]error[/red] {escape(f'[{exc.code}]')}: {escape(exc.diagnostics())}")
        raise typer.Exit(EXIT_DOMAIN_ERROR) from exc
    except PydanticValidationError as exc:
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            err.print(f"[red]invalid[/red] {escape(where)}: {escape(e['msg'])}")
        raise typer.Exit(EXIT_DOMAIN_ERROR) from exc


def parse_json_option(value: str | None, option: str) -> dict[str, Any]:
    """A JSON object given on the command line, or a clear exit."""
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        err.print(f"[red]invalid[/red] {option}: not JSON ({exc.msg} at column {exc.colno})")
        raise typer.Exit(EXIT_DOMAIN_ERROR) from exc
    if not isinstance(parsed, dict):
        err.print(f"[red]invalid[/red] {option}: expected a JSON object")
        raise typer.Exit(EXIT_DOMAIN_ERROR)
    return parsed


def show(models: BaseModel | Sequence[BaseModel], *, as_json: bool, columns: Sequence[str]) -> None:
    """Print records as JSON or as a table of the chosen columns."""
    items = [models] if isinstance(models, BaseModel) else list(models)
    if as_json:
        data = [m.model_dump(mode="json") for m in items]
        out.print_json(
            json.dumps(data[0] if isinstance(models, BaseModel) else data, ensure_ascii=False)
        )
        return
    table = Table(*columns)
    for m in items:
        row = m.model_dump(mode="json")
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None else str(value)
