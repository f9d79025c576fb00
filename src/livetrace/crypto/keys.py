"""Pure key handling: Ed25519 key pairs and AES-GCM encryption of private keys at rest."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from livetrace.crypto.errors import KeyDecryptionError
from livetrace.kit.errors import VerificationError

ENVELOPE_VERSION = 1
NONCE_BYTES = 12
# Domain separation: the derived key encrypts signing keys and nothing else.
_HKDF_INFO = b"livetrace/private-key-encryption/v1"


def generate_private_key() -> bytes:
    """A fresh Ed25519 private key, as its 32 raw seed bytes."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key_of(private_key: bytes) -> bytes:
    """The 32 raw public-key bytes that belong to a raw private key."""
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes_raw()


def public_key_pem(public_key: bytes) -> str:
    """SubjectPublicKeyInfo PEM for a raw Ed25519 public key (for export to other tools)."""
    key = Ed25519PublicKey.from_public_bytes(public_key)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Check an Ed25519 signature; raise `VerificationError` when it does not verify."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise VerificationError("Ed25519 signature does not verify") from exc


class Signer:
    """Signs with one private key; its repr never reveals the key."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, *, key_id: str, name: str, private_key: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_key)
        self.key_id = key_id
        self.name = name
        self.public_key = self._key.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature over `message`."""
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id!r})"


@dataclass(frozen=True, slots=True)
class KeyEncryptor:
    """Encrypts private keys with a key derived from the deployment secret (HKDF → AES-256-GCM)."""

    _aead_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> KeyEncryptor:
        """Derive the AES key from the configured secret."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
        return cls(hkdf.derive(secret.encode("utf-8")))

    def encrypt(self, private_key: bytes, *, bind_to: str) -> bytes:
        """Seal a private key; `bind_to` (the key id) is authenticated so records cannot be swapped."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._aead_key).encrypt(nonce, private_key, bind_to.encode("utf-8"))
        return bytes([ENVELOPE_VERSION]) + nonce + sealed

    def decrypt(self, envelope: bytes, *, bind_to: str) -> bytes:
        """Open a sealed private key or raise `KeyDecryptionError`."""
        if len(envelope) < 1 + NONCE_BYTES + 16 or envelope[0] != ENVELOPE_VERSION:
            raise KeyDecryptionError("stored private key has an unknown envelope format")
        nonce, sealed = envelope[1 : 1 + NONCE_BYTES], envelope[1 + NONCE_BYTES :]
        try:
            return AESGCM(self._aead_key).decrypt(nonce, sealed, bind_to.encode("utf-8"))
        except InvalidTag as exc:
            raise KeyDecryptionError(
                "stored private key does not decrypt: wrong LIVETRACE_SECRET_KEY or tampered record"
            ) from exc

    def __repr__(self) -> str:
        return "KeyEncryptor(<secret>)"


def b64(data: bytes) -> str:
    """Standard base64 text, as key exports and notes use."""
    return base64.b64encode(data).decode("ascii")
