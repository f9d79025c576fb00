"""Every query of the identity package."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.identity.models import ApiToken, Location, Party, PartyRoleGrant, User
from livetrace.kit.pagination import Page, PageRequest
from livetrace.store.base import Base
from livetrace.store.paging import paginate

M = TypeVar("M", bound=Base)


class IdentityRepository:
    """Reads and writes parties, users, tokens and locations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: M) -> M:
        """Stage a row and flush so unique violations surface now."""
        self.session.add(obj)
        self.session.flush()
        return obj

    def party(self, party_id: uuid.UUID) -> Party | None:
        """A party by id."""
        return self.session.get(Party, party_id)

    def party_by_name(self, name: str) -> Party | None:
        """A party by its unique name."""
        return self.session.scalars(select(Party).where(Party.name == name)).one_or_none()

    def party_by_gln(self, gln: str) -> Party | None:
        """A party by its GLN."""
        return self.session.scalars(select(Party).where(Party.gln == gln)).one_or_none()

    def parties(
        self, page: PageRequest, *, only: uuid.UUID | None = None, role: str | None = None
    ) -> Page[Party]:
        """Parties ordered by name; `only` restricts to one (non-overseer callers)."""
        stmt = select(Party)
        if only is not None:
            stmt = stmt.where(Party.id == only)
        if role is not None:
            stmt = stmt.where(
                Party.id.in_(select(PartyRoleGrant.party_id).where(PartyRoleGrant.role == role))
            )
        return paginate(self.session, stmt.order_by(Party.name), page)

    def user(self, user_id: uuid.UUID) -> User | None:
        """A user by id."""
        return self.session.get(User, user_id)

    def user_by_email(self, email: str) -> User | None:
        """A user by e-mail (unique across the deployment)."""
        return self.session.scalars(select(User).where(User.email == email)).one_or_none()

    def users(self, party_id: uuid.UUID) -> Sequence[User]:
        """Members of a party."""
        return self.session.scalars(
            select(User).where(User.party_id == party_id).order_by(User.name)
        ).all()

    def token(self, token_id: uuid.UUID) -> ApiToken | None:
        """A token by id."""
        return self.session.get(ApiToken, token_id)

    def token_with_owner(self, lookup: str) -> tuple[ApiToken, User, Party] | None:
        """A token with its user and party in one round trip (the hot path of every request)."""
        stmt = (
            select(ApiToken, User, Party)
            .join(User, User.id == ApiToken.user_id)
            .join(Party, Party.id == ApiToken.party_id)
            .where(ApiToken.lookup == lookup)
        )
        row = self.session.execute(stmt).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def tokens(self, party_id: uuid.UUID) -> Sequence[ApiToken]:
        """A party's tokens, newest first."""
        stmt = (
            select(ApiToken)
            .where(ApiToken.party_id == party_id)
            .order_by(ApiToken.created_at.desc())
        )
        return self.session.scalars(stmt).all()

    def location(self, location_id: uuid.UUID) -> Location | None:
        """A location by id."""
        return self.session.get(Location, location_id)

    def location_by_gln(self, gln: str, extension: str) -> Location | None:
        """A location by GLN and extension."""
        stmt = select(Location).where(Location.gln == gln, Location.extension == extension)
        return self.session.scalars(stmt).one_or_none()

    def locations(self, page: PageRequest, *, party_id: uuid.UUID | None = None) -> Page[Location]:
        """Locations ordered by name, optionally of one party."""
        stmt = select(Location)
        if party_id is not None:
            stmt = stmt.where(Location.party_id == party_id)
        return paginate(self.session, stmt.order_by(Location.name, Location.id), page)
