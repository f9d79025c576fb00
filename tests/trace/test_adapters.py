"""HTTP API, console pages and CLI of trace and recall."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factories.identity import make_member
from factories.trace import Chain, build_rice
from livetrace.cli.main import app as cli_app
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.trace.render import GraphNode, svg_graph


def test_api_trace_and_recall(client: TestClient, session: Session, encryptor: KeyEncryptor,
                              settings: Settings) -> None:  # fmt: skip
    rice = build_rice(session, encryptor, Chain(session, encryptor, origin=settings.log_origin))
    brand = make_member(session, encryptor, rice.brand)
    carrier = make_member(session, encryptor, rice.carrier)
    session.commit()
    back = client.get("/trace/backward", params={"id": rice.items["r6"]}, headers=brand.headers)
    assert back.status_code == 200
    assert {lot["lot"] for lot in back.json()["lots"]} == {"RICE-1", "PAD-A", "PAD-B"}
    unknown = client.get("/trace/backward", params={"id": "urn:epc:id:sgtin:6905678.000002.77"},
                         headers=brand.headers)  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["code"] == "trace-unknown-identifier"
    scope = {"scope": {"kind": "lot", "id": rice.pad["C"]}, "reason": "镉超标"}
    denied = client.post(f"/trace/parties/{rice.carrier.id}/recalls", json=scope,
                         headers=carrier.headers)  # fmt: skip
    assert denied.status_code == 403 and denied.json()["code"] == "recall-forbidden"
    opened = client.post(
        f"/trace/parties/{rice.brand.id}/recalls", json=scope, headers=brand.headers
    )
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    assert opened.json()["counts"]["items"] == 5
    csv = client.get(f"/trace/recalls/{number}/units.csv", headers=brand.headers)
    assert csv.status_code == 200 and csv.text.count(",item,") == 5
    pdf = client.get(f"/trace/recalls/{number}/notice.pdf", headers=brand.headers)
    assert pdf.content.startswith(b"%PDF")
    check = client.get("/trace/recall-check", params={"id": rice.items["r9"]})
    assert [n["number"] for n in check.json()] == [number]
    empty = client.post(f"/trace/parties/{rice.brand.id}/recalls", headers=brand.headers,
                        json={"scope": {"kind": "line", "line": "none"}, "reason": "typo"})  # fmt: skip
    assert empty.status_code == 422 and empty.json()["code"] == "recall-scope-empty"
    suppliers = client.get("/trace/analytics/suppliers", headers=brand.headers)
    assert suppliers.status_code == 200


def test_console_pages_render_svg(client: TestClient, session: Session, encryptor: KeyEncryptor,
                                  settings: Settings) -> None:  # fmt: skip
    rice = build_rice(session, encryptor, Chain(session, encryptor, origin=settings.log_origin))
    session.commit()
    page = client.get("/console/trace", params={"id": rice.items["r6"]})
    assert page.status_code == 200
    assert "<svg" in page.text and "张三" in page.text and "<script" not in page.text
    forward = client.get("/console/trace", params={"id": rice.pad["C"], "direction": "forward"})
    assert "<svg" in forward.text and "PO-1003" in forward.text
    bad = client.get("/console/trace", params={"id": "urn:epc:id:sgtin:6905678.000002.77"})
    assert "no captured event names" in bad.text
    assert client.get("/console/recalls").status_code == 200


def test_svg_escapes_text() -> None:
    svg = svg_graph([GraphNode("<x>&", "<b>", "item", 0)], [], title="a<b")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "a&lt;b" in svg


def test_cli_back_forward_and_rebuild(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mp = monkeypatch
    mp.setenv("LIVETRACE_DATABASE_URL", sqlite_url)
    mp.setenv("LIVETRACE_SECRET_KEY", "test-secret-that-is-long-enough-for-the-settings-check")
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli_app, ["trace", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt trace projections from 0 events" in result.output
    missing = runner.invoke(cli_app, ["trace", "back", "urn:epc:id:sgtin:6905678.000002.77"])
    assert missing.exit_code == 1
