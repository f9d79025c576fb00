"""Upgrade a scratch SQLite database and a scratch PostgreSQL schema to head and check drift.

Usage: `python -m livetrace.migrations.check_all [POSTGRES_URL]`; exits non-zero on drift.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sqlalchemy import Engine, text

from livetrace.migrations import runner
from livetrace.store.engine import make_engine

SCRATCH_SCHEMA = "livetrace_db_check"


def _check(label: str, engine: Engine) -> bool:
    try:
        runner.upgrade(engine)
        runner.check(engine)
    except runner.MigrationDriftError as exc:
        sys.stderr.write(f"{label}: DRIFT: {exc}\n")
        return False
    finally:
        engine.dispose()
    sys.stdout.write(f"{label}: upgraded to {runner.head_revision()}, no drift\n")
    return True


def _postgres(url: str) -> Engine:
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return make_engine(f"{url}{sep}options=-csearch_path%3D{SCRATCH_SCHEMA}", pool_size=1)


def main(argv: list[str]) -> int:
    """Check SQLite always, PostgreSQL when a URL is given."""
    ok = True
    with tempfile.TemporaryDirectory() as d:
        ok &= _check("sqlite", make_engine(f"sqlite:///{Path(d) / 'check.sqlite3'}"))
    if argv:
        ok &= _check("postgresql", _postgres(argv[0]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
