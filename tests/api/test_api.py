"""The HTTP API end to end: auth, problem details, the create flow, bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from factories.catalog import RICE_LOT_ATTRS, RICE_PRODUCT_ATTRS, gtin_for
from factories.identity import Member, gln_for, make_member, make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party

PROBLEM = "application/problem+json"


@pytest.fixture
def platform(session: Session, encryptor: KeyEncryptor) -> Member:
    party = make_party(session, encryptor, roles=["platform"])
    session.commit()
    member = make_member(session, encryptor, party)
    session.commit()
    return member


def brand_member(session: Session, encryptor: KeyEncryptor, **member: Any) -> Member:
    """A new brand party and one of its members, committed so the API sees them."""
    member_ = make_member(session, encryptor, make_party(session, encryptor), **member)
    session.commit()
    return member_


def product_body(brand: Party) -> dict[str, Any]:
    """A valid rice product of `brand` for `POST /products`."""
    return {"gtin": gtin_for(brand), "brand_party_id": str(brand.id), "template": "rice",
            "name": "米", "attributes": RICE_PRODUCT_ATTRS}  # fmt: skip


def assert_problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    assert body["status"] == status and body["detail"] and body["type"].startswith("https://")
    if field is not None:
        fields = [body.get("field")] + [e["field"] for e in body.get("errors", [])]
        assert any(f and f.endswith(field) for f in fields), body
    return body


def test_healthz_and_docs(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] in {"sqlite", "postgresql"}
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/parties" in spec["paths"] and "/products/{ref}/lots" in spec["paths"]


def test_missing_and_bad_tokens_get_401(client: TestClient) -> None:
    resp = client.get("/parties")
    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"] == "Bearer"
    assert_problem(client.get("/parties", headers={"Authorization": "Bearer nope"}), 401)


def test_full_flow_party_product_lot(client: TestClient, platform: Member) -> None:
    prefix = "6970042"
    resp = client.post(
        "/parties",
        headers=platform.headers,
        json={
            "name": "五常金禾米业",
            "roles": ["brand", "manufacturer"],
            "company_prefix": prefix,
            "gln": gln_for(prefix),
            "region_code": "230184",
            "latitude": 44.9,
            "longitude": 127.1,
        },
    )
    assert resp.status_code == 201, resp.text
    brand = resp.json()
    keys = client.get(f"/parties/{brand['id']}/keys").json()
    assert keys[0]["status"] == "active" and keys[0]["public_key_pem"].startswith("-----BEGIN")

    user = client.post(
        f"/parties/{brand['id']}/users",
        headers=platform.headers,
        json={"name": "Ops", "email": "ops@jinhe.example", "role": "operator"},
    ).json()
    tok = client.post(
        f"/parties/{brand['id']}/tokens",
        headers=platform.headers,
        json={"user_id": user["id"], "name": "erp", "scopes": ["read", "write"]},
    )
    assert tok.status_code == 201
    token = tok.json()["token"]
    assert (
        "token"
        not in client.get(f"/parties/{brand['id']}/tokens", headers=platform.headers).json()[0]
    )
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/me", headers=auth).json()["scopes"] == ["read", "write"]

    product = client.post(
        "/products",
        headers=auth,
        json={
            "gtin": gtin_for_prefix(prefix)[1:],
            "brand_party_id": brand["id"],
            "template": "rice",
            "name": "五常大米 5kg",
            "attributes": RICE_PRODUCT_ATTRS,
        },
    )
    assert product.status_code == 201, product.text
    assert product.json()["gtin"] == gtin_for_prefix(prefix)
    lot = client.post(
        f"/products/{product.json()['gtin']}/lots",
        headers=auth,
        json={
            "lot_number": "WC2026A07",
            "production_date": "2026-10-28",
            "attributes": RICE_LOT_ATTRS,
        },
    )
    assert lot.status_code == 201, lot.text
    listed = client.get(f"/products/{product.json()['id']}/lots", headers=auth).json()
    assert listed["total"] == 1 and listed["items"][0]["lot_number"] == "WC2026A07"
    assert client.get(f"/lots/{lot.json()['id']}", headers=auth).status_code == 200


def gtin_for_prefix(prefix: str) -> str:
    return with_check_digit("0" + prefix + "00001")


def test_bad_input_gets_precise_problems_and_changes_nothing(
    client: TestClient, platform: Member, session: Session, encryptor: KeyEncryptor
) -> None:
    bad_gln = client.post(
        "/parties",
        headers=platform.headers,
        json={"name": "X", "roles": ["farm"], "gln": "6970001000017"},
    )
    assert "check digit" in assert_problem(bad_gln, 422, "gln")["detail"]
    assert_problem(
        client.post("/parties", headers=platform.headers, json={"name": "X", "roles": ["wizard"]}),
        422,
        "roles.0",
    )
    total = client.get("/parties", headers=platform.headers).json()["total"]

    member = brand_member(session, encryptor)
    brand = member.party
    body = product_body(brand)
    assert client.post("/products", headers=member.headers, json=body).status_code == 201
    assert_problem(client.post("/products", headers=member.headers, json=body), 409, "gtin")
    missing = client.post(
        "/products", headers=member.headers, json=body | {"gtin": gtin_for(brand), "attributes": {}}
    )
    assert assert_problem(missing, 422, "attributes.variety")["code"] == "missing-attribute"
    assert client.get("/parties", headers=platform.headers).json()["total"] == total + 1


def test_other_parties_data_is_hidden_or_forbidden(
    client: TestClient, session: Session, encryptor: KeyEncryptor
) -> None:
    a, b = make_party(session, encryptor), make_party(session, encryptor)
    session.commit()
    ma = make_member(session, encryptor, a)
    session.commit()
    assert_problem(client.get(f"/parties/{b.id}", headers=ma.headers), 404)
    assert_problem(
        client.post("/parties", headers=ma.headers, json={"name": "Q", "roles": ["farm"]}), 403
    )
    loc = {"gln": gln_for(b.company_prefix or "", 9), "name": "b"}
    assert_problem(client.post(f"/parties/{b.id}/locations", headers=ma.headers, json=loc), 404)


def test_revoked_token_gets_401(
    client: TestClient, platform: Member, session: Session, encryptor: KeyEncryptor
) -> None:
    member = brand_member(session, encryptor)
    brand = member.party
    tokens = client.get(f"/parties/{brand.id}/tokens", headers=member.headers).json()
    resp = client.delete(f"/parties/{brand.id}/tokens/{tokens[0]['id']}", headers=member.headers)
    assert resp.status_code == 200 and resp.json()["revoked_at"]
    assert "revoked" in assert_problem(client.get("/me", headers=member.headers), 401)["detail"]


def test_viewer_token_cannot_write(
    client: TestClient, session: Session, encryptor: KeyEncryptor
) -> None:
    viewer = brand_member(session, encryptor, role="viewer", scopes=("read",))
    brand = viewer.party
    body = product_body(brand)
    assert (
        "write"
        in assert_problem(client.post("/products", headers=viewer.headers, json=body), 403)[
            "detail"
        ]
    )


def test_console_home_page_renders(
    client: TestClient, session: Session, encryptor: KeyEncryptor
) -> None:
    make_party(session, encryptor, name="五常市稻花香水稻种植合作社", roles=["farm"])
    session.commit()
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "五常市稻花香水稻种植合作社" in page.text
    assert client.get("/static/app.css").status_code == 200
    # Every asset the page loads comes from this service: no scheme- or host-qualified URLs.
    loaded = re.findall(r'<(?:link|script|img)\b[^>]*\b(?:href|src)="([^"]+)"', page.text)
    assert "/static/app.css" in loaded
    assert all(url.startswith("/") and not url.startswith("//") for url in loaded)


def test_patch_endpoints_update_and_report_bad_fields(
    client: TestClient, session: Session, encryptor: KeyEncryptor
) -> None:
    member = brand_member(session, encryptor)
    brand = member.party
    body = product_body(brand)
    product = client.post("/products", headers=member.headers, json=body).json()
    resp = client.patch(
        f"/products/{product['gtin']}", headers=member.headers, json={"name": "五常米"}
    )
    assert resp.status_code == 200 and resp.json()["name"] == "五常米"
    assert_problem(
        client.patch(f"/products/{product['id']}", headers=member.headers, json={"gtin": "1"}),
        422,
        "gtin",
    )
    assert_problem(
        client.patch(f"/parties/{brand.id}", headers=member.headers, json={"roles": ["platform"]}),
        403,
    )
