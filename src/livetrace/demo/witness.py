"""The demo's witness: a C2SP tlog-witness run in-process, cosigning the log's latest checkpoint.

A real deployment pushes checkpoints over HTTP to witnesses run by others (`livetrace witness
serve`); the demo runs the same `WitnessService` in the same database, through the same
`CosigningService` the log uses, so the cosignatures are the real thing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo.context import Demo
from livetrace.demo.errors import DemoError
from livetrace.ledger.service import LogKeys
from livetrace.ledger.witness_client import CosigningService, WitnessTarget
from livetrace.ledger.witness_service import WitnessService, witness_signer

WITNESS_NAME = "witness.livetrace-demo.example"


class InProcessWitness:
    """A `WitnessClient` that hands the request body straight to a `WitnessService`."""

    def __init__(self, service: WitnessService) -> None:
        self.service = service

    def add_checkpoint(self, body: str) -> str:
        """Cosign (or refuse, raising the spec's error) like the HTTP witness would."""
        return self.service.add_checkpoint(body).response_body()


def witness_vkey(session: Session, encryptor: KeyEncryptor) -> str:
    """The demo witness's cosignature verifier key (created on first use)."""
    return witness_signer(session, encryptor, WITNESS_NAME).verifier().vkey()


def cosign(demo: Demo) -> int:
    """Have the demo witness cosign the latest checkpoint; returns its size."""
    origin = demo.settings.log_origin
    signer = witness_signer(demo.session, demo.encryptor, WITNESS_NAME)
    service = WitnessService(
        demo.session,
        known_logs={origin: LogKeys(demo.session, demo.encryptor, origin).verifiers()},
        signer=signer,
    )
    target = WitnessTarget(WITNESS_NAME, signer.verifier(), InProcessWitness(service))
    result = CosigningService(demo.session, [target]).push_latest()[0]
    if not result.ok:
        raise DemoError(f"the demo witness refused checkpoint {result.size}: {result.detail}")
    return result.size
