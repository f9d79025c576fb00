"""Who may do what: the one place access rules live."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from livetrace.identity.errors import AccessDeniedError
from livetrace.identity.roles import OVERSEER_ROLES, PartyRole, Scope


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a member of a party acting through a token's scopes."""

    party_id: uuid.UUID | None
    party_roles: frozenset[PartyRole]
    scopes: frozenset[Scope]
    user_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None
    label: str = field(default="")

    @property
    def is_system(self) -> bool:
        """The local operator (CLI): no party, every right."""
        return self.party_id is None

    @property
    def is_overseer(self) -> bool:
        """Platform and regulator members read every party's data."""
        return self.is_system or bool(self.party_roles & OVERSEER_ROLES)

    @property
    def is_platform(self) -> bool:
        """The deployment's operator."""
        return self.is_system or PartyRole.PLATFORM in self.party_roles


SYSTEM = Principal(party_id=None, party_roles=frozenset(), scopes=frozenset(Scope), label="system")


def require_scope(principal: Principal, scope: Scope) -> None:
    """Raise unless the caller's token carries `scope`."""
    if scope not in principal.scopes:
        raise AccessDeniedError(f"this action needs the `{scope}` scope", field="scopes")


def can_read(principal: Principal, party_id: uuid.UUID) -> bool:
    """Own party, or an overseer."""
    return principal.is_overseer or principal.party_id == party_id


def require_read(principal: Principal, party_id: uuid.UUID) -> None:
    """Raise unless the caller may read the party's data."""
    require_scope(principal, Scope.READ)
    if not can_read(principal, party_id):
        raise AccessDeniedError("this belongs to another party")


def require_write(principal: Principal, party_id: uuid.UUID) -> None:
    """Own party with `write`, or the platform with `write`. Regulators only read."""
    require_scope(principal, Scope.WRITE)
    if not (principal.is_platform or principal.party_id == party_id):
        raise AccessDeniedError("only the owning party or the platform may change this")


def require_admin(principal: Principal, party_id: uuid.UUID) -> None:
    """Own party with `admin` (people and tokens), or the platform with `admin`."""
    require_scope(principal, Scope.ADMIN)
    if not (principal.is_platform or principal.party_id == party_id):
        raise AccessDeniedError("only the party's admins or the platform may manage this")


def require_platform_admin(principal: Principal) -> None:
    """Admitting new parties is the platform's job."""
    require_scope(principal, Scope.ADMIN)
    if not principal.is_platform:
        raise AccessDeniedError("only the platform may admit parties")
