"""The capture service with every read model this deployment keeps in step with capture."""

from __future__ import annotations

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture import CaptureService
from livetrace.epcis.documents import CertificationLinks
from livetrace.trace.projector import TraceProjector


def capture_service(session: Session, encryptor: KeyEncryptor, origin: str) -> CaptureService:
    """A capture service that links certificates and updates the trace projections."""
    return CaptureService(
        session, encryptor, origin, projectors=(CertificationLinks(), TraceProjector())
    )
