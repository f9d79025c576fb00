"""Key lifecycle: create, sign with, rotate, export public keys. Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from livetrace.crypto import keys
from livetrace.crypto.errors import ActiveKeyExistsError, KeyNotFoundError
from livetrace.crypto.models import KeyOwnerKind, KeyStatus, SigningKey
from livetrace.crypto.repository import KeyRepository
from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """The exportable half of a key."""

    key_id: uuid.UUID
    name: str
    algorithm: str
    public_key: bytes
    status: str
    created_at: datetime
    retired_at: datetime | None

    @property
    def public_key_b64(self) -> str:
        """Raw public key in base64."""
        return keys.b64(self.public_key)

    @property
    def public_key_pem(self) -> str:
        """SubjectPublicKeyInfo PEM."""
        return keys.public_key_pem(self.public_key)


class KeyService:
    """Creates and uses signing keys; private keys leave the database only inside a `Signer`."""

    def __init__(self, session: Session, encryptor: keys.KeyEncryptor) -> None:
        self.repo = KeyRepository(session)
        self.encryptor = encryptor

    def create(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID, name: str) -> PublicKeyInfo:
        """Generate the owner's first active key."""
        if self.repo.active_for(owner_kind, owner_id) is not None:
            raise ActiveKeyExistsError(f"{owner_kind} {owner_id} already has an active key")
        return _info(self._new_key(owner_kind, owner_id, name))

    def rotate(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID) -> PublicKeyInfo:
        """Retire the active key and make a new one; the old public key stays for verification."""
        current = self._active(owner_kind, owner_id)
        current.status = KeyStatus.RETIRED
        current.retired_at = utcnow()
        self.repo.session.flush()
        return _info(self._new_key(owner_kind, owner_id, current.name))

    def signer(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID) -> keys.Signer:
        """A signer holding the owner's active private key."""
        key = self._active(owner_kind, owner_id)
        private = self.encryptor.decrypt(key.sealed_private_key, bind_to=str(key.id))
        return keys.Signer(key_id=str(key.id), name=key.name, private_key=private)

    def public_keys(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID) -> list[PublicKeyInfo]:
        """Every public key of the owner, retired ones included."""
        return [_info(k) for k in self.repo.all_for(owner_kind, owner_id)]

    def _active(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID) -> SigningKey:
        key = self.repo.active_for(owner_kind, owner_id)
        if key is None:
            raise KeyNotFoundError(f"{owner_kind} {owner_id} has no active signing key")
        return key

    def _new_key(self, owner_kind: KeyOwnerKind, owner_id: uuid.UUID, name: str) -> SigningKey:
        key_id = new_id()
        private = keys.generate_private_key()
        return self.repo.add(
            SigningKey(
                id=key_id,
                owner_kind=owner_kind,
                owner_id=owner_id,
                name=name,
                public_key=keys.public_key_of(private),
                sealed_private_key=self.encryptor.encrypt(private, bind_to=str(key_id)),
                status=KeyStatus.ACTIVE,
            )
        )


def _info(key: SigningKey) -> PublicKeyInfo:
    return PublicKeyInfo(
        key_id=key.id,
        name=key.name,
        algorithm=key.algorithm,
        public_key=key.public_key,
        status=key.status,
        created_at=key.created_at,
        retired_at=key.retired_at,
    )
