"""Builders for parties, members and tokens."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import PartyCreate, TokenCreate, UserCreate
from livetrace.identity.service import IdentityService

_seq = itertools.count(1)


def gln_for(prefix: str, n: int = 0) -> str:
    """A valid GLN under a company prefix."""
    body = prefix + str(n).zfill(12 - len(prefix))
    return with_check_digit(body)


def make_party(session: Session, encryptor: KeyEncryptor, **fields: Any) -> Party:
    """A party with unique defaults; override any field."""
    n = next(_seq)
    prefix = fields.pop("company_prefix", f"69{n:05d}")
    data = {
        "name": f"Party {n}",
        "roles": ["brand"],
        "company_prefix": prefix,
        "gln": gln_for(prefix),
        "region_code": "230184",
    } | fields
    return IdentityService(session, encryptor).create_party(
        SYSTEM, PartyCreate.model_validate(data)
    )


@dataclass
class Member:
    """A party member with a bearer token."""

    party: Party
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header for the test client."""
        return {"Authorization": f"Bearer {self.token}"}


def make_member(
    session: Session,
    encryptor: KeyEncryptor,
    party: Party,
    *,
    role: str = "admin",
    scopes: tuple[str, ...] = ("read", "write", "admin"),
) -> Member:
    """A member of `party` with a token of the given scopes."""
    svc = IdentityService(session, encryptor)
    n = next(_seq)
    user = svc.add_user(
        SYSTEM, party.id, UserCreate(name=f"User {n}", email=f"user{n}@example.com", role=role)
    )
    issued = svc.issue_token(
        SYSTEM, party.id, TokenCreate(user_id=user.id, name="test", scopes=list(scopes))
    )
    return Member(party=party, token=issued.token)
