"""The projection tables of realistic captures, pinned to digests taken before any rewrite.

A projector rewrite must leave every row identical: these digests were taken from the tables
the first projector wrote. Event keys and log positions differ between runs and databases, so
rows are compared with event keys replaced by their log position and log positions counted from
the first event of the test.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.epcis import document, events
from factories.identity import make_party
from factories.ledger import ORIGIN
from factories.trace import build_rice
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture import Behaviour, CaptureService
from livetrace.epcis.capture_input import CaptureLimits, MediaKind, receive
from livetrace.epcis.documents import CertificationLinks
from livetrace.epcis.models import EpcisEventRow
from livetrace.trace.models import PROJECTION_TABLES
from livetrace.trace.projector import TraceProjector
from livetrace.trace.rebuild import rebuild, snapshot

RICE_DIGEST = "f8858f03cac01dc7c41575152b13b338ed45d343eec1a674d1e9fabbbfcea50b"
DOCUMENT_DIGEST = "54f934ef0f8e6eeb957468088dfaf7dc902241633d8cee9f88e1a693b13537ca"


def _digest(session: Session) -> str:
    """A digest of every projection row, independent of event keys and where the log started."""
    first = session.scalar(select(func.min(EpcisEventRow.log_index))) or 0
    positions = dict(session.execute(select(EpcisEventRow.id, EpcisEventRow.log_index)).all())

    def plain(name: str, value: Any) -> Any:
        if name == "group_key" and value.startswith("event:"):  # an event without transformationID
            value = uuid.UUID(value.removeprefix("event:"))
        if isinstance(value, uuid.UUID):
            return f"event {positions[value] - first}" if value in positions else "party"
        if isinstance(value, datetime):
            return value.isoformat()
        if name.endswith("log_index") and value is not None:
            return value - first
        return value

    tables: dict[str, list[str]] = {}
    for model, rows in zip(PROJECTION_TABLES, snapshot(session).values(), strict=True):
        names = [c.name for c in model.__table__.columns]
        tables[model.__tablename__] = sorted(
            json.dumps([plain(n, v) for n, v in zip(names, row, strict=True)], sort_keys=True)
            for row in rows
        )
    return hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


def _capture(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor, roles=["manufacturer"], company_prefix="6901234")
    capture = CaptureService(session, encryptor, ORIGIN,
                             projectors=(CertificationLinks(), TraceProjector()))  # fmt: skip
    limits = CaptureLimits(max_events=1_000, max_bytes=1 << 24)
    # One large document (a batch that inserts), then small ones (batches that update).
    for start, count in ((0, 80), (80, 8), (88, 8), (96, 8)):
        body = json.dumps(document(events(count, start=start))).encode()
        received = receive(body, MediaKind.JSON, limits)
        outcome = capture.capture(party.id, received.envelope, received.events,
                                  behaviour=Behaviour.ROLLBACK)  # fmt: skip
        assert not outcome.problems


def test_rice_chain_projections_are_unchanged(session: Session, encryptor: KeyEncryptor) -> None:
    build_rice(session, encryptor)
    assert _digest(session) == RICE_DIGEST
    rebuild(session)
    assert _digest(session) == RICE_DIGEST


def test_document_capture_projections_are_unchanged(
    session: Session, encryptor: KeyEncryptor
) -> None:
    _capture(session, encryptor)
    assert _digest(session) == DOCUMENT_DIGEST
    rebuild(session)
    assert _digest(session) == DOCUMENT_DIGEST
