"""What every demo chain works with: the real services and the ids the setup created."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.repository import CodeRepository
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.service import CodeService, keyring_for
from livetrace.codes.states import CodeState
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo.data import RunSpec
from livetrace.demo.errors import DemoCaptureError
from livetrace.demo.events import CONTEXT, Clock
from livetrace.demo.repository import DemoRepository
from livetrace.epcis.capture import CapturedEvent, CaptureService
from livetrace.epcis.capture_input import Envelope
from livetrace.epcis.documents import ContentStore, DocumentService, Upload
from livetrace.identity.policy import SYSTEM
from livetrace.trace.wiring import capture_service


@dataclass
class Demo:
    """The session, settings and services a load uses, plus the ids it has created so far."""

    session: Session
    settings: Settings
    encryptor: KeyEncryptor
    clock: Clock
    parties: dict[str, uuid.UUID] = field(default_factory=dict)
    glns: dict[str, str] = field(default_factory=dict)
    products: dict[str, uuid.UUID] = field(default_factory=dict)
    lots: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    serials: dict[str, list[str]] = field(default_factory=dict)  # by RunSpec.key, issue order
    events: int = 0

    def __post_init__(self) -> None:
        self.capture_service: CaptureService = capture_service(
            self.session, self.encryptor, self.settings.log_origin
        )
        self.codes = CodeService(
            self.session, keyring_for(self.settings), base_url=self.settings.base_url
        )
        self.documents = DocumentService(
            self.session, self.encryptor, self.settings.log_origin,
            ContentStore(self.settings.data_dir),
        )  # fmt: skip

    def state(self, party: str, *events: dict[str, Any]) -> list[CapturedEvent]:
        """Capture events stated (and signed) by `party`; any refusal is a bug in the demo."""
        outcome = self.capture_service.capture(
            self.parties[party], Envelope(context=CONTEXT), list(events)
        )
        if outcome.problems:
            first = outcome.problems[0]
            raise DemoCaptureError(
                f"{party}: event {first.event_index} refused: {first.message}",
                field=first.path, details={"problems": [p.as_dict() for p in outcome.problems]},
            )  # fmt: skip
        self.events += len(outcome.captured)
        return outcome.captured

    def issue(self, spec: RunSpec) -> CodeRun:
        """Issue a run of item codes with random serials and move them to `printed`."""
        request = IssueRequest(product=spec.gtin, lot=spec.lot, count=spec.count, pairs=spec.pairs)
        run = self.codes.issue(SYSTEM, request)
        self.codes.transition_run(SYSTEM, run.id, CodeState.PRINTED)
        self.serials[spec.key] = DemoRepository(self.session).serials(spec)
        return run

    def items(self, spec: RunSpec) -> list[str]:
        """The serials a run was issued with, in issue order."""
        found = self.serials.get(spec.key)
        if not found:
            raise DemoCaptureError(f"the run {spec.key!r} is not issued yet", field="serial")
        return found

    def serial(self, spec: RunSpec, index: int) -> str:
        """The serial of one item of a run."""
        return self.items(spec)[index]

    def activate(self, run: CodeRun) -> None:
        """The labels of a run are on items that were commissioned."""
        self.codes.transition_run(SYSTEM, run.id, CodeState.ACTIVE)

    def code(self, gtin: str, serial: str) -> ItemCode:
        """The item code of a GTIN and serial."""
        found = CodeRepository(self.session).code_by_data(gtin, None, serial)
        if found is None:
            raise DemoCaptureError(f"no item code {gtin}/{serial}", field="serial")
        return found

    def set_state(self, gtin: str, serials: Sequence[str], state: CodeState) -> None:
        """Move single item codes on (sold, recalled)."""
        for serial in serials:
            self.codes.transition_code(SYSTEM, self.code(gtin, serial).id, state)

    def document(self, issuer: str, upload: Upload) -> str:
        """Store an evidence document signed by `issuer`; its URL, for certificationInfo."""
        row = self.documents.upload(
            self.parties[issuer], upload, max_bytes=self.settings.document_size_limit
        )
        return f"{self.settings.base_url.rstrip('/')}/documents/{row.sha256}"
