"""The scans API: the public verdict, alerts, history, heat and thresholds, with access rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.identity import Member, make_member, make_party
from factories.scans import (
    GUANGZHOU,
    HARBIN,
    Issued,
    commission_and_ship,
    issue_codes,
    make_destination,
)
from livetrace.api.app import create_app
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.crypto.keys import KeyEncryptor
from livetrace.scans.models import ScanRecord
from livetrace.scans.service import DEVICE_COOKIE

PROBLEM = "application/problem+json"


@pytest.fixture
def issued(session: Session, encryptor: KeyEncryptor) -> Issued:
    made = issue_codes(session, encryptor)
    to = make_destination(session, encryptor, "230184")
    commission_and_ship(session, encryptor, made, made.codes[:2], to=to)
    session.commit()
    return made


@pytest.fixture
def brand(session: Session, encryptor: KeyEncryptor, issued: Issued) -> Member:
    member = make_member(session, encryptor, issued.catalog.brand)
    session.commit()
    return member


@pytest.fixture
def other_brand(session: Session, encryptor: KeyEncryptor) -> Member:
    member = make_member(session, encryptor, make_party(session, encryptor))
    session.commit()
    return member


@pytest.fixture
def regulator(session: Session, encryptor: KeyEncryptor) -> Member:
    party = make_party(session, encryptor, roles=["regulator"])
    member = make_member(session, encryptor, party, scopes=("read",))
    session.commit()
    return member


def verify(client: TestClient, uri: str, **body: Any) -> dict[str, Any]:
    resp = client.post("/scans/verify", json={"uri": uri} | body)
    assert resp.status_code == 200, resp.text
    out: dict[str, Any] = resp.json()
    return out


def problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def test_verify_is_public_and_answers_in_both_languages(client: TestClient, issued: Issued) -> None:
    lat, lon = HARBIN
    out = verify(client, issued.links[0], device="phone-1", latitude=lat, longitude=lon)
    assert out["verdict"] == "genuine" and out["reasons"] == []
    assert out["code"]["serial"] == issued.codes[0].serial and out["code"]["display"] is False
    assert out["first_scan"]["place"]["city_en"] == "Harbin"
    assert out["total_scans"] == 1 and out["distinct_devices"] == 1
    forged = verify(client, issued.links[0].split("auth=")[0] + "auth=1." + "0" * 20)
    assert forged["verdict"] == "counterfeit" and forged["code"] is None
    (reason,) = forged["reasons"]
    assert reason["code"] == "authenticator.forged" and reason["severity"] == "fail"
    assert reason["message_zh"] and reason["message_en"]


def test_brand_only_findings_stay_out_of_the_public_answer(
    client: TestClient, session: Session, issued: Issued, brand: Member
) -> None:
    lat, lon = GUANGZHOU
    out = verify(client, issued.links[0], latitude=lat, longitude=lon)
    assert out["verdict"] == "genuine" and out["reasons"] == []
    alerts = client.get("/scans/alerts", headers=brand.headers).json()
    assert [a["kind"] for a in alerts["items"]] == ["diversion"]
    row = session.scalars(select(ScanRecord)).one()
    assert row.reasons == ["diversion.outside_region"]


def test_the_device_cookie_tells_devices_apart(client: TestClient, issued: Issued) -> None:
    for n in range(3):
        client.cookies.set(DEVICE_COOKIE, f"cookie-{n}")
        out = verify(client, issued.links[0])
    client.cookies.clear()
    assert out["distinct_devices"] == 3 and out["verdict"] == "caution"
    assert [r["code"] for r in out["reasons"]] == ["scans.repeat_devices"]


@pytest.mark.parametrize(
    "body",
    [
        {"uri": ""},
        {"uri": "x" * 5000},
        {"uri": "https://id.example.cn/01/1", "latitude": 95, "longitude": 1},
        {"uri": "https://id.example.cn/01/1", "hidden_code": "A" * 65},
        {"uri": "https://id.example.cn/01/1", "nfc": {"picc_data": "00" * 100, "cmac": "0"}},
        {"uri": "https://id.example.cn/01/1", "unexpected": 1},
    ],
)
def test_oversized_or_hostile_input_is_a_clear_problem(
    client: TestClient, body: dict[str, Any]
) -> None:
    problem(client.post("/scans/verify", json=body), 422, "invalid-request")


def test_hostile_links_become_counterfeit_verdicts_not_errors(client: TestClient) -> None:
    for uri in ("javascript:alert(1)", "https://id.example.cn/01/<b>x</b>?auth=1.00",
                "https://id.example.cn/01/09506000134352/21/%00%ff?auth=" + "9" * 30):  # fmt: skip
        out = verify(client, uri)
        assert out["verdict"] == "counterfeit" and out["code"] is None


def test_alerts_list_and_status_with_access_rules(
    client: TestClient,
    issued: Issued,
    brand: Member,
    other_brand: Member,
    regulator: Member,
) -> None:
    lat, lon = GUANGZHOU
    verify(client, issued.links[0], latitude=lat, longitude=lon)
    mine = client.get("/scans/alerts", headers=brand.headers).json()
    assert mine["total"] == 1
    alert = mine["items"][0]
    assert alert["brand_party_id"] == str(issued.catalog.brand.id)
    assert client.get("/scans/alerts", headers=other_brand.headers).json()["total"] == 0
    assert client.get("/scans/alerts?kind=diversion", headers=regulator.headers).json()["total"]
    problem(client.get("/scans/alerts?kind=nonsense", headers=brand.headers), 422)
    problem(client.get("/scans/alerts"), 401)
    url = f"/scans/alerts/{alert['id']}/status"
    problem(client.post(url, json={"status": "acknowledged"}, headers=other_brand.headers), 404)
    problem(client.post(url, json={"status": "acknowledged"}, headers=regulator.headers), 403)
    problem(client.post(url, json={"status": "open"}, headers=brand.headers), 422)
    acked = client.post(url, json={"status": "acknowledged"}, headers=brand.headers)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    closed = client.post(url, json={"status": "closed"}, headers=brand.headers).json()
    assert closed["status"] == "closed"
    problem(client.post(url, json={"status": "acknowledged"}, headers=brand.headers), 409,
            "scan-alert-state")  # fmt: skip
    # After closing, the next sighting opens a new alert.
    verify(client, issued.links[0], latitude=lat, longitude=lon)
    statuses = client.get("/scans/alerts", headers=brand.headers).json()["items"]
    assert sorted(a["status"] for a in statuses) == ["closed", "open"]


def test_history_and_heat(
    client: TestClient, issued: Issued, brand: Member, other_brand: Member, regulator: Member
) -> None:
    for n, (lat, lon) in enumerate((HARBIN, HARBIN, GUANGZHOU)):
        verify(client, issued.links[0], device=f"d{n}", latitude=lat, longitude=lon)
    verify(client, issued.links[0] + "0")  # forged (too long), in no region
    url = f"/scans/codes/{issued.codes[0].id}/history"
    history = client.get(url, headers=brand.headers).json()
    assert [h["region"] for h in history] == ["230100", "230100", "440100"]
    assert all(len(h["device"]) == 8 for h in history)
    # The third device, thousands of km away within a second: clone signs, and a diversion.
    assert history[2]["verdict"] == "suspect"
    assert history[2]["reasons"] == [
        "scans.repeat_devices", "travel.impossible", "diversion.outside_region",
    ]  # fmt: skip
    problem(client.get(url, headers=other_brand.headers), 404, "scan-code-not-found")
    assert len(client.get(url, headers=regulator.headers).json()) == 3
    heat = client.get("/scans/heat", headers=brand.headers).json()
    by_region = {h["region"]: h for h in heat}
    assert by_region["230100"]["total"] == 2 and by_region["230100"]["city_en"] == "Harbin"
    assert by_region["440100"]["by_verdict"] == {"suspect": 1}
    assert by_region[None]["by_verdict"] == {"counterfeit": 1}  # forged scans of its GTIN
    assert client.get("/scans/heat", headers=other_brand.headers).json() == []
    assert len(client.get("/scans/heat", headers=regulator.headers).json()) == 3
    future = client.get("/scans/heat?since=2100-01-01T00:00:00Z", headers=brand.headers)
    assert future.json() == []


def test_thresholds_get_and_set(
    client: TestClient, issued: Issued, brand: Member, other_brand: Member, regulator: Member
) -> None:
    url = f"/scans/thresholds/{issued.catalog.product.gtin}"
    assert client.get(url, headers=brand.headers).json() == {
        "warn_devices": 3, "alarm_devices": 10, "travel_kmh": 900.0,
    }  # fmt: skip
    new = {"warn_devices": 2, "alarm_devices": 5, "travel_kmh": 600.0}
    assert client.put(url, json=new, headers=brand.headers).json() == new
    assert client.get(url, headers=regulator.headers).json() == new
    problem(client.put(url, json=new, headers=regulator.headers), 403)
    problem(client.get(url, headers=other_brand.headers), 404)
    bad = {"warn_devices": 5, "alarm_devices": 2, "travel_kmh": 600.0}
    problem(client.put(url, json=bad, headers=brand.headers), 422, "scan-thresholds-invalid")
    verify(client, issued.links[2], device="a")
    out = verify(client, issued.links[2], device="b")
    assert out["verdict"] == "caution" and "scans.repeat_devices" in [
        r["code"] for r in out["reasons"]
    ]


def test_forged_code_enumeration_is_rate_limited_per_client(
    ctx: AppContext, settings: Settings, issued: Issued
) -> None:
    strict = settings.model_copy(update={"resolver_failure_burst": 3,
                                         "resolver_failure_per_minute": 1.0})  # fmt: skip
    app = create_app(ctx=replace(ctx, settings=strict))
    with TestClient(app) as limited:
        assert verify(limited, issued.links[0])["verdict"] != "counterfeit"
        for n in range(3):
            guess = issued.links[0].split("auth=")[0] + f"auth=1.{n:020X}"
            assert verify(limited, guess)["verdict"] == "counterfeit"
        refused = limited.post("/scans/verify", json={"uri": issued.links[0]})
        body = problem(refused, 429, "rate-limited")
        assert body["details"]["retry_after"] >= 1
