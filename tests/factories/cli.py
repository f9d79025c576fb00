"""Whole CLI commands on a fresh SQLite file, for end-to-end tests of `livetrace …`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories.catalog import RICE_LOT_ATTRS, RICE_PRODUCT_ATTRS
from livetrace.cli.main import app
from livetrace.gs1.keys import with_check_digit

runner = CliRunner()
RICE_LOT = "T2026"


def run(*args: str) -> tuple[int, str]:
    """Run one command: (exit code, output)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def rice_gtin(company_prefix: str) -> str:
    """The rice product's GTIN under a company prefix (item reference 0001)."""
    return with_check_digit(f"0{company_prefix}00001")


def rice_lot(
    monkeypatch: pytest.MonkeyPatch, database_url: str, data_dir: Path, *, company_prefix: str
) -> str:
    """Migrate, create a brand, its rice product and lot `RICE_LOT` through the CLI."""
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", database_url)
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LIVETRACE_BASE_URL", "https://id.example.cn")
    gtin = rice_gtin(company_prefix)
    steps = [
        ("db", "upgrade"),
        ("party", "create", "--name", "米业", "--role", "brand",
         "--company-prefix", company_prefix),
        ("product", "create", "--gtin", gtin, "--brand", "米业", "--template", "rice",
         "--name", "五常大米", "--attributes", json.dumps(RICE_PRODUCT_ATTRS)),
        ("product", "add-lot", gtin, "--lot", RICE_LOT, "--expires", "2028-01-31",
         "--attributes", json.dumps(RICE_LOT_ATTRS)),
    ]  # fmt: skip
    for step in steps:
        code, out = run(*step)
        assert code == 0, out
    return RICE_LOT
