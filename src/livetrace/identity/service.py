"""Identity logic: admitting parties, members, tokens and locations. Never commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService, PublicKeyInfo
from livetrace.gs1 import keys as gs1_keys
from livetrace.gs1.errors import Gs1Error
from livetrace.identity import geo, policy
from livetrace.identity.errors import (
    AccessDeniedError,
    DuplicateError,
    InvalidPartyDataError,
    InvalidTokenError,
    LocationNotFoundError,
    PartyNotFoundError,
    TokenNotFoundError,
    UserNotFoundError,
)
from livetrace.identity.models import ApiToken, Location, Party, PartyRoleGrant, User
from livetrace.identity.policy import Principal
from livetrace.identity.repository import IdentityRepository
from livetrace.identity.roles import ROLE_SCOPES, MemberRole, PartyRole, Scope
from livetrace.identity.schemas import (
    LocationCreate,
    LocationUpdate,
    PartyCreate,
    PartyUpdate,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from livetrace.kit.clock import utcnow
from livetrace.kit.pagination import Page, PageRequest

LAST_USED_GRANULARITY = timedelta(minutes=5)
TOKEN_PREFIX = "lt"  # noqa: S105 - a public marker, not a secret
_TOKEN_RE = re.compile(r"^lt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_PREFIX_RE = re.compile(r"^\d{4,12}$")
_EXTENSION_RE = re.compile(r"^[!-~]{1,20}$")  # AI 254: GS1 AI encodable character set 82


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its one-time secret."""

    record: ApiToken
    token: str


def _hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough: no dictionary to guess from.
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _valid_gln(value: str, field: str) -> str:
    try:
        return gs1_keys.validate_gln(value)
    except Gs1Error as exc:
        raise InvalidPartyDataError(str(exc), field=field) from exc


class IdentityService:
    """Parties, people, tokens and locations, with access checks applied."""

    def __init__(self, session: Session, encryptor: KeyEncryptor) -> None:
        self.repo = IdentityRepository(session)
        self.keys = KeyService(session, encryptor)

    # -- parties -----------------------------------------------------------------------------

    def create_party(self, principal: Principal, data: PartyCreate) -> Party:
        """Admit an organisation and give it a signing key."""
        policy.require_platform_admin(principal)
        self._check_party_fields(data)
        if self.repo.party_by_name(data.name) is not None:
            raise DuplicateError(f"a party named {data.name!r} exists", field="name")
        if data.gln and self.repo.party_by_gln(data.gln) is not None:
            raise DuplicateError(f"GLN {data.gln} belongs to another party", field="gln")
        party = Party(
            name=data.name,
            company_prefix=data.company_prefix,
            gln=data.gln,
            region_code=data.region_code,
            latitude=data.latitude,
            longitude=data.longitude,
            roles=[PartyRoleGrant(role=str(r)) for r in sorted(set(data.roles))],
        )
        self.repo.add(party)
        self.keys.create(KeyOwnerKind.PARTY, party.id, name=party.name)
        return party

    def get_party(self, principal: Principal, party_id: uuid.UUID) -> Party:
        """A party the caller may see."""
        party = self.repo.party(party_id)
        if party is None or not policy.can_read(principal, party_id):
            raise PartyNotFoundError(f"no party {party_id}", field="party_id")
        policy.require_scope(principal, Scope.READ)
        return party

    def find_party(self, principal: Principal, ref: str) -> Party:
        """A party by id, name or GLN (for the CLI and imports)."""
        party = self.repo.party_by_name(ref) or self.repo.party_by_gln(ref)
        if party is None:
            try:
                party = self.repo.party(uuid.UUID(ref))
            except ValueError:
                party = None
        if party is None:
            raise PartyNotFoundError(f"no party with id, name or GLN {ref!r}", field="party")
        return self.get_party(principal, party.id)

    def list_parties(
        self, principal: Principal, page: PageRequest, role: PartyRole | None = None
    ) -> Page[Party]:
        """Every party for overseers; one's own party otherwise."""
        policy.require_scope(principal, Scope.READ)
        only = None if principal.is_overseer else principal.party_id
        return self.repo.parties(page, only=only, role=str(role) if role else None)

    def party_keys(self, party_id: uuid.UUID) -> list[PublicKeyInfo]:
        """A party's public keys, retired ones included. Public keys are public."""
        party = self.repo.party(party_id)
        if party is None:
            raise PartyNotFoundError(f"no party {party_id}", field="party_id")
        return self.keys.public_keys(KeyOwnerKind.PARTY, party_id)

    def rotate_party_key(self, principal: Principal, party_id: uuid.UUID) -> PublicKeyInfo:
        """Replace the party's signing key; the old one keeps verifying what it signed."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        return self.keys.rotate(KeyOwnerKind.PARTY, party_id)

    def update_party(self, principal: Principal, party_id: uuid.UUID, data: PartyUpdate) -> Party:
        """Change region, coordinates, roles or the active flag (roles and activity: platform only)."""
        party = self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        changes = data.model_dump(exclude_unset=True)
        if ("roles" in changes or "active" in changes) and not principal.is_platform:
            raise AccessDeniedError("only the platform may change roles or deactivate a party")
        if changes.get("region_code") is not None:
            geo.validate_region_code(changes["region_code"])
        lat = changes.get("latitude", party.latitude)
        lon = changes.get("longitude", party.longitude)
        geo.validate_coordinates(lat, lon)
        if changes.get("roles") is not None:
            party.roles = [PartyRoleGrant(role=str(r)) for r in sorted(set(changes.pop("roles")))]
        changes.pop("roles", None)
        for key, value in changes.items():
            setattr(party, key, value)
        self.repo.session.flush()
        return party

    def _check_party_fields(self, data: PartyCreate) -> None:
        if data.company_prefix is not None and not _PREFIX_RE.match(data.company_prefix):
            raise InvalidPartyDataError(
                "GS1 company prefix must be 4 to 12 digits", field="company_prefix"
            )
        if data.gln is not None:
            _valid_gln(data.gln, "gln")
            if data.company_prefix and not data.gln.startswith(data.company_prefix):
                raise InvalidPartyDataError(
                    f"GLN {data.gln} does not start with the company prefix {data.company_prefix}",
                    field="gln",
                )
        if data.region_code is not None:
            geo.validate_region_code(data.region_code)
        geo.validate_coordinates(data.latitude, data.longitude)

    # -- people and tokens -------------------------------------------------------------------

    def add_user(self, principal: Principal, party_id: uuid.UUID, data: UserCreate) -> User:
        """Add a member to a party."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        email = str(data.email).lower()
        if self.repo.user_by_email(email) is not None:
            raise DuplicateError(f"e-mail {email} is already registered", field="email")
        return self.repo.add(
            User(party_id=party_id, name=data.name, email=email, role=str(data.role))
        )

    def update_user(
        self, principal: Principal, party_id: uuid.UUID, user_id: uuid.UUID, data: UserUpdate
    ) -> User:
        """Change a member's name, role or active flag; tokens follow the new role at once."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        user = self.repo.user(user_id)
        if user is None or user.party_id != party_id:
            raise UserNotFoundError(f"no user {user_id} in this party", field="user_id")
        for key, value in data.model_dump(exclude_unset=True).items():
            if value is None:
                raise InvalidPartyDataError(f"{key} cannot be null", field=key)
            setattr(user, key, str(value) if key == "role" else value)
        self.repo.session.flush()
        return user

    def list_users(self, principal: Principal, party_id: uuid.UUID) -> list[User]:
        """Members of a party."""
        self.get_party(principal, party_id)
        return list(self.repo.users(party_id))

    def issue_token(
        self, principal: Principal, party_id: uuid.UUID, data: TokenCreate
    ) -> IssuedToken:
        """Create a token for a member; scopes may not exceed the member's role."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        user = self.repo.user(data.user_id)
        if user is None or user.party_id != party_id:
            raise UserNotFoundError(f"no user {data.user_id} in this party", field="user_id")
        allowed = ROLE_SCOPES[MemberRole(user.role)]
        excess = sorted(set(data.scopes) - allowed)
        if excess:
            raise InvalidPartyDataError(
                f"a {user.role} may not hold scopes {', '.join(excess)}", field="scopes"
            )
        if data.expires_at is not None and data.expires_at <= utcnow():
            raise InvalidPartyDataError("expiry must lie in the future", field="expires_at")
        lookup, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        record = self.repo.add(
            ApiToken(
                user_id=user.id,
                party_id=party_id,
                name=data.name,
                lookup=lookup,
                secret_hash=_hash_secret(secret),
                scopes=sorted(str(s) for s in set(data.scopes)),
                expires_at=data.expires_at,
            )
        )
        return IssuedToken(record=record, token=f"{TOKEN_PREFIX}_{lookup}_{secret}")

    def list_tokens(self, principal: Principal, party_id: uuid.UUID) -> list[ApiToken]:
        """A party's tokens (metadata only)."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        return list(self.repo.tokens(party_id))

    def revoke_token(
        self, principal: Principal, party_id: uuid.UUID, token_id: uuid.UUID
    ) -> ApiToken:
        """Revoke a token at once; revoking twice is harmless."""
        self.get_party(principal, party_id)
        policy.require_admin(principal, party_id)
        token = self.repo.token(token_id)
        if token is None or token.party_id != party_id:
            raise TokenNotFoundError(f"no token {token_id} in this party", field="token_id")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            self.repo.session.flush()
        return token

    def authenticate(self, bearer: str, *, now: datetime | None = None) -> Principal:
        """Turn a bearer token into a principal, or raise `InvalidTokenError`."""
        match = _TOKEN_RE.match(bearer.strip())
        if match is None:
            raise InvalidTokenError("malformed API token")
        found = self.repo.token_with_owner(match.group(1))
        expected = found[0].secret_hash if found else _hash_secret("x")
        if found is None or not hmac.compare_digest(expected, _hash_secret(match.group(2))):
            raise InvalidTokenError("unknown API token")
        token, user, party = found
        now = now or utcnow()
        if token.revoked_at is not None:
            raise InvalidTokenError("this API token was revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise InvalidTokenError("this API token has expired")
        if not user.active or not party.active:
            raise InvalidTokenError("the token's user or party is no longer active")
        # Coarse bookkeeping: a read request should not become a database write every time.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            token.last_used_at = now
        # A member whose role was lowered keeps only the scopes the new role allows.
        scopes = frozenset(Scope(s) for s in token.scopes) & ROLE_SCOPES[MemberRole(user.role)]
        return Principal(
            party_id=party.id,
            party_roles=frozenset(PartyRole(r) for r in party.role_names),
            scopes=scopes,
            user_id=user.id,
            token_id=token.id,
            label=f"{user.email}@{party.name}",
        )

    # -- locations ---------------------------------------------------------------------------

    def create_location(
        self, principal: Principal, party_id: uuid.UUID, data: LocationCreate
    ) -> Location:
        """Register a place owned by the party."""
        self.get_party(principal, party_id)
        policy.require_write(principal, party_id)
        _valid_gln(data.gln, "gln")
        if not _EXTENSION_RE.match(data.extension):
            raise InvalidPartyDataError(
                "GLN extension must be 1-20 printable ASCII characters (AI 254)", field="extension"
            )
        if data.region_code is not None:
            geo.validate_region_code(data.region_code)
        geo.validate_coordinates(data.latitude, data.longitude)
        if self.repo.location_by_gln(data.gln, data.extension) is not None:
            raise DuplicateError(
                f"location {data.gln} extension {data.extension} exists", field="gln"
            )
        return self.repo.add(Location(party_id=party_id, **data.model_dump()))

    def update_location(
        self, principal: Principal, location_id: uuid.UUID, data: LocationUpdate
    ) -> Location:
        """Change a location's name, kind, coordinates, region or attributes."""
        location = self.get_location(principal, location_id)
        policy.require_write(principal, location.party_id)
        changes = data.model_dump(exclude_unset=True)
        if changes.get("region_code") is not None:
            geo.validate_region_code(changes["region_code"])
        geo.validate_coordinates(
            changes.get("latitude", location.latitude), changes.get("longitude", location.longitude)
        )
        for key in ("name", "kind", "attributes"):
            if key in changes and changes[key] is None:
                raise InvalidPartyDataError(f"{key} cannot be null", field=key)
        for key, value in changes.items():
            setattr(location, key, value)
        self.repo.session.flush()
        return location

    def get_location(self, principal: Principal, location_id: uuid.UUID) -> Location:
        """A location the caller may see."""
        location = self.repo.location(location_id)
        if location is None or not policy.can_read(principal, location.party_id):
            raise LocationNotFoundError(f"no location {location_id}", field="location_id")
        return location

    def list_locations(
        self, principal: Principal, page: PageRequest, party_id: uuid.UUID | None = None
    ) -> Page[Location]:
        """Locations the caller may see, optionally of one party."""
        policy.require_scope(principal, Scope.READ)
        if not principal.is_overseer:
            if party_id is not None and party_id != principal.party_id:
                raise PartyNotFoundError(f"no party {party_id}", field="party_id")
            party_id = principal.party_id
        return self.repo.locations(page, party_id=party_id)
