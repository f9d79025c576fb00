"""Evidence documents: files stored by SHA-256, each described by a statement of its issuer.

Upload: the bytes go to `<data_dir>/documents/sha256/ab/cdef…` (written to a temporary name, then
renamed, so a reader never sees half a file), and a statement of kind `document` signed by the
issuing party (a lab, a brand) goes on the log with `{"sha256", "size", "mediaType", "kind",
"title", "links"}`; the file name stays off the log. If the transaction rolls back, the file stays
behind unreferenced: harmless, since its name is its content, and an upload of the same bytes
reuses it. Serving always re-hashes the bytes and verifies the statement and its signature.

Documents are linked to products, lots and parties at upload, and to events through
`certificationInfo`: a captured event whose certificationInfo names `…/documents/<sha256>` of a
stored document gets a link (`CertificationLinks`, a capture projector).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from livetrace.catalog.models import Lot, Product
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.epcis.capture_errors import (
    DocumentExistsError,
    DocumentInputError,
    DocumentIntegrityError,
    DocumentNotFoundError,
)
from livetrace.epcis.doc_models import EvidenceDocument, EvidenceLink
from livetrace.epcis.models import EpcisEventRow
from livetrace.epcis.writer import AcceptedEvent
from livetrace.identity.models import Party
from livetrace.kit.errors import LivetraceError
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogEntry, LogService
from livetrace.ledger.statements import (
    SignedStatement,
    decode_statement,
    key_fingerprint,
    new_statement,
    sign_statement,
    verify_statement,
)

STATEMENT_KIND = "document"
KINDS = frozenset({"qc_report", "lab_result", "certificate", "other"})
LINK_KINDS = frozenset({"product", "lot", "party", "event"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DOCUMENT_URI = re.compile(r"/documents/([0-9a-f]{64})(?:[/?#]|$)")


class ContentStore:
    """Files named by their SHA-256 under `<root>/documents/sha256/`."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "documents" / "sha256"

    def path_for(self, sha256: str) -> Path:
        """Where the bytes of `sha256` live."""
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store bytes (once) and return their SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(temp).replace(target)
        return digest

    def read(self, sha256: str) -> bytes:
        """The stored bytes, or DocumentIntegrityError if the file is gone."""
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise DocumentIntegrityError(
                f"the file of document {sha256} is missing from the content store"
            ) from None


@dataclass(frozen=True, slots=True)
class Upload:
    """An evidence upload: the bytes and what they are."""

    data: bytes
    kind: str
    title: str
    filename: str
    media_type: str
    links: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    """A document whose bytes, statement and signature were just checked."""

    row: EvidenceDocument
    data: bytes
    entry: LogEntry
    links: list[tuple[str, str]]


class DocumentService:
    """Stores, links and serves evidence documents. Never commits."""

    def __init__(
        self, session: Session, encryptor: KeyEncryptor, origin: str, store: ContentStore
    ) -> None:
        self.session = session
        self.encryptor = encryptor
        self.origin = origin
        self.store = store

    def upload(self, issuer_id: uuid.UUID, upload: Upload, *, max_bytes: int) -> EvidenceDocument:
        """Store the file and put the issuer's signed statement about it on the log."""
        links = _check_upload(upload, max_bytes)
        self._check_targets(links)
        digest = hashlib.sha256(upload.data).hexdigest()
        if self._row(digest) is not None:
            raise DocumentExistsError(f"document {digest} is already stored", field="file")
        self.store.put(upload.data)
        entry = self._state(issuer_id, _statement_body(digest, upload, links))
        row = EvidenceDocument(
            sha256=digest, kind=upload.kind, title=upload.title, filename=upload.filename,
            media_type=upload.media_type, size=len(upload.data), issuer_party_id=issuer_id,
            log_index=entry.index,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        self._link(row.id, links)
        return row

    def verified(self, sha256: str) -> VerifiedDocument:
        """The document with its bytes, after checking hash, statement and signature."""
        row = self._existing(sha256)
        data = self.store.read(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DocumentIntegrityError(f"the stored bytes of document {sha256} have changed")
        entry = LogReader(self.session).entry(row.log_index)
        self._check_statement(row, entry)
        return VerifiedDocument(row, data, entry, self.links(row.id))

    def links(self, document_id: uuid.UUID) -> list[tuple[str, str]]:
        """What a document is about, as (kind, target) pairs."""
        rows = self.session.execute(
            select(EvidenceLink.target_kind, EvidenceLink.target)
            .where(EvidenceLink.document_id == document_id)
            .order_by(EvidenceLink.target_kind, EvidenceLink.target)
        )
        return [(kind, target) for kind, target in rows]

    def _state(self, issuer_id: uuid.UUID, body: dict[str, Any]) -> LogEntry:
        signer = KeyService(self.session, self.encryptor).signer(KeyOwnerKind.PARTY, issuer_id)
        statement = new_statement(STATEMENT_KIND, issuer_id, signer.public_key, body)
        entries, _ = LogService(self.session, self.encryptor, self.origin).append_batch(
            [sign_statement(statement, signer)]
        )
        return entries[0]

    def _check_statement(self, row: EvidenceDocument, entry: LogEntry) -> None:
        statement = entry.statement
        body = statement.body if isinstance(statement.body, dict) else {}
        if (
            statement.kind != STATEMENT_KIND
            or statement.party_id != row.issuer_party_id
            or body.get("sha256") != row.sha256
        ):
            raise DocumentIntegrityError(
                f"log entry {row.log_index} is not the issuer's statement about document "
                f"{row.sha256}"
            )
        keys = KeyService(self.session, self.encryptor).public_keys(
            KeyOwnerKind.PARTY, row.issuer_party_id
        )
        public = next((k.public_key for k in keys if key_fingerprint(k.public_key) == statement.key), None)  # fmt: skip
        if public is None:
            raise DocumentIntegrityError(
                f"the statement about document {row.sha256} names key {statement.key}, which "
                "the issuer never had"
            )
        try:
            verify_statement(_signed(entry), public)
        except LivetraceError as exc:
            raise DocumentIntegrityError(
                f"the issuer's signature on document {row.sha256} does not verify: {exc.message}"
            ) from None

    def _row(self, sha256: str) -> EvidenceDocument | None:
        return self.session.execute(
            select(EvidenceDocument).where(EvidenceDocument.sha256 == sha256)
        ).scalar_one_or_none()

    def _existing(self, sha256: str) -> EvidenceDocument:
        if not _SHA256.fullmatch(sha256):
            raise DocumentInputError(
                "a document is named by the 64 lower-case hex digits of its SHA-256",
                field="sha256",
            )
        row = self._row(sha256)
        if row is None:
            raise DocumentNotFoundError(f"no document {sha256}", field="sha256")
        return row

    def _check_targets(self, links: Sequence[tuple[str, str]]) -> None:
        for kind, target in links:
            if not self._target_exists(kind, target):
                raise DocumentInputError(f"no {kind} {target!r} to link to", field="links")

    def _target_exists(self, kind: str, target: str) -> bool:
        if kind == "event":
            found = select(EpcisEventRow.id).where(EpcisEventRow.event_id == target)
            return self.session.execute(found).first() is not None
        model = {"product": Product, "lot": Lot, "party": Party}[kind]
        try:
            key = uuid.UUID(target)
        except ValueError:
            return False
        return self.session.get(model, key) is not None

    def _link(self, document_id: uuid.UUID, links: Iterable[tuple[str, str]]) -> None:
        rows = [{"document_id": document_id, "target_kind": k, "target": t} for k, t in links]
        if rows:
            self.session.execute(insert(EvidenceLink), rows)


def _signed(entry: LogEntry) -> SignedStatement:
    return decode_statement(entry.entry)


def _check_upload(upload: Upload, max_bytes: int) -> list[tuple[str, str]]:
    if not upload.data:
        raise DocumentInputError("the document is empty", field="file")
    if len(upload.data) > max_bytes:
        raise DocumentInputError(
            f"the document is {len(upload.data)} bytes; the limit is {max_bytes}", field="file"
        )
    if upload.kind not in KINDS:
        raise DocumentInputError(
            f"kind {upload.kind!r} is not one of {', '.join(sorted(KINDS))}", field="kind"
        )
    if not upload.title.strip() or len(upload.title) > 200:
        raise DocumentInputError("a title of 1 to 200 characters is required", field="title")
    for kind, _ in upload.links:
        if kind not in LINK_KINDS:
            raise DocumentInputError(
                f"link kind {kind!r} is not one of {', '.join(sorted(LINK_KINDS))}", field="links"
            )
    return sorted(set(upload.links))


def _statement_body(
    digest: str, upload: Upload, links: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    return {
        "sha256": digest, "size": len(upload.data), "mediaType": upload.media_type,
        "kind": upload.kind, "title": upload.title,
        "links": [{"kind": k, "target": t} for k, t in links],
    }  # fmt: skip


def parse_link(text: str) -> tuple[str, str]:
    """`kind:target` (e.g. `lot:3f…`, `event:urn:uuid:…`) as a pair."""
    kind, sep, target = text.partition(":")
    if not sep or not target:
        raise DocumentInputError(
            f"link {text!r} must be written kind:target, e.g. lot:<id>", field="links"
        )
    return kind.strip(), target.strip()


class CertificationLinks:
    """Capture projector: links events to the stored documents their certificationInfo names."""

    def apply(self, session: Session, accepted: Sequence[AcceptedEvent]) -> None:
        """Add a link for each certificationInfo URI that names a stored document."""
        wanted = [(a.event_id, d) for a in accepted for d in _named_documents(a)]
        if not wanted:
            return
        found = session.execute(
            select(EvidenceDocument.sha256, EvidenceDocument.id).where(
                EvidenceDocument.sha256.in_({d for _, d in wanted})
            )
        )
        ids = {row.sha256: row.id for row in found}
        rows = [
            {"document_id": ids[d], "target_kind": "event", "target": event_id}
            for event_id, d in dict.fromkeys(wanted)
            if d in ids
        ]
        if rows:
            session.execute(insert(EvidenceLink), rows)


def _named_documents(accepted: AcceptedEvent) -> list[str]:
    info = accepted.event.certification_info
    uris = [info] if isinstance(info, str) else list(info or ())
    return [m.group(1) for uri in uris if (m := _DOCUMENT_URI.search(uri))]
