"""Alembic environment: runs on the connection or URL that `livetrace.migrations.runner` provides."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from livetrace.migrations.models import metadata
from livetrace.store.engine import make_engine


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Migrate on a supplied connection (tests, CLI) or open one from the configured URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _configure(conn)
    engine.dispose()


run()
