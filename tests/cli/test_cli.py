"""The command line end to end on a fresh SQLite file: real migrations, real commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from livetrace.cli.main import app
from livetrace.gs1.keys import with_check_digit

runner = CliRunner()


@pytest.fixture
def env(sqlite_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return {}


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_db_check_reports_no_drift(env: dict[str, str]) -> None:
    code, out = run("db", "check")
    assert code == 0 and "no drift" in out


def test_db_check_fails_on_a_fresh_database(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVETRACE_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.sqlite3")
    code, out = run("db", "check")
    assert code == 1 and "livetrace db upgrade" in out


def test_party_product_lot_through_the_cli(env: dict[str, str]) -> None:
    gln = with_check_digit("697000200001")
    code, out = run(
        "party",
        "create",
        "--name",
        "金禾米业",
        "--role",
        "brand",
        "--role",
        "manufacturer",
        "--company-prefix",
        "6970002",
        "--gln",
        gln,
        "--region",
        "230184",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["roles"] == ["brand", "manufacturer"]
    gtin = with_check_digit("697000200002")  # a GTIN-13
    code, out = run(
        "product",
        "create",
        "--gtin",
        gtin,
        "--brand",
        "金禾米业",
        "--template",
        "rice",
        "--name",
        "五常大米",
        "--attributes",
        '{"variety": "稻花香2号"}',
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["gtin"] == "0" + gtin
    attrs = json.dumps(
        {
            "plot_code": "A07",
            "plot_coordinates": {"lat": 44.9, "lon": 127.1},
            "grower": "王建国",
            "harvest_date": "2026-10-02",
            "paddy_lot": "P-A07",
        }
    )
    code, out = run(
        "product",
        "add-lot",
        gtin,
        "--lot",
        "WC2026A07",
        "--produced",
        "2026-10-28",
        "--attributes",
        attrs,
        "--json",
    )
    assert code == 0, out
    code, out = run("product", "lots", gtin, "--json")
    assert [lot["lot_number"] for lot in json.loads(out)] == ["WC2026A07"]
    code, out = run("party", "keys", "金禾米业")
    assert code == 0 and "BEGIN PUBLIC KEY" in out


def test_bootstrap_a_platform_token(env: dict[str, str]) -> None:
    assert run("party", "create", "--name", "Platform", "--role", "platform")[0] == 0
    assert (
        run(
            "party",
            "add-user",
            "Platform",
            "--email",
            "root@example.com",
            "--name",
            "Root",
            "--role",
            "admin",
        )[0]
        == 0
    )
    code, out = run(
        "party",
        "token",
        "Platform",
        "--email",
        "root@example.com",
        "--scope",
        "admin",
        "--scope",
        "read",
        "--scope",
        "write",
    )
    assert code == 0 and "shown once" in out
    assert out.strip().splitlines()[-1].startswith("lt_")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ("party", "create", "--name", "X", "--role", "farm", "--gln", "6970001000017"),
            "check digit",
        ),
        (
            ("party", "create", "--name", "X", "--role", "farm", "--gln", "6970001000017"),
            "error [invalid-party-data]",
        ),
        (("party", "create", "--name", "X", "--role", "wizard"), "roles"),
        (
            (
                "product",
                "create",
                "--gtin",
                "123",
                "--brand",
                "nobody",
                "--template",
                "rice",
                "--name",
                "x",
            ),
            "no party",
        ),
        (("product", "add-lot", "06970002000022", "--lot", "L1"), "no product"),
        (
            ("party", "add-location", "nobody", "--gln", "1", "--name", "x", "--attributes", "[1"),
            "not JSON",
        ),
    ],
)
def test_bad_input_exits_non_zero_with_a_reason(
    env: dict[str, str], args: tuple[str, ...], needle: str
) -> None:
    code, out = run(*args)
    assert code != 0
    assert needle in out


def test_bad_settings_exit_with_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVETRACE_ENVIRONMENT", "production")
    monkeypatch.delenv("LIVETRACE_SECRET_KEY", raising=False)
    code, out = run("db", "current")
    assert code == 3 and "development secret" in out


def test_demo_load_is_idempotent(env: dict[str, str]) -> None:
    code, out = run("demo", "load")
    assert code == 0 and "10 parties" in out
    code, out = run("demo", "load")
    assert code == 0 and "already loaded" in out
    code, out = run("product", "list", "--json")
    assert {p["gtin"] for p in json.loads(out)} >= {"06970002000022"}
