"""The witness side of C2SP tlog-witness: check ``add-checkpoint`` and persist atomically.

``WitnessService.add_checkpoint`` locks the state row of the checkpoint's origin, decides with the
pure ``witness.add_checkpoint`` and stores the new size and root in the same transaction, so two
concurrent requests cannot both advance from the same old size (the spec's rollback race). The
caller commits only after the decision succeeded; any error rolls the whole step back.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from livetrace.crypto.errors import KeyNotFoundError
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.kit.clock import utcnow
from livetrace.ledger.cosignature import CosignatureSigner
from livetrace.ledger.errors import WitnessUnknownOriginError
from livetrace.ledger.note import Verifier
from livetrace.ledger.repository import WitnessStateRepository
from livetrace.ledger.witness import Cosigned, WitnessState, add_checkpoint, parse_add_checkpoint

_WITNESS_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://livetrace.dev/witness")


def witness_key_owner(name: str) -> uuid.UUID:
    """The owner id under which the key of witness ``name`` is stored."""
    return uuid.uuid5(_WITNESS_KEY_NAMESPACE, name)


def witness_signer(session: Session, encryptor: KeyEncryptor, name: str) -> CosignatureSigner:
    """The witness's cosigning key (created, sealed in the database, on first use)."""
    keys = KeyService(session, encryptor)
    owner = witness_key_owner(name)
    try:
        signer = keys.signer(KeyOwnerKind.WITNESS, owner)
    except KeyNotFoundError:
        keys.create(KeyOwnerKind.WITNESS, owner, name)
        signer = keys.signer(KeyOwnerKind.WITNESS, owner)
    return CosignatureSigner(name, signer)


class WitnessService:
    """Cosigns checkpoints of the logs it follows, never two inconsistent ones."""

    def __init__(
        self,
        session: Session,
        *,
        known_logs: Mapping[str, Sequence[Verifier]],
        signer: CosignatureSigner,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repo = WitnessStateRepository(session)
        self.session = session
        self.known_logs = known_logs
        self.signer = signer
        self.clock = clock

    def add_checkpoint(self, body: str | bytes) -> Cosigned:
        """Handle one ``add-checkpoint`` body: cosign and persist, or raise the spec's error."""
        request = parse_add_checkpoint(body)
        origin = request.checkpoint.origin
        if not self.known_logs.get(origin):
            raise WitnessUnknownOriginError(f"unknown log origin {origin!r}", field="origin")
        row = self.repo.lock(origin)
        result = add_checkpoint(
            request,
            known_logs=self.known_logs,
            stored=WitnessState(row.size, row.root_hash),
            signers=[self.signer],
            timestamp=int(self.clock()),
        )
        row.size, row.root_hash, row.updated_at = (
            result.state.size,
            result.state.root_hash,
            utcnow(),
        )
        self.session.flush()
        return result
