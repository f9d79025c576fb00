"""The one Ed25519 behaviour every livetrace party uses: `cryptography`'s (OpenSSL, "ref10" rules).

Ed25519 implementations disagree on edge cases (non-canonical encodings, low-order points,
cofactored versus cofactorless equations). If two parties used different verifiers, a malicious
key holder could craft a signature that one accepts and the other rejects. All note, checkpoint
and cosignature verification in this package therefore goes through ``verify``, whose behaviour
on the C2SP CCTV edge-case vectors is pinned by the tests:

* rejected: every vector flagged ``non_canonical_R`` or ``low_order_residue``
  (the cofactorless equation; R must be canonically encoded);
* accepted: everything else, including low-order and non-canonical public keys ``A``.

That is the behaviour of Go's crypto/ed25519 and of ed25519-dalek's default ``verify``.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from livetrace.ledger.errors import MalformedKeyError, SignatureInvalidError

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64


def verify(public_key: bytes, signature: bytes, message: bytes, *, signer: str = "") -> None:
    """Verify an RFC 8032 Ed25519 signature; raise ``SignatureInvalidError`` if it fails."""
    who = f" by {signer}" if signer else ""
    if len(public_key) != PUBLIC_KEY_SIZE or len(signature) != SIGNATURE_SIZE:
        raise SignatureInvalidError(
            f"Ed25519 signature{who} needs a 32-byte key and a 64-byte signature, got "
            f"{len(public_key)} and {len(signature)} bytes"
        )
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        # ValueError: a key the library refuses to decode; for the caller it is the same failure.
        raise SignatureInvalidError(f"Ed25519 signature{who} does not verify") from None


class SigningKey(Protocol):
    """What signers need of a private key: its public half and deterministic signing.

    ``PrivateKey`` is one; a key sealed in the database (``livetrace.crypto.keys.Signer``) is another.
    """

    @property
    def public_key(self) -> bytes:
        """The 32-byte RFC 8032 public key."""
        ...

    def sign(self, message: bytes) -> bytes:
        """A 64-byte RFC 8032 signature."""
        ...


class PrivateKey:
    """An Ed25519 private key held as its 32-byte RFC 8032 seed."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_SIZE:
            raise MalformedKeyError(
                f"an Ed25519 seed is {SEED_SIZE} bytes, got {len(seed)}", field="seed"
            )
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh random key."""
        return cls(Ed25519PrivateKey.generate().private_bytes_raw())

    @property
    def seed(self) -> bytes:
        """The 32-byte seed (secret)."""
        return self._key.private_bytes_raw()

    @property
    def public_key(self) -> bytes:
        """The 32-byte RFC 8032 public key."""
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        """A deterministic 64-byte RFC 8032 signature."""
        return self._key.sign(message)

    def __repr__(self) -> str:
        return "PrivateKey(<secret>)"
