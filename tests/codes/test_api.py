"""The codes API end to end: issue, list, export, QR, verify, inspect, NFC; problem details."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from factories.codes import Catalog, make_catalog, tap_params
from factories.identity import Member, make_member, make_party
from livetrace.codes.export import csv_rows
from livetrace.crypto.keys import KeyEncryptor

PROBLEM = "application/problem+json"


@pytest.fixture
def catalog(session: Session, encryptor: KeyEncryptor) -> Catalog:
    made = make_catalog(session, encryptor)
    session.commit()
    return made


@pytest.fixture
def brand(session: Session, encryptor: KeyEncryptor, catalog: Catalog) -> Member:
    member = make_member(session, encryptor, catalog.brand)
    session.commit()
    return member


def problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = resp.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def issue(client: TestClient, brand: Member, catalog: Catalog, **fields: Any) -> dict[str, Any]:
    body = {"product": catalog.product.gtin, "lot": catalog.lot.lot_number, "count": 3} | fields
    resp = client.post("/codes/runs", headers=brand.headers, json=body)
    assert resp.status_code == 201, resp.text
    run: dict[str, Any] = resp.json()
    return run


def first_code(client: TestClient, brand: Member, run: dict[str, Any]) -> dict[str, Any]:
    page = client.get(f"/codes/runs/{run['id']}/codes", headers=brand.headers).json()
    code: dict[str, Any] = page["items"][0]
    return code


def test_issue_list_and_read_runs(client: TestClient, brand: Member, catalog: Catalog) -> None:
    run = issue(client, brand, catalog)
    assert run["count"] == 3 and run["states"] == {"issued": 3} and run["target"] == "qr"
    listed = client.get("/codes/runs", headers=brand.headers).json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    assert client.get(f"/codes/runs/{run['id']}", headers=brand.headers).json()["id"] == run["id"]
    codes = client.get(f"/codes/runs/{run['id']}/codes", headers=brand.headers).json()
    assert codes["total"] == 3 and all("?auth=1." in c["digital_link"] for c in codes["items"])


def test_issue_needs_a_token_and_write_scope(
    client: TestClient, session: Session, encryptor: KeyEncryptor, catalog: Catalog
) -> None:
    body = {"product": catalog.product.gtin, "lot": catalog.lot.lot_number, "count": 1}
    problem(client.post("/codes/runs", json=body), 401)
    reader = make_member(session, encryptor, catalog.brand, scopes=("read",))
    session.commit()
    problem(client.post("/codes/runs", headers=reader.headers, json=body), 403)
    stranger = make_member(session, encryptor, make_party(session, encryptor))
    session.commit()
    problem(client.post("/codes/runs", headers=stranger.headers, json=body), 404)


def test_bad_input_is_a_precise_problem_and_issues_nothing(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    gtin = catalog.product.gtin
    bad_gtin = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    cases = [
        ({"product": bad_gtin}, "invalid-catalog-data"),
        ({"lot": "LOT 1"}, "code-request-invalid"),
        ({"serials": ["12", "X1"], "target": "sgtin-96", "count": None}, "code-serial-invalid"),
    ]
    for fields, code in cases:
        body = {"product": gtin, "lot": catalog.lot.lot_number, "count": 2} | fields
        problem(client.post("/codes/runs", headers=brand.headers, json=body), 422, code)
    problem(
        client.post("/codes/runs", headers=brand.headers, json={"product": gtin, "lot": "L"}), 422
    )
    assert client.get("/codes/runs", headers=brand.headers).json()["total"] == 0


def test_exports_as_files(client: TestClient, brand: Member, catalog: Catalog) -> None:
    run = issue(client, brand, catalog, target="sgtin-96", pairs=True)
    url = f"/codes/runs/{run['id']}/export"
    resp = client.get(url, headers=brand.headers)
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = csv_rows(resp.text)
    assert len(rows) == 3 and all(r["hidden_code"] and r["epc_hex"] for r in rows)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(url + "?format=zip", headers=brand.headers).content)
    )
    assert json.loads(archive.read("manifest.json"))["rows"] == 3
    hexes = client.get(url + "?format=epc-hex", headers=brand.headers).text.split()
    assert hexes == [r["epc_hex"] for r in rows]
    pdf = client.get(url + "?format=pdf&layout=a4-2x5", headers=brand.headers)
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert all(f"(21) SN {r['serial']}" in text for r in rows)
    problem(
        client.get(url + "?format=pdf&layout=a5", headers=brand.headers),
        422,
        "code-request-invalid",
    )


def test_issue_with_the_csv_in_one_pass(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    body = {"product": catalog.product.gtin, "lot": catalog.lot.lot_number, "count": 7}
    resp = client.post("/codes/runs/csv", headers=brand.headers, json=body | {"pairs": True})
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    run = client.get(resp.headers["location"], headers=brand.headers).json()
    assert run["count"] == 7 and run["states"] == {"issued": 7}
    exported = client.get(f"/codes/runs/{run['id']}/export", headers=brand.headers)
    assert resp.content == exported.content and len(csv_rows(resp.text)) == 7
    bad = client.post("/codes/runs/csv", headers=brand.headers, json=body | {"lot": "NOSUCH"})
    problem(bad, 404)
    assert client.get("/codes/runs", headers=brand.headers).json()["total"] == 1


def test_epc_hex_export_of_a_qr_run_is_refused(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    run = issue(client, brand, catalog)
    resp = client.get(f"/codes/runs/{run['id']}/export?format=epc-hex", headers=brand.headers)
    problem(resp, 422, "code-request-invalid")


def test_qr_images_decode_and_verify_publicly(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    code = first_code(client, brand, issue(client, brand, catalog))
    png = client.get(f"/codes/items/{code['id']}/qr.png", headers=brand.headers)
    assert png.headers["content-type"] == "image/png"
    text = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))[0].text
    assert text == code["digital_link"]
    svg = client.get(f"/codes/items/{code['id']}/qr.svg", headers=brand.headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    verdict = client.post("/codes/verify", json={"uri": text}).json()
    assert (
        verdict["authentic"]
        and verdict["serial"] == code["serial"]
        and verdict["state"] == "issued"
    )


def test_forged_and_truncated_codes_are_rejected(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    link = first_code(client, brand, issue(client, brand, catalog))["digital_link"]
    head, _, tag = link.rpartition(".")
    forged = head + "." + ("B" if tag[0] == "A" else "A") + tag[1:]
    problem(client.post("/codes/verify", json={"uri": forged}), 422, "code-authenticator-mismatch")
    problem(
        client.post("/codes/verify", json={"uri": link[:-3]}), 422, "code-authenticator-malformed"
    )
    problem(
        client.post("/codes/verify", json={"uri": link.partition("?")[0]}),
        422,
        "code-authenticator-missing",
    )


def test_state_changes(client: TestClient, brand: Member, catalog: Catalog) -> None:
    run = issue(client, brand, catalog)
    moved = client.post(
        f"/codes/runs/{run['id']}/state", headers=brand.headers, json={"state": "printed"}
    )
    assert moved.json() == {"state": "printed", "changed": 3}
    code = first_code(client, brand, run)
    resp = client.post(
        f"/codes/items/{code['id']}/state", headers=brand.headers, json={"state": "sold"}
    )
    problem(resp, 409, "code-state-transition")
    resp = client.post(
        f"/codes/items/{code['id']}/state", headers=brand.headers, json={"state": "active"}
    )
    assert resp.json()["state"] == "active"


def test_inspect_is_public(client: TestClient) -> None:
    body = client.post("/codes/inspect", json={"text": "3074257BF7194E4000001A85"}).json()
    assert body["kind"] == "epc-hex" and body["forms"]["hri"] == "(01)80614141123458(21)6789"
    problem(client.post("/codes/inspect", json={"text": "(01)09520123456789"}), 422, "gs1-ai-value")


def test_nfc_registration_keys_and_taps(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    code = first_code(client, brand, issue(client, brand, catalog))
    key_set = client.post(
        "/codes/nfc/key-sets", headers=brand.headers, json={"party_id": str(catalog.brand.id)}
    )
    assert key_set.status_code == 201 and key_set.json()["version"] == 1
    uid = "04DE5F1EACC040"
    tag = client.post(
        "/codes/nfc/tags", headers=brand.headers, json={"uid": uid, "uri": code["digital_link"]}
    )
    assert tag.status_code == 201 and tag.json()["code_id"] == code["id"]
    keys = client.get(f"/codes/nfc/tags/{uid}/keys", headers=brand.headers).json()
    params = tap_params(
        bytes.fromhex(uid),
        42,
        bytes.fromhex(keys["meta_read_key"]),
        bytes.fromhex(keys["file_read_key"]),
    )
    result = client.get("/codes/nfc/tap", params=params).json()
    assert (
        result["counter"] == 42 and result["serial"] == code["serial"] and result["tap_count"] == 1
    )
    problem(client.get("/codes/nfc/tap", params=params), 422, "sun-replay")
    assert client.get(f"/codes/nfc/tags/{uid}", headers=brand.headers).json()["last_counter"] == 42


def test_retiring_an_nfc_key_set_refuses_its_tags(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    code = first_code(client, brand, issue(client, brand, catalog))
    key_set = client.post(
        "/codes/nfc/key-sets", headers=brand.headers, json={"party_id": str(catalog.brand.id)}
    ).json()
    uid = "04DE5F1EACC041"
    client.post("/codes/nfc/tags", headers=brand.headers, json={"uid": uid, "code_id": code["id"]})
    keys = client.get(f"/codes/nfc/tags/{uid}/keys", headers=brand.headers).json()
    meta, file = bytes.fromhex(keys["meta_read_key"]), bytes.fromhex(keys["file_read_key"])
    assert client.get(
        "/codes/nfc/tap", params=tap_params(bytes.fromhex(uid), 1, meta, file)
    ).is_success
    retire = f"/codes/nfc/key-sets/{key_set['id']}/retire"
    problem(client.post(retire), 401)
    retired = client.post(retire, headers=brand.headers)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    tap = client.get("/codes/nfc/tap", params=tap_params(bytes.fromhex(uid), 2, meta, file))
    body = problem(tap, 422, "nfc-key-set-retired")
    assert uid in body["detail"] and "version 1" in body["detail"]
    problem(client.post(retire, headers=brand.headers), 409, "nfc-key-set-already-retired")
    missing = "/codes/nfc/key-sets/00000000-0000-7000-8000-000000000000/retire"
    problem(client.post(missing, headers=brand.headers), 404, "nfc-key-set-not-found")


def test_scratch_off_sheet_of_a_paired_run_decodes_to_verifiable_hidden_codes(
    client: TestClient, brand: Member, catalog: Catalog
) -> None:
    run = issue(client, brand, catalog, pairs=True, count=4)
    url = f"/codes/runs/{run['id']}/export"
    rows = csv_rows(client.get(url, headers=brand.headers).text)
    pdf = client.get(url + "?format=scratch-pdf", headers=brand.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "http" not in text  # the public link stays off the hidden sheet
    hidden = re.findall(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", text)
    assert hidden == [row["hidden_code"] for row in rows]
    for row, code in zip(rows, hidden, strict=True):
        assert f"#{row['seq']} SN {row['serial']}" in text
        verdict = client.post(
            "/codes/verify", json={"uri": row["digital_link"], "hidden_code": code}
        )
        assert verdict.json()["hidden_code_checked"], verdict.text
    unpaired = issue(client, brand, catalog)
    resp = client.get(
        f"/codes/runs/{unpaired['id']}/export?format=scratch-pdf", headers=brand.headers
    )
    assert "without hidden codes" in problem(resp, 422, "code-request-invalid")["detail"]
