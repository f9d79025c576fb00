"""Parties, members, tokens, keys and locations."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from livetrace.api.deps import ContextDep, PageDep, PrincipalDep, SessionDep
from livetrace.api.schemas import PageOut
from livetrace.crypto.service import PublicKeyInfo
from livetrace.identity.roles import PartyRole
from livetrace.identity.schemas import (
    LocationCreate,
    LocationOut,
    LocationUpdate,
    PartyCreate,
    PartyOut,
    PartyUpdate,
    PublicKeyOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from livetrace.identity.service import IdentityService

router = APIRouter(tags=["identity"])


def _svc(session: SessionDep, ctx: ContextDep) -> IdentityService:
    return IdentityService(session, ctx.encryptor)


def _key_out(info: PublicKeyInfo) -> PublicKeyOut:
    return PublicKeyOut(
        key_id=info.key_id,
        name=info.name,
        algorithm=info.algorithm,
        public_key=info.public_key_b64,
        public_key_pem=info.public_key_pem,
        status=info.status,
        created_at=info.created_at,
        retired_at=info.retired_at,
    )


@router.get("/me", summary="Who the token belongs to")
def me(who: PrincipalDep) -> dict[str, object]:
    """The caller's party, roles and scopes."""
    return {
        "party_id": who.party_id,
        "user_id": who.user_id,
        "label": who.label,
        "party_roles": sorted(who.party_roles),
        "scopes": sorted(who.scopes),
    }


@router.post("/parties", status_code=status.HTTP_201_CREATED, response_model=PartyOut)
def create_party(
    data: PartyCreate, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> PartyOut:
    """Admit an organisation (platform admins only); it gets an Ed25519 signing key."""
    return PartyOut.model_validate(_svc(session, ctx).create_party(who, data))


@router.get("/parties", response_model=PageOut[PartyOut])
def list_parties(
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    page: PageDep,
    role: PartyRole | None = None,
) -> PageOut[PartyOut]:
    """Parties visible to the caller."""
    result = _svc(session, ctx).list_parties(who, page, role)
    return PageOut[PartyOut].of(result, PartyOut.model_validate)


@router.get("/parties/{party_id}", response_model=PartyOut)
def get_party(
    party_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> PartyOut:
    """One party."""
    return PartyOut.model_validate(_svc(session, ctx).get_party(who, party_id))


@router.get("/parties/{party_id}/keys", response_model=list[PublicKeyOut])
def party_keys(party_id: uuid.UUID, session: SessionDep, ctx: ContextDep) -> list[PublicKeyOut]:
    """A party's public signing keys, retired ones included (public: anyone may verify)."""
    return [_key_out(k) for k in _svc(session, ctx).party_keys(party_id)]


@router.post("/parties/{party_id}/keys/rotate", response_model=PublicKeyOut)
def rotate_key(
    party_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> PublicKeyOut:
    """Retire the active key and create a new one."""
    return _key_out(_svc(session, ctx).rotate_party_key(who, party_id))


@router.post(
    "/parties/{party_id}/users", status_code=status.HTTP_201_CREATED, response_model=UserOut
)
def add_user(
    party_id: uuid.UUID, data: UserCreate, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> UserOut:
    """Add a member to the party."""
    return UserOut.model_validate(_svc(session, ctx).add_user(who, party_id, data))


@router.get("/parties/{party_id}/users", response_model=list[UserOut])
def list_users(
    party_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> list[UserOut]:
    """Members of the party."""
    return [UserOut.model_validate(u) for u in _svc(session, ctx).list_users(who, party_id)]


@router.post(
    "/parties/{party_id}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated
)
def issue_token(
    party_id: uuid.UUID, data: TokenCreate, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> TokenCreated:
    """Create an API token; the secret is in this response only."""
    issued = _svc(session, ctx).issue_token(who, party_id, data)
    out = TokenOut.model_validate(issued.record)
    return TokenCreated(**out.model_dump(), token=issued.token)


@router.get("/parties/{party_id}/tokens", response_model=list[TokenOut])
def list_tokens(
    party_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> list[TokenOut]:
    """The party's tokens, without secrets."""
    return [TokenOut.model_validate(t) for t in _svc(session, ctx).list_tokens(who, party_id)]


@router.delete("/parties/{party_id}/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    party_id: uuid.UUID,
    token_id: uuid.UUID,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
) -> TokenOut:
    """Revoke a token at once."""
    return TokenOut.model_validate(_svc(session, ctx).revoke_token(who, party_id, token_id))


@router.post(
    "/parties/{party_id}/locations", status_code=status.HTTP_201_CREATED, response_model=LocationOut
)
def create_location(
    party_id: uuid.UUID,
    data: LocationCreate,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
) -> LocationOut:
    """Register a location (GLN + extension) of the party."""
    return LocationOut.model_validate(_svc(session, ctx).create_location(who, party_id, data))


@router.get("/locations", response_model=PageOut[LocationOut])
def list_locations(
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    page: PageDep,
    party_id: uuid.UUID | None = None,
) -> PageOut[LocationOut]:
    """Locations visible to the caller."""
    result = _svc(session, ctx).list_locations(who, page, party_id)
    return PageOut[LocationOut].of(result, LocationOut.model_validate)


@router.get("/locations/{location_id}", response_model=LocationOut)
def get_location(
    location_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> LocationOut:
    """One location."""
    return LocationOut.model_validate(_svc(session, ctx).get_location(who, location_id))


@router.patch("/parties/{party_id}", response_model=PartyOut)
def update_party(
    party_id: uuid.UUID, data: PartyUpdate, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> PartyOut:
    """Change a party's region, coordinates, roles or active flag."""
    return PartyOut.model_validate(_svc(session, ctx).update_party(who, party_id, data))


@router.patch("/parties/{party_id}/users/{user_id}", response_model=UserOut)
def update_user(  # noqa: PLR0917 - path parameters plus FastAPI dependencies
    party_id: uuid.UUID,
    user_id: uuid.UUID,
    data: UserUpdate,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
) -> UserOut:
    """Change a member's name, role or active flag."""
    return UserOut.model_validate(_svc(session, ctx).update_user(who, party_id, user_id, data))


@router.patch("/locations/{location_id}", response_model=LocationOut)
def update_location(
    location_id: uuid.UUID,
    data: LocationUpdate,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
) -> LocationOut:
    """Change a location's name, kind, coordinates, region or attributes."""
    return LocationOut.model_validate(_svc(session, ctx).update_location(who, location_id, data))
