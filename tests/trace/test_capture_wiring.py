"""The projector wired into the real capture service, with a real error declaration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.identity import make_party
from factories.ledger import ORIGIN
from factories.trace import CONTEXT, at, gtin_of_prefix, pack, sgtin, sscc
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture import CaptureService
from livetrace.epcis.documents import CertificationLinks
from livetrace.trace.models import Containment
from livetrace.trace.projector import TraceProjector
from livetrace.trace.rebuild import rebuild, snapshot


def _open(session: Session, child: str) -> list[str]:
    return list(session.scalars(select(Containment.parent_epc).where(
        Containment.child_epc == child, Containment.unpack_log_index.is_(None))))  # fmt: skip


def test_capture_runs_the_projector_and_honours_declarations(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor, roles=["manufacturer"], company_prefix="6905678")
    capture = CaptureService(session, encryptor, ORIGIN,
                             projectors=(CertificationLinks(), TraceProjector()))  # fmt: skip
    item, right, wrong = (
        sgtin(gtin_of_prefix("6905678", 2), 1),
        sscc("6905678", 701),
        sscc("6905678", 702),
    )

    def send(event: dict[str, Any]) -> None:
        capture.capture_event(party.id, {"@context": CONTEXT, **event})

    send(pack(right, [item], at(1), 2))
    mistaken = pack(wrong, [item], at(2), 2) | {
        "eventID": "urn:uuid:6b1f1a0e-0000-4000-8000-000000000001"
    }
    send(mistaken)
    assert _open(session, item) == [wrong]
    send(mistaken | {"errorDeclaration": {"declarationTime": at(3), "reason": "incorrect_data"}})
    assert _open(session, item) == [right]
    before = snapshot(session)
    rebuild(session)
    assert snapshot(session) == before
