"""C2SP signed-note: parse, verify and sign notes; vkey and skey strings as golang's note package.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> base64(key ID || signature)``. Choices where the spec leaves room:

* Limits: at most ``MAX_SIGNATURES`` (100, as Go; the spec requires at least 16) signature lines
  and ``MAX_NOTE_BYTES`` (1 MiB, room for 100 post-quantum signatures) per note.
* Base64 must be the canonical padded encoding (Go accepts stray trailing bits), so each
  signature line has exactly one spelling.
* Key names must also contain no control characters (they must fit on a note line anyway).
  "Unicode spaces" are the characters Go's ``unicode.IsSpace`` reports, listed explicitly so that
  the rule does not change with the Unicode tables of a Python release.
* A signature by a known key (same name and key ID) that fails to verify rejects the whole note
  (the spec allows that; a failed signature from a configured key is an attack or a bug). Every
  such line is verified, also repeated ones (Go skips repeats). Unknown keys are ignored.
* Key IDs in vkeys/skeys are 8 hex digits in either case on input (as Go) and lower case on output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from livetrace.ledger import ed25519
from livetrace.ledger._codec import b64decode_canonical, b64encode
from livetrace.ledger.errors import (
    AmbiguousKeyError,
    KeyIdMismatchError,
    MalformedKeyError,
    MalformedNoteError,
    NoTrustedSignatureError,
    UnsupportedKeyAlgorithmError,
)

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20

# Go's unicode.IsSpace: the Latin-1 spaces plus the Unicode White_Space property.
_UNICODE_SPACES = frozenset(
    "\t\n\v\f\r \u0085\u00a0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
)
_ED25519_ALGS = frozenset({ALG_ED25519, ALG_COSIGNATURE_V1})


# --- names, text and key IDs ----------------------------------------------------------------------


def is_valid_key_name(name: str) -> bool:
    """True if ``name`` may name a key: non-empty, no Unicode space, no ``+``, no control char."""
    return (
        bool(name)
        and "+" not in name
        and not any(c in _UNICODE_SPACES or c < " " for c in name)
        and _is_utf8_encodable(name)
    )


def _is_utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _first_control_char(text: str) -> int | None:
    """Offset of the first ASCII control character other than newline, if any."""
    for offset, char in enumerate(text):
        if char < " " and char != "\n":
            return offset
    return None


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || alg || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


# --- keys -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed vkey: ``<name>+<hex key ID>+base64(signature type || public key)``."""

    name: str
    key_id: int
    alg: int
    public_key: bytes

    def __str__(self) -> str:
        return format_vkey(self)


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A parsed skey: ``PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || Ed25519 seed)``."""

    name: str
    key_id: int
    alg: int
    seed: bytes = field(repr=False)


def _parse_key_id(text: str, what: str) -> int:
    if len(text) != 8 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise MalformedKeyError(f"{what} key ID {text!r} is not 8 hex digits", field="key_id")
    return int(text, 16)


def _parse_key_material(text: str, what: str) -> tuple[int, bytes]:
    raw = b64decode_canonical(text)
    if raw is None or len(raw) < 2:
        raise MalformedKeyError(f"{what} key material is not canonical base64", field="key")
    return raw[0], raw[1:]


def _require_name(name: str, what: str) -> None:
    if not is_valid_key_name(name):
        raise MalformedKeyError(f"{what} key name {name!r} is not a valid key name", field="name")


def parse_vkey(text: str) -> VerifierKey:
    """Parse a vkey; only Ed25519 note (0x01) and cosignature (0x04) keys are accepted."""
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise MalformedKeyError("a vkey is <name>+<key ID>+<key>", field="vkey")
    name, id_text, material = parts
    _require_name(name, "vkey")
    stated_id = _parse_key_id(id_text, "vkey")
    alg, public_key = _parse_key_material(material, "vkey")
    _require_ed25519(alg, public_key, "vkey")
    if key_id(name, alg, public_key) != stated_id:
        raise KeyIdMismatchError(
            f"vkey {name!r} states key ID {id_text} but its key hashes to "
            f"{key_id(name, alg, public_key):08x}",
            field="key_id",
        )
    return VerifierKey(name, stated_id, alg, public_key)


def _require_ed25519(alg: int, key: bytes, what: str) -> None:
    if alg not in _ED25519_ALGS:
        raise UnsupportedKeyAlgorithmError(
            f"{what} signature type 0x{alg:02x} is not supported (0x01, 0x04 are)", field="alg"
        )
    if len(key) != ed25519.PUBLIC_KEY_SIZE:
        raise UnsupportedKeyAlgorithmError(
            f"{what} Ed25519 key is {len(key)} bytes, expected {ed25519.PUBLIC_KEY_SIZE}",
            field="key",
        )


def format_vkey(key: VerifierKey) -> str:
    """The vkey string of ``key``."""
    return f"{key.name}+{key.key_id:08x}+{b64encode(bytes([key.alg]) + key.public_key)}"


def parse_skey(text: str) -> SignerKey:
    """Parse an Ed25519 skey as written by golang's ``note.GenerateKey``."""
    parts = text.split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise MalformedKeyError("an skey is PRIVATE+KEY+<name>+<key ID>+<key>", field="skey")
    name, id_text, material = parts[2], parts[3], parts[4]
    _require_name(name, "skey")
    stated_id = _parse_key_id(id_text, "skey")
    alg, seed = _parse_key_material(material, "skey")
    if alg != ALG_ED25519 or len(seed) != ed25519.SEED_SIZE:
        raise UnsupportedKeyAlgorithmError(
            f"skey must be type 0x01 with a 32-byte seed, got type 0x{alg:02x}, {len(seed)} bytes",
            field="alg",
        )
    public_key = ed25519.PrivateKey(seed).public_key
    if key_id(name, alg, public_key) != stated_id:
        raise KeyIdMismatchError(
            f"skey {name!r} states key ID {id_text} but its key hashes differently",
            field="key_id",
        )
    return SignerKey(name, stated_id, alg, seed)


def format_skey(key: SignerKey) -> str:
    """The skey string of ``key`` (secret: never log it)."""
    material = b64encode(bytes([key.alg]) + key.seed)
    return f"PRIVATE+KEY+{key.name}+{key.key_id:08x}+{material}"


def generate_skey(name: str) -> SignerKey:
    """A fresh random Ed25519 note-signing key named ``name``."""
    _require_name(name, "skey")
    private = ed25519.PrivateKey.generate()
    return SignerKey(name, key_id(name, ALG_ED25519, private.public_key), ALG_ED25519, private.seed)


def vkey_of(key: SignerKey) -> VerifierKey:
    """The verifier key matching an Ed25519 signer key."""
    public_key = ed25519.PrivateKey(key.seed).public_key
    return VerifierKey(key.name, key.key_id, key.alg, public_key)


# --- verifiers and signers ------------------------------------------------------------------------


class Verifier(Protocol):
    """Checks signatures of one (key name, key ID)."""

    @property
    def name(self) -> str:
        """The key name on signature lines."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID on signature lines."""
        ...

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise ``SignatureInvalidError`` unless ``signature`` signs the note ``text``."""
        ...


class Signer(Protocol):
    """Produces signatures of one (key name, key ID)."""

    @property
    def name(self) -> str:
        """The key name on signature lines."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID on signature lines."""
        ...

    def sign(self, text: bytes) -> bytes:
        """The signature (without key ID) over the note ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class Ed25519Verifier:
    """A verifier for plain Ed25519 note signatures (type 0x01)."""

    name: str
    public_key: bytes
    key_id: int = field(init=False)

    def __post_init__(self) -> None:
        _require_name(self.name, "verifier")
        _require_ed25519(ALG_ED25519, self.public_key, "verifier")
        object.__setattr__(self, "key_id", key_id(self.name, ALG_ED25519, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str | VerifierKey) -> Ed25519Verifier:
        """A verifier from a type-0x01 vkey."""
        key = parse_vkey(vkey) if isinstance(vkey, str) else vkey
        if key.alg != ALG_ED25519:
            raise UnsupportedKeyAlgorithmError(
                f"vkey {key.name!r} is type 0x{key.alg:02x}, a note signature key is 0x01",
                field="alg",
            )
        return cls(key.name, key.public_key)

    def verify(self, text: bytes, signature: bytes) -> None:
        """Raise ``SignatureInvalidError`` unless ``signature`` is this key's over ``text``."""
        ed25519.verify(self.public_key, signature, text, signer=self.name)

    def vkey(self) -> str:
        """This verifier as a vkey string."""
        return format_vkey(VerifierKey(self.name, self.key_id, ALG_ED25519, self.public_key))


class Ed25519Signer:
    """A signer for plain Ed25519 note signatures (type 0x01)."""

    def __init__(self, name: str, private_key: ed25519.SigningKey) -> None:
        _require_name(name, "signer")
        self._name = name
        self._private = private_key
        self._key_id = key_id(name, ALG_ED25519, private_key.public_key)

    @classmethod
    def from_skey(cls, skey: str | SignerKey) -> Ed25519Signer:
        """A signer from an skey."""
        key = parse_skey(skey) if isinstance(skey, str) else skey
        return cls(key.name, ed25519.PrivateKey(key.seed))

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> int:
        """The key ID for signature type 0x01."""
        return self._key_id

    def sign(self, text: bytes) -> bytes:
        """The 64-byte Ed25519 signature over ``text``."""
        return self._private.sign(text)

    def verifier(self) -> Ed25519Verifier:
        """The matching verifier."""
        return Ed25519Verifier(self._name, self._private.public_key)

    def __repr__(self) -> str:
        return f"Ed25519Signer({self._name!r}, {self._key_id:08x})"


# --- notes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature bytes after the key ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, newline included."""
        payload = b64encode(self.key_id.to_bytes(4, "big") + self.signature)
        return f"{SIGNATURE_PREFIX}{self.name} {payload}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A syntactically valid note whose signatures are not yet verified."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def format(self) -> str:
        """The note in its wire form."""
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """A note after verification: signatures by known keys (all valid) and by unknown keys."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    def is_signed_by(self, name: str, key_id: int) -> bool:
        """True if a verified signature carries this key name and ID."""
        return any(s.name == name and s.key_id == key_id for s in self.verified)


def _decode_note(data: str | bytes) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise MalformedNoteError(f"note is longer than {MAX_NOTE_BYTES} bytes")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError(
                f"note is not valid UTF-8 (byte {exc.start})", field="text"
            ) from None
    if not _is_utf8_encodable(data):
        raise MalformedNoteError("note contains characters UTF-8 cannot encode", field="text")
    if len(data.encode("utf-8")) > MAX_NOTE_BYTES:
        raise MalformedNoteError(f"note is longer than {MAX_NOTE_BYTES} bytes")
    return data


def parse_note(data: str | bytes) -> SignedNote:
    """Split a signed note into text and signature lines, checking the syntax strictly."""
    message = _decode_note(data)
    control = _first_control_char(message)
    if control is not None:
        raise MalformedNoteError(
            f"control character U+{ord(message[control]):04X} at offset {control}", field="text"
        )
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("no blank line separates the text from the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNoteError("the signature block is empty or does not end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures", field="signatures")
    first_line = text.count("\n") + 2
    signatures = tuple(_parse_signature_line(line, first_line + n) for n, line in enumerate(lines))
    return SignedNote(text, signatures)


def _parse_signature_line(line: str, line_number: int) -> NoteSignature:
    where = f"signature line {line_number}"
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNoteError(f"{where} does not start with an em dash and a space")
    name, _, payload = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not is_valid_key_name(name):
        raise MalformedNoteError(f"{where} has an invalid key name {name!r}", field="name")
    raw = b64decode_canonical(payload)
    if raw is None or len(raw) < 5:
        raise MalformedNoteError(
            f"{where} signature is not canonical base64 of a key ID and a signature",
            field="signature",
        )
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def _index_verifiers(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    index: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if slot in index and index[slot] != verifier:
            raise AmbiguousKeyError(
                f"two verifiers share key name {verifier.name!r} and ID {verifier.key_id:08x}",
                field="verifiers",
            )
        index[slot] = verifier
    return index


def verify_note(note: SignedNote, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Verify every signature by a known key; raise unless at least one verified.

    Signatures by unknown keys (name and ID not both matching a verifier) are returned as
    ``unverified`` and otherwise ignored. Raises ``SignatureInvalidError`` if a known key's
    signature fails and ``NoTrustedSignatureError`` if no known key signed.
    """
    index = _index_verifiers(verifiers)
    text = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for signature in note.signatures:
        verifier = index.get((signature.name, signature.key_id))
        if verifier is None:
            _append_once(unverified, signature)
            continue
        verifier.verify(text, signature.signature)
        _append_once(verified, signature)
    if not verified:
        raise NoTrustedSignatureError(
            f"none of the note's {len(note.signatures)} signatures is by a trusted key",
            details={"signers": sorted({s.name for s in note.signatures})},
        )
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))


def _append_once(signatures: list[NoteSignature], signature: NoteSignature) -> None:
    if signature not in signatures:
        signatures.append(signature)


def open_note(data: str | bytes, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Parse and verify a signed note in one step."""
    return verify_note(parse_note(data), verifiers)


def validate_text(text: str) -> None:
    """Raise ``MalformedNoteError`` unless ``text`` can be the text of a signed note."""
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end in a newline", field="text")
    control = _first_control_char(text)
    if control is not None:
        raise MalformedNoteError(
            f"note text has control character U+{ord(text[control]):04X} at offset {control}",
            field="text",
        )
    if not _is_utf8_encodable(text):
        raise MalformedNoteError("note text contains characters UTF-8 cannot encode", field="text")


def sign_note(text: str, signers: Sequence[Signer], existing: Sequence[NoteSignature] = ()) -> str:
    """Sign ``text`` with each signer and return the note, keeping ``existing`` signatures.

    New signatures come first; an existing signature with the same key name and ID as a
    signer is replaced.
    """
    validate_text(text)
    raw_text = text.encode("utf-8")
    fresh = [NoteSignature(s.name, s.key_id, s.sign(raw_text)) for s in signers]
    replaced = {(s.name, s.key_id) for s in fresh}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    for signature in fresh + kept:
        if not is_valid_key_name(signature.name):
            raise MalformedNoteError(f"invalid key name {signature.name!r}", field="name")
    note = SignedNote(text, tuple(fresh + kept))
    if len(note.signatures) > MAX_SIGNATURES:
        raise MalformedNoteError(f"more than {MAX_SIGNATURES} signatures", field="signatures")
    return note.format()
