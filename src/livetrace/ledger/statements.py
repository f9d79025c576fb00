"""Signed statements: "party P states X at time T", signed with P's Ed25519 key.

Encoding (see ``docs/ledger.md``):

* The statement is the JSON object ``{"body": X, "key": K, "kind": KIND, "party": P, "time": T}``
  where ``P`` is the party's UUID in lower-case hex with hyphens, ``K`` the key fingerprint
  (lower-case hex of the first 16 bytes of SHA-256 of the raw 32-byte public key), ``KIND`` an
  open, dotted lower-case name (``epcis.event``, ``document``, ``recall``…), ``T`` a UTC instant
  written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and ``X`` any JSON value.
* The signature is Ed25519 over ``"livetrace.statement/v1\\n" || JCS(statement)`` where JCS is
  RFC 8785 canonical JSON. The prefix keeps statement signatures apart from anything else the same
  key signs.
* The log entry (the Merkle leaf) is ``JCS({"signature": base64(sig), "statement": statement})``.
  Because JCS is compositional, the signed bytes appear verbatim inside the entry.

Decoding is strict: the entry must be exactly its own canonical form, carry exactly these members,
and be at most 65,535 bytes (the tlog-tiles entry-bundle limit). Verifying needs only the party's
public key.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from livetrace.crypto.keys import Signer
from livetrace.kit import canonical_json
from livetrace.kit.clock import utcnow
from livetrace.kit.errors import ValidationError
from livetrace.ledger import ed25519
from livetrace.ledger._codec import b64decode_canonical, b64encode
from livetrace.ledger.errors import (
    MalformedStatementError,
    SignatureInvalidError,
    StatementSignatureError,
)
from livetrace.ledger.merkle import leaf_hash

SIGNING_CONTEXT = b"livetrace.statement/v1\n"
MAX_ENTRY_BYTES = 0xFFFF
MAX_KIND_LENGTH = 64
FINGERPRINT_BYTES = 16
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_KIND = re.compile(r"[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*")
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_STATEMENT_MEMBERS = frozenset({"body", "key", "kind", "party", "time"})
_ENTRY_MEMBERS = frozenset({"signature", "statement"})
# Marks a SignedStatement that `sign_statement` made in this process with a key-bound signer.
# Module-private and never pickled as itself, so a statement from elsewhere cannot carry it.
_SIGNED_HERE = object()


class StatementSigner(Protocol):
    """Anything that signs with an Ed25519 key and exposes its public key."""

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature over ``message``."""
        ...


def key_fingerprint(public_key: bytes) -> str:
    """How a statement names its key: hex of SHA-256(public key)[:16]."""
    if len(public_key) != ed25519.PUBLIC_KEY_SIZE:
        raise MalformedStatementError(
            f"an Ed25519 public key is 32 bytes, got {len(public_key)}", field="key"
        )
    return hashlib.sha256(public_key).digest()[:FINGERPRINT_BYTES].hex()


# A batch of statements shares one time; equal instants always give the same text.
@lru_cache(maxsize=256)
def format_time(value: datetime) -> str:
    """A UTC instant in the statement time format (microseconds, ``Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise MalformedStatementError("statement time needs a timezone", field="time")
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def _parse_time(text: object) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise MalformedStatementError(
            "time must be a string YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)", field="statement.time"
        )
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise MalformedStatementError(
            f"time {text!r} is not a valid instant: {exc}", field="statement.time"
        ) from None


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or len(kind) > MAX_KIND_LENGTH or not _KIND.fullmatch(kind):
        raise MalformedStatementError(
            f"kind must be 1..{MAX_KIND_LENGTH} lower-case letters and digits in dot-, dash- or "
            f"underscore-separated words, got {kind!r}",
            field="statement.kind",
        )
    return kind


def _parse_party(text: object) -> uuid.UUID:
    if isinstance(text, str):
        try:
            party = uuid.UUID(text)
        except ValueError:
            party = None
        if party is not None and str(party) == text:
            return party
    raise MalformedStatementError(
        f"party must be a lower-case hyphenated UUID, got {text!r}", field="statement.party"
    )


def _check_fingerprint(text: object) -> str:
    if not isinstance(text, str) or not _FINGERPRINT.fullmatch(text):
        raise MalformedStatementError(
            "key must be 32 lower-case hex digits (SHA-256 of the public key, first 16 bytes)",
            field="statement.key",
        )
    return text


@dataclass(frozen=True, slots=True)
class Statement:
    """What a party states: a kind, a JSON body, the time, and which of its keys signs it."""

    kind: str
    party_id: uuid.UUID
    key: str
    time: datetime
    body: Any

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        _check_fingerprint(self.key)
        format_time(self.time)

    def to_json(self) -> dict[str, Any]:
        """The statement object as JSON data."""
        return {
            "body": self.body,
            "key": self.key,
            "kind": self.kind,
            "party": str(self.party_id),
            "time": format_time(self.time),
        }

    def canonical(self) -> bytes:
        """RFC 8785 bytes of the statement object."""
        try:
            return canonical_json.canonicalize(self.to_json())
        except ValidationError as exc:
            field = f"statement{exc.field}" if exc.field else "statement.body"
            raise MalformedStatementError(exc.message, field=field) from None

    def signing_input(self) -> bytes:
        """The exact bytes the party signs."""
        return SIGNING_CONTEXT + self.canonical()


@dataclass(frozen=True, slots=True)
class SignedStatement:
    """A statement with its signature, and its encoding as a log entry."""

    statement: Statement
    signature: bytes
    entry: bytes
    signed_bytes: bytes
    """RFC 8785 bytes of the statement object: what the signature covers after the context."""
    _seal: object = field(default=None, compare=False, repr=False)

    @property
    def signed_here(self) -> bool:
        """Whether this process made it with `sign_statement` and a key-bound signer.

        Such a statement holds by construction: its entry is the canonical encoding of the
        statement, within the size limit, and its signature comes from the private key whose
        public key it names. A log may append it without decoding and verifying it again.
        """
        return self._seal is _SIGNED_HERE

    @property
    def leaf_hash(self) -> bytes:
        """RFC 9162 leaf hash of the entry."""
        return leaf_hash(self.entry)


def new_statement(
    kind: str,
    party_id: uuid.UUID,
    public_key: bytes,
    body: Any,
    *,
    time: datetime | None = None,
) -> Statement:
    """A statement by ``party_id`` naming ``public_key``, stamped now unless ``time`` is given."""
    return Statement(kind, party_id, key_fingerprint(public_key), time or utcnow(), body)


def sign_statement(statement: Statement, signer: StatementSigner) -> SignedStatement:
    """Sign ``statement``; the signer's key must be the one the statement names."""
    if key_fingerprint(signer.public_key) != statement.key:
        raise MalformedStatementError(
            "the signer's public key is not the key the statement names", field="statement.key"
        )
    signed_bytes = statement.canonical()
    signature = signer.sign(SIGNING_CONTEXT + signed_bytes)
    entry = _encode_entry(signature, signed_bytes)
    if len(entry) > MAX_ENTRY_BYTES:
        raise MalformedStatementError(
            f"statement entry is {len(entry)} bytes, the limit is {MAX_ENTRY_BYTES}; keep large "
            "evidence off the log and reference it by SHA-256",
            field="statement.body",
        )
    # Only `crypto.keys.Signer` derives its public key from its private key; any other signer is
    # taken at its word, so what it signs is verified again when it is appended.
    seal = _SIGNED_HERE if type(signer) is Signer else None
    return SignedStatement(statement, signature, entry, signed_bytes, seal)


def _encode_entry(signature: bytes, signed_bytes: bytes) -> bytes:
    """JCS of ``{"signature": …, "statement": …}``: the members are already in canonical order and
    base64 needs no escaping, so the canonical statement bytes are spliced in as they are."""
    return (
        b'{"signature":"'
        + b64encode(signature).encode("ascii")
        + b'","statement":'
        + signed_bytes
        + b"}"
    )


def decode_statement(entry: bytes) -> SignedStatement:
    """Parse a log entry strictly into a signed statement (the signature is not yet checked)."""
    if len(entry) > MAX_ENTRY_BYTES:
        raise MalformedStatementError(
            f"entry is {len(entry)} bytes, the limit is {MAX_ENTRY_BYTES}", field="entry"
        )
    try:
        data = canonical_json.parse(entry)
    except ValidationError as exc:
        raise MalformedStatementError(f"entry is not JSON: {exc.message}", field="entry") from None
    outer = _members(data, _ENTRY_MEMBERS, "entry")
    signature = _parse_signature(outer["signature"])
    inner = _members(outer["statement"], _STATEMENT_MEMBERS, "statement")
    statement = Statement(
        kind=_check_kind(inner["kind"]),
        party_id=_parse_party(inner["party"]),
        key=_check_fingerprint(inner["key"]),
        time=_parse_time(inner["time"]),
        body=inner["body"],
    )
    signed_bytes = _canonical_or_none(inner)
    if signed_bytes is None or _encode_entry(signature, signed_bytes) != entry:
        raise MalformedStatementError(
            "entry is not in RFC 8785 canonical form (member order, spacing or number format)",
            field="entry",
        )
    return SignedStatement(statement, signature, entry, signed_bytes)


def _canonical_or_none(data: object) -> bytes | None:
    try:
        return canonical_json.canonicalize(data)
    except ValidationError:  # e.g. an escaped lone surrogate in a string
        return None


def _members(value: object, expected: frozenset[str], where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise MalformedStatementError(f"{where} must be a JSON object", field=where)
    names = set(value)
    if names != expected:
        missing, extra = sorted(expected - names), sorted(names - expected)
        raise MalformedStatementError(
            f"{where} members differ: missing {missing or 'none'}, unexpected {extra or 'none'}",
            field=where,
        )
    return value


def _parse_signature(text: object) -> bytes:
    raw = b64decode_canonical(text) if isinstance(text, str) else None
    if raw is None or len(raw) != ed25519.SIGNATURE_SIZE:
        raise MalformedStatementError(
            "signature must be canonical base64 of a 64-byte Ed25519 signature",
            field="signature",
        )
    return raw


def verify_statement(signed: SignedStatement, public_key: bytes) -> None:
    """Raise unless ``public_key`` is the named key and its signature over the statement holds."""
    statement = signed.statement
    if key_fingerprint(public_key) != statement.key:
        raise StatementSignatureError(
            f"statement names key {statement.key}, the given public key is "
            f"{key_fingerprint(public_key)}",
            field="statement.key",
        )
    try:
        ed25519.verify(
            public_key,
            signed.signature,
            SIGNING_CONTEXT + signed.signed_bytes,
            signer=f"party {statement.party_id}",
        )
    except SignatureInvalidError as exc:
        raise StatementSignatureError(exc.message, field="signature") from None
