"""`livetrace party …`: organisations, members, tokens, keys, locations."""

from __future__ import annotations

import uuid
from datetime import datetime

import typer

from livetrace.cli.common import context, out, parse_json_option, show, work
from livetrace.identity.policy import SYSTEM
from livetrace.identity.roles import PartyRole
from livetrace.identity.schemas import (
    LocationCreate,
    LocationOut,
    PartyCreate,
    PartyOut,
    TokenCreate,
    TokenOut,
    UserCreate,
    UserOut,
)
from livetrace.identity.service import IdentityService
from livetrace.kit.pagination import PageRequest

app = typer.Typer(
    help="Parties (organisations), their members, tokens, keys and locations.", no_args_is_help=True
)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
PARTY_COLUMNS = ("id", "name", "roles", "gln", "region_code")


@app.command()
def create(
    name: str = typer.Option(..., help="Unique name."),
    role: list[str] = typer.Option(..., "--role", help="brand, farm, supplier, … (repeatable)."),
    company_prefix: str | None = typer.Option(None, help="GS1 company prefix."),
    gln: str | None = typer.Option(None, help="Party GLN."),
    region: str | None = typer.Option(None, help="GB/T 2260 division code."),
    lat: float | None = typer.Option(None, help="Latitude (WGS-84)."),
    lon: float | None = typer.Option(None, help="Longitude (WGS-84)."),
    as_json: bool = JSON,
) -> None:
    """Admit an organisation; it gets an Ed25519 signing key."""
    ctx = context()
    with work(ctx) as session:
        data = PartyCreate.model_validate(
            {
                "name": name,
                "roles": role,
                "company_prefix": company_prefix,
                "gln": gln,
                "region_code": region,
                "latitude": lat,
                "longitude": lon,
            }
        )
        party = PartyOut.model_validate(
            IdentityService(session, ctx.encryptor).create_party(SYSTEM, data)
        )
    show(party, as_json=as_json, columns=PARTY_COLUMNS)


@app.command("list")
def list_(
    role: str | None = typer.Option(None, help="Only parties with this role."), as_json: bool = JSON
) -> None:
    """List parties."""
    ctx = context()
    with work(ctx) as session:
        page = IdentityService(session, ctx.encryptor).list_parties(
            SYSTEM, PageRequest(limit=500), PartyRole(role) if role else None
        )
        rows = [PartyOut.model_validate(p) for p in page.items]
    show(rows, as_json=as_json, columns=PARTY_COLUMNS)


@app.command()
def keys(party: str = typer.Argument(..., help="Party id, name or GLN.")) -> None:
    """Print the party's public keys (base64 and PEM)."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        infos = svc.party_keys(svc.find_party(SYSTEM, party).id)
    for k in infos:
        out.print(f"{k.key_id}  {k.status}  ed25519  {k.public_key_b64}")
        out.print(k.public_key_pem, highlight=False)


@app.command("rotate-key")
def rotate_key(party: str = typer.Argument(..., help="Party id, name or GLN.")) -> None:
    """Retire the party's signing key and create a new one."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        info = svc.rotate_party_key(SYSTEM, svc.find_party(SYSTEM, party).id)
    out.print(f"new key {info.key_id}: {info.public_key_b64}")


@app.command("add-user")
def add_user(
    party: str = typer.Argument(..., help="Party id, name or GLN."),
    email: str = typer.Option(...),
    name: str = typer.Option(...),
    role: str = typer.Option("operator", help="admin, operator or viewer."),
    as_json: bool = JSON,
) -> None:
    """Add a member to a party."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        data = UserCreate.model_validate({"email": email, "name": name, "role": role})
        user = UserOut.model_validate(svc.add_user(SYSTEM, svc.find_party(SYSTEM, party).id, data))
    show(user, as_json=as_json, columns=("id", "email", "name", "role"))


@app.command()
def token(
    party: str = typer.Argument(..., help="Party id, name or GLN."),
    email: str = typer.Option(..., help="The member the token acts for."),
    name: str = typer.Option("cli", help="A label for the token."),
    scope: list[str] = typer.Option(["read"], "--scope", help="read, write, admin (repeatable)."),
    expires: datetime | None = typer.Option(None, help="Expiry (ISO 8601 with offset)."),
) -> None:
    """Issue an API token; the secret is printed once."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        party_id = svc.find_party(SYSTEM, party).id
        user = next((u for u in svc.list_users(SYSTEM, party_id) if u.email == email.lower()), None)
        data = TokenCreate.model_validate(
            {
                "user_id": user.id if user else None,
                "name": name,
                "scopes": scope,
                "expires_at": expires,
            }
        )
        issued = svc.issue_token(SYSTEM, party_id, data)
        meta = TokenOut.model_validate(issued.record)
    out.print(f"token {meta.id} ({', '.join(meta.scopes)}); shown once:")
    out.print(issued.token, highlight=False)


@app.command("revoke-token")
def revoke_token(party: str = typer.Argument(...), token_id: str = typer.Argument(...)) -> None:
    """Revoke an API token."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        svc.revoke_token(SYSTEM, svc.find_party(SYSTEM, party).id, uuid.UUID(token_id))
    out.print(f"revoked {token_id}")


@app.command("add-location")
def add_location(
    party: str = typer.Argument(..., help="Party id, name or GLN."),
    gln: str = typer.Option(...),
    name: str = typer.Option(...),
    extension: str = typer.Option("0", help="GLN extension (AI 254)."),
    kind: str = typer.Option("site", help="farm-plot, factory, warehouse, store, …"),
    region: str | None = typer.Option(None),
    lat: float | None = typer.Option(None),
    lon: float | None = typer.Option(None),
    attributes: str | None = typer.Option(None, help="Extra attributes as a JSON object."),
    as_json: bool = JSON,
) -> None:
    """Register a location of a party."""
    ctx = context()
    with work(ctx) as session:
        svc = IdentityService(session, ctx.encryptor)
        data = LocationCreate.model_validate(
            {
                "gln": gln,
                "name": name,
                "extension": extension,
                "kind": kind,
                "region_code": region,
                "latitude": lat,
                "longitude": lon,
                "attributes": parse_json_option(attributes, "--attributes"),
            }
        )
        loc = LocationOut.model_validate(
            svc.create_location(SYSTEM, svc.find_party(SYSTEM, party).id, data)
        )
    show(loc, as_json=as_json, columns=("id", "gln", "extension", "name", "kind"))
