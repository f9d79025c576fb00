"""Every query on signing keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.crypto.models import KeyStatus, SigningKey


class KeyRepository:
    """Reads and writes `signing_key` rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: SigningKey) -> SigningKey:
        """Stage a new key and flush so constraint violations surface here."""
        self.session.add(key)
        self.session.flush()
        return key

    def get(self, key_id: uuid.UUID) -> SigningKey | None:
        """The key with this id, if any."""
        return self.session.get(SigningKey, key_id)

    def active_for(self, owner_kind: str, owner_id: uuid.UUID) -> SigningKey | None:
        """The owner's one active key."""
        stmt = select(SigningKey).where(
            SigningKey.owner_kind == owner_kind,
            SigningKey.owner_id == owner_id,
            SigningKey.status == KeyStatus.ACTIVE,
        )
        return self.session.scalars(stmt).one_or_none()

    def all_for(self, owner_kind: str, owner_id: uuid.UUID) -> Sequence[SigningKey]:
        """Every key the owner ever had, oldest first."""
        stmt = (
            select(SigningKey)
            .where(SigningKey.owner_kind == owner_kind, SigningKey.owner_id == owner_id)
            .order_by(SigningKey.created_at, SigningKey.id)
        )
        return self.session.scalars(stmt).all()
