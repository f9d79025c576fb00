"""API shapes of capture jobs and evidence documents (field names as the EPCIS binding spells them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livetrace.epcis.doc_models import EvidenceDocument
from livetrace.epcis.models import CaptureJob


class CaptureJobOut(BaseModel):
    """The EPCIS capture job document, plus event counts."""

    model_config = ConfigDict(populate_by_name=True)

    capture_id: str = Field(alias="captureID")
    running: bool
    success: bool
    capture_error_behaviour: str = Field(alias="captureErrorBehaviour")
    created_at: datetime = Field(alias="createdAt")
    finished_at: datetime | None = Field(default=None, alias="finishedAt")
    event_count: int = Field(alias="eventCount")
    captured_count: int = Field(alias="capturedCount")
    party_id: uuid.UUID = Field(alias="partyID")
    errors: list[dict[str, Any]]

    @classmethod
    def of(cls, job: CaptureJob) -> CaptureJobOut:
        """The document of a job row."""
        return cls(
            capture_id=str(job.id), running=job.running, success=bool(job.success),
            capture_error_behaviour=job.error_behaviour, created_at=job.created_at,
            finished_at=job.finished_at, event_count=job.event_count,
            captured_count=job.captured_count, party_id=job.party_id, errors=list(job.errors),
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        """JSON with the binding's field names."""
        return self.model_dump(mode="json", by_alias=True)


class DocumentOut(BaseModel):
    """An evidence document's description and where its statement is on the log."""

    sha256: str
    kind: str
    title: str
    filename: str
    media_type: str
    size: int
    issuer_party_id: uuid.UUID
    log_index: int
    created_at: datetime
    links: list[dict[str, str]] = Field(default_factory=list)

    @classmethod
    def of(cls, row: EvidenceDocument, links: list[tuple[str, str]]) -> DocumentOut:
        """The description of a document row and its links."""
        return cls(
            sha256=row.sha256, kind=row.kind, title=row.title, filename=row.filename,
            media_type=row.media_type, size=row.size, issuer_party_id=row.issuer_party_id,
            log_index=row.log_index, created_at=row.created_at,
            links=[{"kind": k, "target": t} for k, t in links],
        )  # fmt: skip
