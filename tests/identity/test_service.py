"""Parties, members, tokens and locations through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.identity import gln_for, make_member, make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.errors import (
    AccessDeniedError,
    DuplicateError,
    InvalidPartyDataError,
    InvalidTokenError,
    LocationNotFoundError,
)
from livetrace.identity.models import ApiToken, Party
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import (
    LocationCreate,
    LocationUpdate,
    PartyCreate,
    PartyUpdate,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from livetrace.identity.service import IdentityService
from livetrace.kit.clock import utcnow
from livetrace.kit.pagination import PageRequest


def svc(session: Session, encryptor: KeyEncryptor) -> IdentityService:
    return IdentityService(session, encryptor)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Party)) or 0


def test_party_gets_roles_and_a_signing_key(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor, roles=["farm", "supplier", "farm"])
    assert party.role_names == ["farm", "supplier"]
    keys = svc(session, encryptor).party_keys(party.id)
    assert len(keys) == 1 and keys[0].status == "active"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"gln": "6970001000017"}, "gln", "check digit"),
        ({"gln": "697000100001"}, "gln", "13"),
        ({"company_prefix": "12a"}, "company_prefix", "4 to 12 digits"),
        ({"region_code": "990101"}, "region_code", "province"),
        ({"region_code": "23018"}, "region_code", "six digits"),
        ({"latitude": 91.0, "longitude": 10.0}, "latitude", "outside"),
        ({"latitude": 45.0}, "longitude", "together"),
    ],
)
def test_bad_party_fields_are_named_and_change_nothing(
    session: Session, encryptor: KeyEncryptor, fields: dict[str, object], field: str, message: str
) -> None:
    before = count(session)
    data = {"name": "Bad", "roles": ["farm"]} | fields
    with pytest.raises(InvalidPartyDataError, match=message) as info:
        svc(session, encryptor).create_party(SYSTEM, PartyCreate.model_validate(data))
    assert info.value.field == field
    assert count(session) == before


def test_gln_must_sit_under_the_company_prefix(session: Session, encryptor: KeyEncryptor) -> None:
    data = PartyCreate(name="X", roles=["brand"], company_prefix="6970001", gln=gln_for("6970002"))
    with pytest.raises(InvalidPartyDataError, match="company prefix"):
        svc(session, encryptor).create_party(SYSTEM, data)


def test_duplicate_name_and_gln_conflict(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor)
    with pytest.raises(DuplicateError) as info:
        make_party(session, encryptor, name=party.name)
    assert info.value.field == "name"
    with pytest.raises(DuplicateError) as info:
        make_party(session, encryptor, company_prefix=party.company_prefix, gln=party.gln)
    assert info.value.field == "gln"


def test_token_authenticates_and_is_stored_hashed(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor)
    member = make_member(session, encryptor, party, scopes=("read",))
    who = svc(session, encryptor).authenticate(member.token)
    assert who.party_id == party.id
    assert {str(s) for s in who.scopes} == {"read"}
    secret = member.token.split("_", 2)[2]
    stored = session.scalars(select(ApiToken)).all()
    assert all(secret not in (t.secret_hash + t.lookup) for t in stored)


@pytest.mark.parametrize(
    "bad", ["", "Bearer x", "lt_zzzzzzzzzzzz_" + "a" * 43, "lt_0123456789ab_" + "a" * 43]
)
def test_malformed_or_unknown_tokens_are_refused(
    session: Session, encryptor: KeyEncryptor, bad: str
) -> None:
    with pytest.raises(InvalidTokenError):
        svc(session, encryptor).authenticate(bad)


def test_revoked_and_expired_tokens_are_refused(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    member = make_member(session, encryptor, party)
    token_id = s.authenticate(member.token).token_id
    assert token_id is not None
    s.revoke_token(SYSTEM, party.id, token_id)
    with pytest.raises(InvalidTokenError, match="revoked"):
        s.authenticate(member.token)
    later = utcnow() + timedelta(days=2)
    user = s.add_user(SYSTEM, party.id, UserCreate(name="E", email="e@example.com", role="viewer"))
    issued = s.issue_token(
        SYSTEM,
        party.id,
        TokenCreate(
            user_id=user.id, name="t", scopes=["read"], expires_at=utcnow() + timedelta(days=1)
        ),
    )
    with pytest.raises(InvalidTokenError, match="expired"):
        s.authenticate(issued.token, now=later)


def test_token_scopes_cannot_exceed_the_member_role(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    user = s.add_user(SYSTEM, party.id, UserCreate(name="V", email="v@example.com", role="viewer"))
    with pytest.raises(InvalidPartyDataError, match="may not hold scopes write") as info:
        s.issue_token(
            SYSTEM, party.id, TokenCreate(user_id=user.id, name="t", scopes=["read", "write"])
        )
    assert info.value.field == "scopes"


def test_members_cannot_touch_other_parties(session: Session, encryptor: KeyEncryptor) -> None:
    a, b = make_party(session, encryptor), make_party(session, encryptor)
    s = svc(session, encryptor)
    who = s.authenticate(make_member(session, encryptor, a).token)
    loc = LocationCreate(gln=gln_for(b.company_prefix or "", 5), name="B site")
    with pytest.raises(Exception, match="no party"):
        s.create_location(who, b.id, loc)
    with pytest.raises(AccessDeniedError, match="platform may admit"):
        s.create_party(who, PartyCreate(name="Z", roles=["farm"]))
    assert [p.id for p in s.list_parties(who, PageRequest()).items] == [a.id]


def test_regulator_reads_everything_but_writes_nothing(
    session: Session, encryptor: KeyEncryptor
) -> None:
    brand = make_party(session, encryptor)
    regulator = make_party(session, encryptor, roles=["regulator"])
    s = svc(session, encryptor)
    who = s.authenticate(make_member(session, encryptor, regulator).token)
    assert s.get_party(who, brand.id).id == brand.id
    with pytest.raises(AccessDeniedError, match="owning party or the platform"):
        s.create_location(
            who, brand.id, LocationCreate(gln=gln_for(brand.company_prefix or "", 7), name="x")
        )


def test_locations_validate_and_are_unique(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    gln = gln_for(party.company_prefix or "", 3)
    loc = s.create_location(
        SYSTEM,
        party.id,
        LocationCreate(
            gln=gln,
            extension="PLOT-1",
            name="Plot 1",
            kind="farm-plot",
            latitude=44.9,
            longitude=127.1,
        ),
    )
    assert s.get_location(SYSTEM, loc.id).name == "Plot 1"
    with pytest.raises(DuplicateError):
        s.create_location(
            SYSTEM, party.id, LocationCreate(gln=gln, extension="PLOT-1", name="again")
        )
    with pytest.raises(InvalidPartyDataError) as info:
        s.create_location(
            SYSTEM, party.id, LocationCreate(gln=gln, extension="含中文", name="bad ext")
        )
    assert info.value.field == "extension"
    other = make_party(session, encryptor)
    who = s.authenticate(make_member(session, encryptor, other).token)
    with pytest.raises(LocationNotFoundError):
        s.get_location(who, loc.id)


def test_party_updates_validate_and_roles_are_platform_only(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    updated = s.update_party(
        SYSTEM, party.id, PartyUpdate(region_code="310115", latitude=31.2, longitude=121.5)
    )
    assert (updated.region_code, updated.latitude) == ("310115", 31.2)
    with pytest.raises(InvalidPartyDataError) as info:
        s.update_party(SYSTEM, party.id, PartyUpdate(region_code="000000"))
    assert info.value.field == "region_code"
    who = s.authenticate(make_member(session, encryptor, party).token)
    with pytest.raises(AccessDeniedError, match="only the platform"):
        s.update_party(who, party.id, PartyUpdate(roles=["regulator"]))
    assert s.update_party(
        SYSTEM, party.id, PartyUpdate(roles=["brand", "retailer"])
    ).role_names == ["brand", "retailer"]


def test_lowering_a_member_role_narrows_existing_tokens(
    session: Session, encryptor: KeyEncryptor
) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    member = make_member(session, encryptor, party, role="admin")
    who = s.authenticate(member.token)
    assert who.user_id is not None
    s.update_user(SYSTEM, party.id, who.user_id, UserUpdate(role="viewer"))
    assert {str(x) for x in s.authenticate(member.token).scopes} == {"read"}
    s.update_user(SYSTEM, party.id, who.user_id, UserUpdate(active=False))
    with pytest.raises(InvalidTokenError, match="no longer active"):
        s.authenticate(member.token)


def test_location_update_checks_coordinates(session: Session, encryptor: KeyEncryptor) -> None:
    party = make_party(session, encryptor)
    s = svc(session, encryptor)
    loc = s.create_location(
        SYSTEM, party.id, LocationCreate(gln=gln_for(party.company_prefix or "", 4), name="A")
    )
    assert (
        s.update_location(SYSTEM, loc.id, LocationUpdate(name="B", attributes={"area_mu": 3})).name
        == "B"
    )
    with pytest.raises(InvalidPartyDataError, match="together"):
        s.update_location(SYSTEM, loc.id, LocationUpdate(latitude=40.0))
