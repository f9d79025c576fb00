"""C2SP tlog-cosignature v1: timestamped Ed25519 witness cosignatures (signature type 0x04).

The signature payload is ``u64 timestamp || 64-byte Ed25519 signature`` (72 bytes, 76 with the key
ID) over ``"cosignature/v1\\ntime <timestamp>\\n" + checkpoint note text``. The key ID is
``SHA-256(name || 0x0A || 0x04 || public key)[:4]``.

The verifier implements the note ``Verifier`` protocol, so witness keys can be handed to
``note.verify_note`` next to log keys. Because v1 does not sign the cosigner's name, one key must
serve one cosigner identity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from livetrace.ledger import ed25519
from livetrace.ledger.errors import (
    MalformedCosignatureError,
    SignatureInvalidError,
    UnsupportedKeyAlgorithmError,
)
from livetrace.ledger.note import (
    ALG_COSIGNATURE_V1,
    NoteSignature,
    SignerKey,
    VerifiedNote,
    VerifierKey,
    format_vkey,
    is_valid_key_name,
    key_id,
    parse_skey,
    parse_vkey,
)

HEADER = "cosignature/v1\n"
PAYLOAD_SIZE = 8 + ed25519.SIGNATURE_SIZE
MAX_TIMESTAMP = 2**64 - 1


def signed_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The exact bytes a v1 cosignature signs."""
    _require_timestamp(timestamp)
    return f"{HEADER}time {timestamp}\n{checkpoint_text}".encode()


def _require_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedCosignatureError(f"timestamp {timestamp} is not a uint64", field="timestamp")


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A decoded cosignature: who, when (seconds since the epoch) and the Ed25519 signature."""

    name: str
    key_id: int
    timestamp: int
    signature: bytes

    def note_signature(self) -> NoteSignature:
        """The cosignature as a note signature line value."""
        payload = self.timestamp.to_bytes(8, "big") + self.signature
        return NoteSignature(self.name, self.key_id, payload)


def decode(signature: NoteSignature) -> Cosignature:
    """Split a note signature's payload into timestamp and Ed25519 signature."""
    if len(signature.signature) != PAYLOAD_SIZE:
        raise MalformedCosignatureError(
            f"cosignature by {signature.name!r} is {len(signature.signature)} bytes after the "
            f"key ID, expected {PAYLOAD_SIZE}",
            field="signature",
        )
    timestamp = int.from_bytes(signature.signature[:8], "big")
    return Cosignature(signature.name, signature.key_id, timestamp, signature.signature[8:])


@dataclass(frozen=True, slots=True)
class CosignatureVerifier:
    """Verifies v1 cosignatures of one witness key; a note ``Verifier``."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name) or len(self.public_key) != ed25519.PUBLIC_KEY_SIZE:
            raise UnsupportedKeyAlgorithmError(
                f"cosigner {self.name!r} needs a valid name and a 32-byte Ed25519 key",
                field="public_key",
            )
        object.__setattr__(self, "key_id", key_id(self.name, ALG_COSIGNATURE_V1, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str | VerifierKey) -> CosignatureVerifier:
        """A verifier from a type-0x04 vkey."""
        key = parse_vkey(vkey) if isinstance(vkey, str) else vkey
        if key.alg != ALG_COSIGNATURE_V1:
            raise UnsupportedKeyAlgorithmError(
                f"vkey {key.name!r} is type 0x{key.alg:02x}, a cosignature key is 0x04",
                field="alg",
            )
        return cls(key.name, key.public_key)

    def vkey(self) -> str:
        """This verifier as a type-0x04 vkey string."""
        return format_vkey(VerifierKey(self.name, self.key_id, ALG_COSIGNATURE_V1, self.public_key))

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise ``SignatureInvalidError`` unless ``signature`` cosigns the checkpoint ``text``."""
        if len(signature) != PAYLOAD_SIZE:
            raise SignatureInvalidError(
                f"cosignature by {self.name!r} is {len(signature)} bytes, expected {PAYLOAD_SIZE}",
                field="signature",
            )
        timestamp = int.from_bytes(signature[:8], "big")
        message = signed_message(text.decode("utf-8"), timestamp)
        ed25519.verify(self.public_key, signature[8:], message, signer=self.name)


class CosignatureSigner:
    """Produces v1 cosignatures with one witness key."""

    def __init__(self, name: str, private_key: ed25519.SigningKey) -> None:
        self._verifier = CosignatureVerifier(name, private_key.public_key)
        self._private = private_key

    @classmethod
    def from_skey(cls, skey: str | SignerKey) -> CosignatureSigner:
        """A cosigner from an Ed25519 skey (its 0x01 key ID is ignored: v1 uses type 0x04)."""
        key = parse_skey(skey) if isinstance(skey, str) else skey
        return cls(key.name, ed25519.PrivateKey(key.seed))

    @property
    def name(self) -> str:
        """The witness key name."""
        return self._verifier.name

    @property
    def key_id(self) -> int:
        """The witness key ID for signature type 0x04."""
        return self._verifier.key_id

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return self._verifier

    def cosign(self, checkpoint_text: str, timestamp: int) -> Cosignature:
        """Cosign a checkpoint note text at ``timestamp`` (seconds since the epoch)."""
        signature = self._private.sign(signed_message(checkpoint_text, timestamp))
        return Cosignature(self.name, self.key_id, timestamp, signature)

    def __repr__(self) -> str:
        return f"CosignatureSigner({self.name!r}, {self.key_id:08x})"


def verified_cosignatures(
    note: VerifiedNote, verifiers: Iterable[CosignatureVerifier]
) -> list[Cosignature]:
    """The cosignatures among a verified note's signatures that came from ``verifiers``."""
    wanted = {(v.name, v.key_id) for v in verifiers}
    return [decode(s) for s in note.verified if (s.name, s.key_id) in wanted]
