"""Evidence documents: content-addressed files, issuer statements on the log, verified serving."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.catalog import make_lot, make_product
from factories.epcis import document, shipping
from factories.identity import Member, make_member, make_party
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture import CaptureService
from livetrace.epcis.capture_errors import (
    DocumentExistsError,
    DocumentInputError,
    DocumentIntegrityError,
)
from livetrace.epcis.capture_input import CaptureLimits, receive_json
from livetrace.epcis.doc_models import EvidenceDocument, EvidenceLink
from livetrace.epcis.documents import ContentStore, DocumentService, Upload
from livetrace.identity.models import Party
from livetrace.ledger.reads import LogReader

ORIGIN = "documents.test/log"
REPORT = "检验报告 WC2026-001: 镉 < 0.05 mg/kg, 合格".encode()
LIMIT = 1 << 20


@pytest.fixture
def lab(session: Session, encryptor: KeyEncryptor) -> Party:
    """A testing laboratory with a signing key."""
    return make_party(session, encryptor, roles=["lab"])


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor, tmp_path: Path) -> DocumentService:
    """Documents stored under a temporary data directory."""
    return DocumentService(session, encryptor, ORIGIN, ContentStore(tmp_path))


def upload(data: bytes = REPORT, **fields: object) -> Upload:
    """A QC report upload."""
    values: dict[str, object] = {
        "data": data, "kind": "qc_report", "title": "大米重金属检验报告",
        "filename": "report.pdf", "media_type": "application/pdf",
    } | fields  # fmt: skip
    return Upload(**values)  # type: ignore[arg-type]


def test_upload_stores_the_file_by_hash_and_states_it_on_the_log(
    session: Session, service: DocumentService, lab: Party, tmp_path: Path
) -> None:
    product = make_product(session, make_party(session, KeyEncryptor.from_secret("s" * 40)))
    lot = make_lot(session, product)
    links = [("lot", str(lot.id)), ("product", str(product.id)), ("party", str(lab.id))]
    row = service.upload(lab.id, upload(links=links), max_bytes=LIMIT)
    path = tmp_path / "documents" / "sha256" / row.sha256[:2] / row.sha256[2:]
    assert path.read_bytes() == REPORT
    statement = LogReader(session).entry(row.log_index).statement
    assert statement.kind == "document" and statement.party_id == lab.id
    assert statement.body["sha256"] == row.sha256
    assert "filename" not in statement.body
    assert sorted(service.links(row.id)) == sorted(links)
    found = service.verified(row.sha256)
    assert found.data == REPORT


def test_serving_refuses_changed_bytes(
    service: DocumentService, lab: Party, tmp_path: Path
) -> None:
    row = service.upload(lab.id, upload(), max_bytes=LIMIT)
    service.store.path_for(row.sha256).write_bytes(REPORT + b" (edited)")
    with pytest.raises(DocumentIntegrityError, match="have changed"):
        service.verified(row.sha256)


def test_serving_refuses_a_statement_that_is_not_about_the_document(
    session: Session, service: DocumentService, lab: Party
) -> None:
    first = service.upload(lab.id, upload(), max_bytes=LIMIT)
    second = service.upload(lab.id, upload(b"another certificate"), max_bytes=LIMIT)
    taken, first.log_index = first.log_index, -1
    session.flush()
    second.log_index = taken  # the row now points at the statement about another document
    session.flush()
    with pytest.raises(DocumentIntegrityError, match="not the issuer's statement"):
        service.verified(second.sha256)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"data": b""}, "empty"),
        ({"kind": "selfie"}, "kind 'selfie'"),
        ({"title": " "}, "title"),
        ({"links": [("lot", "00000000-0000-4000-8000-000000000000")]}, "no lot"),
        ({"links": [("shop", "x")]}, "link kind 'shop'"),
    ],
)
def test_bad_uploads_store_nothing(
    session: Session, service: DocumentService, lab: Party, fields: dict[str, object], needle: str
) -> None:
    with pytest.raises(DocumentInputError, match=needle):
        service.upload(lab.id, upload(**fields), max_bytes=LIMIT)
    assert session.execute(select(EvidenceDocument)).first() is None


def test_the_same_bytes_twice_is_a_conflict(service: DocumentService, lab: Party) -> None:
    service.upload(lab.id, upload(), max_bytes=LIMIT)
    with pytest.raises(DocumentExistsError):
        service.upload(lab.id, upload(title="again"), max_bytes=LIMIT)


def test_certification_info_links_events_to_documents(
    session: Session, encryptor: KeyEncryptor, service: DocumentService, lab: Party
) -> None:
    row = service.upload(lab.id, upload(kind="certificate"), max_bytes=LIMIT)
    uri = f"https://trace.example.com/documents/{row.sha256}"
    event = {**shipping(1), "certificationInfo": uri}
    received = receive_json(document([event]), CaptureLimits(10, 1 << 20))
    outcome = CaptureService(session, encryptor, ORIGIN).capture(
        lab.id, received.envelope, received.events
    )
    assert outcome.problems == []
    link = session.execute(select(EvidenceLink).where(EvidenceLink.target_kind == "event")).scalar_one()  # fmt: skip
    assert (link.document_id, link.target) == (row.id, outcome.captured[0].event_id)


@pytest.fixture
def lab_member(session: Session, encryptor: KeyEncryptor, lab: Party) -> Member:
    """A member of the lab with read and write scopes."""
    return make_member(session, encryptor, lab)


def test_documents_over_http(
    client: TestClient, lab_member: Member, settings: Settings, session: Session
) -> None:
    files = {"file": ("report.pdf", REPORT, "application/pdf")}
    form = {"kind": "lab_result", "title": "农残检测", "link": [f"party:{lab_member.party.id}"]}
    r = client.post("/documents", files=files, data=form, headers=lab_member.headers)
    assert r.status_code == 201, r.text
    sha = r.json()["sha256"]
    assert r.headers["Location"] == f"/documents/{sha}"
    got = client.get(f"/documents/{sha}", headers=lab_member.headers)
    assert got.status_code == 200 and got.content == REPORT
    assert got.headers["content-type"] == "application/pdf"
    statement = client.get(f"/documents/{sha}/statement", headers=lab_member.headers).json()
    assert statement["statement"]["body"]["sha256"] == sha
    assert statement["statement"]["party"] == str(lab_member.party.id)
    ContentStore(settings.data_dir).path_for(sha).write_bytes(b"forged")
    tampered = client.get(f"/documents/{sha}", headers=lab_member.headers)
    assert tampered.status_code == 422
    assert tampered.json()["code"] == "document-integrity-failed"
    missing = client.get("/documents/" + "0" * 64, headers=lab_member.headers)
    assert missing.status_code == 404
