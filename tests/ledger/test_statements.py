"""Statements: encoding, signing, strict decoding, verification with the public key only."""

from __future__ import annotations

import base64
import json
import pickle
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.crypto import keys
from livetrace.kit import canonical_json
from livetrace.ledger import ed25519
from livetrace.ledger.errors import MalformedStatementError, StatementSignatureError
from livetrace.ledger.merkle import leaf_hash
from livetrace.ledger.statements import (
    SIGNING_CONTEXT,
    SignedStatement,
    decode_statement,
    key_fingerprint,
    new_statement,
    sign_statement,
    verify_statement,
)

KEY = ed25519.PrivateKey(bytes(range(32)))
OTHER = ed25519.PrivateKey(bytes(range(1, 33)))
PARTY = uuid.UUID("0c2d5b8e-6b7d-4d2a-9a55-3c1f2e4d5a6b")
WHEN = datetime(2026, 10, 2, 8, 30, 0, 123456, tzinfo=UTC)


def signed(body: object = None, **kw: object) -> bytes:
    statement = new_statement(
        "epcis.event", PARTY, KEY.public_key, body or {"lot": "L1"}, time=WHEN
    )
    return sign_statement(statement, KEY).entry


def test_entry_is_the_documented_canonical_json() -> None:
    entry = signed({"lot": "五常 L1", "qty": 2.5})
    data = json.loads(entry)
    statement = data["statement"]
    assert list(data) == ["signature", "statement"]
    assert statement == {
        "body": {"lot": "五常 L1", "qty": 2.5},
        "key": key_fingerprint(KEY.public_key),
        "kind": "epcis.event",
        "party": str(PARTY),
        "time": "2026-10-02T08:30:00.123456Z",
    }
    # Anyone can check it with the public key and the documented signing input alone.
    message = SIGNING_CONTEXT + canonical_json.canonicalize(statement)
    ed25519.verify(KEY.public_key, base64.b64decode(data["signature"]), message)
    assert canonical_json.canonicalize(statement) in entry  # JCS is compositional


def test_round_trip_and_verify() -> None:
    entry = signed()
    decoded = decode_statement(entry)
    assert decoded.entry == entry and decoded.leaf_hash == leaf_hash(entry)
    assert decoded.statement.time == WHEN and decoded.statement.party_id == PARTY
    verify_statement(decoded, KEY.public_key)


def test_time_is_normalised_to_utc() -> None:
    east8 = WHEN.astimezone(timezone(timedelta(hours=8)))
    statement = new_statement("document", PARTY, KEY.public_key, {}, time=east8)
    assert statement.to_json()["time"] == "2026-10-02T08:30:00.123456Z"


def test_wrong_key_and_forged_signature_are_refused() -> None:
    decoded = decode_statement(signed())
    with pytest.raises(StatementSignatureError) as wrong:
        verify_statement(decoded, OTHER.public_key)
    assert wrong.value.field == "statement.key"
    data = json.loads(decoded.entry)
    data["signature"] = base64.b64encode(OTHER.sign(b"x")).decode()
    forged = decode_statement(canonical_json.canonicalize(data))
    with pytest.raises(StatementSignatureError) as bad:
        verify_statement(forged, KEY.public_key)
    assert bad.value.field == "signature"


def test_changed_body_breaks_the_signature() -> None:
    data = json.loads(signed({"qty": 1}))
    data["statement"]["body"]["qty"] = 2
    changed = decode_statement(canonical_json.canonicalize(data))
    with pytest.raises(StatementSignatureError):
        verify_statement(changed, KEY.public_key)


def test_signer_must_hold_the_named_key() -> None:
    statement = new_statement("document", PARTY, KEY.public_key, {})
    with pytest.raises(MalformedStatementError) as exc:
        sign_statement(statement, OTHER)
    assert exc.value.field == "statement.key"


def test_only_a_key_bound_signer_marks_a_statement_signed_here() -> None:
    bound = keys.Signer(key_id="k", name="k", private_key=KEY.seed)
    statement = new_statement("epcis.event", PARTY, KEY.public_key, {"lot": "L1"}, time=WHEN)
    here = sign_statement(statement, bound)
    assert here.signed_here
    verify_statement(here, KEY.public_key)  # what the mark promises holds
    elsewhere = sign_statement(statement, KEY)  # any other signer is taken at its word
    assert not elsewhere.signed_here and elsewhere.entry == here.entry
    decoded = decode_statement(here.entry)
    assert not decoded.signed_here and decoded == here
    assert not pickle.loads(pickle.dumps(here)).signed_here
    by_hand = SignedStatement(here.statement, here.signature, here.entry, here.signed_bytes)
    assert not by_hand.signed_here


def _mutate(change: object) -> bytes:
    data = json.loads(signed())
    assert callable(change)
    change(data)
    return canonical_json.canonicalize(data)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (b"not json", "entry"),
        (b"[]", "entry"),
        (signed().replace(b'{"signature"', b'{ "signature"'), "entry"),
        (_mutate(lambda d: d.update(extra=1)), "entry"),
        (_mutate(lambda d: d.pop("signature")), "entry"),
        (_mutate(lambda d: d["statement"].pop("time")), "statement"),
        (_mutate(lambda d: d.update(signature="AAAA")), "signature"),
        (_mutate(lambda d: d["statement"].update(kind="EPCIS Event")), "statement.kind"),
        (_mutate(lambda d: d["statement"].update(kind="")), "statement.kind"),
        (_mutate(lambda d: d["statement"].update(party="not-a-uuid")), "statement.party"),
        (_mutate(lambda d: d["statement"].update(party=str(PARTY).upper())), "statement.party"),
        (_mutate(lambda d: d["statement"].update(key="ABC")), "statement.key"),
        (_mutate(lambda d: d["statement"].update(time="2026-10-02T08:30:00Z")), "statement.time"),
        (
            _mutate(lambda d: d["statement"].update(time="2026-02-30T08:30:00.000000Z")),
            "statement.time",
        ),
    ],
)
def test_malformed_entries_are_refused_precisely(entry: bytes, field: str) -> None:
    with pytest.raises(MalformedStatementError) as exc:
        decode_statement(entry)
    assert exc.value.field == field, exc.value.message


def test_entries_over_64_kib_are_refused() -> None:
    statement = new_statement("document", PARTY, KEY.public_key, {"blob": "x" * 70_000})
    with pytest.raises(MalformedStatementError, match="65535"):
        sign_statement(statement, KEY)
    with pytest.raises(MalformedStatementError, match="limit"):
        decode_statement(b"{" + b" " * 70_000 + b"}")


def test_bodies_that_are_not_json_are_refused_with_their_pointer() -> None:
    statement = new_statement("document", PARTY, KEY.public_key, {"when": datetime.now(UTC)})
    with pytest.raises(MalformedStatementError) as exc:
        sign_statement(statement, KEY)
    assert exc.value.field == "statement/body/when"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(body=json_values)
def test_any_json_body_round_trips(body: object) -> None:
    text = body
    if isinstance(text, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return
    try:
        statement = new_statement("claim.review", PARTY, KEY.public_key, body, time=WHEN)
        entry = sign_statement(statement, KEY).entry
    except MalformedStatementError:
        return  # lone surrogates somewhere in the value: not I-JSON
    decoded = decode_statement(entry)
    verify_statement(decoded, KEY.public_key)
    assert decoded.entry == entry
