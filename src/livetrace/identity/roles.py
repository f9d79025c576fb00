"""Vocabularies of the identity package: party roles, member roles, token scopes."""

from __future__ import annotations

from enum import StrEnum


class PartyRole(StrEnum):
    """What an organisation does in the chain; a party may hold several roles."""

    BRAND = "brand"
    SUPPLIER = "supplier"
    FARM = "farm"
    MANUFACTURER = "manufacturer"
    LAB = "lab"
    WAREHOUSE = "warehouse"
    CARRIER = "carrier"
    RETAILER = "retailer"
    PLATFORM = "platform"
    STREAMER = "streamer"
    REGULATOR = "regulator"


class MemberRole(StrEnum):
    """A person's role inside their party."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


class Scope(StrEnum):
    """What a token may do. A token never holds more than its member role allows."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


ROLE_SCOPES: dict[MemberRole, frozenset[Scope]] = {
    MemberRole.ADMIN: frozenset(Scope),
    MemberRole.OPERATOR: frozenset({Scope.READ, Scope.WRITE}),
    MemberRole.VIEWER: frozenset({Scope.READ}),
}

# Parties whose members may read every party's data; only the platform may also change it.
OVERSEER_ROLES = frozenset({PartyRole.PLATFORM, PartyRole.REGULATOR})
