"""Private keys at rest, signing, rotation."""

from __future__ import annotations

import logging
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from livetrace.crypto import keys
from livetrace.crypto.errors import ActiveKeyExistsError, KeyDecryptionError, KeyNotFoundError
from livetrace.crypto.models import KeyOwnerKind, SigningKey
from livetrace.crypto.service import KeyService
from livetrace.kit.errors import VerificationError

SECRET = "a-secret-that-is-at-least-thirty-two-characters"


@given(private=st.binary(min_size=32, max_size=32), bind=st.text(min_size=1, max_size=40))
def test_sealed_keys_open_with_the_same_secret_and_binding(private: bytes, bind: str) -> None:
    enc = keys.KeyEncryptor.from_secret(SECRET)
    sealed = enc.encrypt(private, bind_to=bind)
    assert private not in sealed
    assert enc.decrypt(sealed, bind_to=bind) == private


def test_wrong_secret_tampering_or_swapped_record_fail() -> None:
    enc = keys.KeyEncryptor.from_secret(SECRET)
    sealed = enc.encrypt(b"k" * 32, bind_to="key-1")
    with pytest.raises(KeyDecryptionError, match="LIVETRACE_SECRET_KEY"):
        keys.KeyEncryptor.from_secret(SECRET + "x").decrypt(sealed, bind_to="key-1")
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    with pytest.raises(KeyDecryptionError):
        enc.decrypt(bytes(flipped), bind_to="key-1")
    with pytest.raises(KeyDecryptionError):
        enc.decrypt(sealed, bind_to="key-2")
    with pytest.raises(KeyDecryptionError, match="envelope"):
        enc.decrypt(b"\x02" + sealed[1:], bind_to="key-1")


def test_signatures_verify_and_a_changed_message_fails() -> None:
    private = keys.generate_private_key()
    signer = keys.Signer(key_id="k", name="n", private_key=private)
    sig = signer.sign(b"statement")
    keys.verify_signature(signer.public_key, sig, b"statement")
    with pytest.raises(VerificationError):
        keys.verify_signature(signer.public_key, sig, b"statement!")
    assert keys.public_key_pem(signer.public_key).startswith("-----BEGIN PUBLIC KEY-----")


def test_repr_never_shows_private_material(caplog: pytest.LogCaptureFixture) -> None:
    private = keys.generate_private_key()
    signer = keys.Signer(key_id="k", name="n", private_key=private)
    enc = keys.KeyEncryptor.from_secret(SECRET)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("signer %r encryptor %r", signer, enc)
    assert private.hex() not in caplog.text
    assert "secret" not in repr(enc).lower().replace("<secret>", "")


def test_service_creates_rotates_and_keeps_old_public_keys(
    session: Session, encryptor: keys.KeyEncryptor
) -> None:
    svc = KeyService(session, encryptor)
    owner = uuid.uuid4()
    first = svc.create(KeyOwnerKind.PARTY, owner, "farm")
    with pytest.raises(ActiveKeyExistsError):
        svc.create(KeyOwnerKind.PARTY, owner, "farm")
    old_sig = svc.signer(KeyOwnerKind.PARTY, owner).sign(b"m")
    second = svc.rotate(KeyOwnerKind.PARTY, owner)
    assert second.public_key != first.public_key
    listed = svc.public_keys(KeyOwnerKind.PARTY, owner)
    assert [k.status for k in listed] == ["retired", "active"]
    keys.verify_signature(listed[0].public_key, old_sig, b"m")  # old signatures still verify
    assert svc.signer(KeyOwnerKind.PARTY, owner).public_key == second.public_key
    row = session.get(SigningKey, second.key_id)
    assert row is not None
    assert len(row.sealed_private_key) == 1 + 12 + 32 + 16


def test_signer_for_unknown_owner_is_a_clear_error(
    session: Session, encryptor: keys.KeyEncryptor
) -> None:
    with pytest.raises(KeyNotFoundError, match="no active signing key"):
        KeyService(session, encryptor).signer(KeyOwnerKind.LOG, uuid.uuid4())
