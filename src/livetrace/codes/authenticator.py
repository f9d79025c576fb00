"""Authenticators that make item codes unforgeable offline, pure.

Every issued code's Digital Link carries a truncated HMAC-SHA256 in the query parameter
`AUTH_PARAM` (`auth`), so a made-up code is rejected by arithmetic alone, before any database
lookup:

    https://{resolver}/01/{gtin14}/10/{lot}/21/{serial}?auth={version}.{tag}

e.g. `https://id.example.cn/01/06970002000011/10/L2026A/21/K7RM9WQ3TXHBZ?auth=1.3F9C04A1B27E58D6C0AA`.

* `version` is the decimal key version (1, 2, …). New codes use the configured current version;
  older versions keep verifying until they are listed as retired, so keys can rotate without
  reprinting. The name `auth` is not all digits, so it can never be taken for a GS1 AI.
* `tag` is the first 80 bits of `HMAC-SHA256(K_gtin, M)` as 20 upper-case hex digits. A guess is
  right with probability 2^-80 per attempt: at a million guesses a second, the expected time to
  forge one code is over 10^10 years. Truncation below 64 bits would come within reach of an
  online attacker; 80 bits keep the link short. Hex rather than base32 because it is produced
  in C (issuing a million codes spends no time encoding), stays in QR alphanumeric mode and is
  easy to read out over the phone; lower case is accepted on input.
* `M` is the canonical unbracketed GS1 element string of the link's data: primary key, then the
  path qualifiers in path order, then query AIs sorted by AI, with GS (0x1D) as FNC1. It covers
  every GS1 datum of the link but not the host: codes survive a change of resolver domain.
* `K_gtin = HMAC-SHA256(K_v, "code-authenticator|" + gtin14)`, one key per product, where
  `K_v = HKDF-SHA256(deployment secret, info="livetrace/code-authenticator/v{version}")`. The
  deployment secret (LIVETRACE_SECRET_KEY) is the same root that seals private keys at rest; the
  HKDF label keeps the two uses apart, and deriving rather than storing keys is what lets any
  worker verify a code without a database round trip.
* A hidden verification code (scratch-off or inside the pack) is derived the same way under a
  separate key, `HMAC-SHA256(K_v, "hidden-code|" + gtin14)`, and shown as 12 characters of the
  serial alphabet (59 bits) in groups of four. Seeing the public code on camera reveals nothing
  about it. Hidden codes are checked online, where guessing is rate-limited, so 59 bits suffice.

Tags are compared in constant time (`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from livetrace.codes.errors import (
    AuthenticatorFormatError,
    AuthenticatorKeyError,
    AuthenticatorMismatchError,
    AuthenticatorMissingError,
    HiddenCodeError,
)
from livetrace.codes.serials import ALPHABET
from livetrace.gs1.ai import GS, Element, build_element_string
from livetrace.gs1.digital_link import (
    DigitalLink,
    build_digital_link,
    escape_path,
    escape_query,
    parse_digital_link,
)

AUTH_PARAM = "auth"
TAG_BYTES = 10
TAG_CHARS = 2 * TAG_BYTES  # hex digits
HIDDEN_LENGTH = 12
HIDDEN_GROUP = 4
MAX_VERSION = 9999
_HKDF_INFO = "livetrace/code-authenticator/v{version}"
_AUTH_VALUE = re.compile(r"([0-9]{1,4})\.([0-9A-Fa-f]*)")
_BLOCK = 64  # SHA-256 block size: the HMAC pads are one block long


class PrefixedHmac:
    """HMAC-SHA256 (RFC 2104) of messages sharing a prefix, with the key pads hashed once.

    Issuing a million codes MACs a million messages that differ only in the serial; hashing the
    padded key and the shared prefix once, then copying that state, halves the cost per code.
    It pickles as its key and prefix, so worker processes can rebuild it.
    """

    __slots__ = ("_inner", "_outer", "key", "prefix")

    def __init__(self, key: bytes, prefix: bytes = b"") -> None:
        self.key, self.prefix = key, prefix
        block = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block) + prefix)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __reduce__(self) -> tuple[type[PrefixedHmac], tuple[bytes, bytes]]:
        return (PrefixedHmac, (self.key, self.prefix))

    def digest(self, suffix: bytes) -> bytes:
        """HMAC-SHA256(key, prefix + suffix)."""
        return self.digests([suffix], length=32)[0]

    def digests(self, suffixes: Sequence[bytes], *, length: int) -> list[bytes]:
        """The first `length` bytes of HMAC-SHA256(key, prefix + suffix) for each suffix."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        out = []
        for suffix in suffixes:  # one flat loop: this runs a million times per large run
            inner = inner_copy()
            inner.update(suffix)
            outer = outer_copy()
            outer.update(inner.digest())
            out.append(outer.digest()[:length])
        return out


@dataclass(frozen=True, slots=True)
class VerifiedCode:
    """The data of a Digital Link whose authenticator verified."""

    gtin: str
    lot: str | None
    serial: str | None
    version: int
    link: DigitalLink


def canonical_elements(link: DigitalLink) -> tuple[Element, ...]:
    """Key, path qualifiers in path order, then query AIs sorted by AI: what the MAC covers."""
    return (link.primary_key, *link.qualifiers, *sorted(link.attributes))


def code_elements(gtin: str, lot: str | None, serial: str | None) -> tuple[Element, ...]:
    """The GS1 data of an issued code: GTIN, lot and (for item-level codes) serial."""
    elements = [Element("01", gtin)]
    if lot is not None:
        elements.append(Element("10", lot))
    if serial is not None:
        elements.append(Element("21", serial))
    return tuple(elements)


def _hex(tags: bytes) -> str:
    return tags.hex().upper()


class CodeKeyring:
    """Derives per-product authenticator keys from the deployment secret, by key version."""

    __slots__ = ("_cache", "_root", "current_version", "retired")

    def __init__(
        self, root: bytes, *, current_version: int = 1, retired: frozenset[int] = frozenset()
    ) -> None:
        if not 1 <= current_version <= MAX_VERSION:
            raise ValueError(f"key version must be 1..{MAX_VERSION}, got {current_version}")
        if current_version in retired:
            raise ValueError(f"the current key version {current_version} cannot be retired")
        self._root = root
        self._cache: dict[tuple[int, str, str], bytes] = {}
        self.current_version = current_version
        self.retired = retired

    @classmethod
    def from_secret(
        cls, secret: str, *, current_version: int = 1, retired: Sequence[int] = ()
    ) -> CodeKeyring:
        """A keyring rooted in the deployment secret (LIVETRACE_SECRET_KEY)."""
        return cls(
            secret.encode("utf-8"), current_version=current_version, retired=frozenset(retired)
        )

    def __repr__(self) -> str:
        return (
            f"CodeKeyring(current_version={self.current_version}, retired={sorted(self.retired)})"
        )

    def check_version(self, version: int) -> None:
        """Raise `AuthenticatorKeyError` unless codes of this key version are accepted."""
        if version in self.retired:
            raise AuthenticatorKeyError(
                f"authenticator key version {version} is retired", field=AUTH_PARAM
            )
        if not 1 <= version <= self.current_version:
            raise AuthenticatorKeyError(
                f"authenticator key version {version} is unknown (current: {self.current_version})",
                field=AUTH_PARAM,
            )

    def _version_key(self, version: int) -> bytes:
        info = _HKDF_INFO.format(version=version).encode("ascii")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._root)

    def _key(self, version: int, purpose: str, gtin: str) -> bytes:
        cached = self._cache.get((version, purpose, gtin))
        if cached is None:
            message = f"{purpose}|{gtin}".encode("ascii")
            cached = hmac.digest(self._version_key(version), message, "sha256")
            self._cache[(version, purpose, gtin)] = cached
        return cached

    def product_key(self, version: int, gtin: str) -> bytes:
        """K_gtin for authenticators of one product under one key version."""
        return self._key(version, "code-authenticator", gtin)

    def hidden_key(self, version: int, gtin: str) -> bytes:
        """The key deriving a product's hidden verification codes."""
        return self._key(version, "hidden-code", gtin)

    def signer(self, gtin: str, lot: str | None, *, version: int | None = None) -> CodeSigner:
        """A fast authenticator for the codes of one product and lot."""
        version = self.current_version if version is None else version
        self.check_version(version)
        return CodeSigner(self, gtin, lot, version)

    def tag_for(self, elements: Sequence[Element], version: int) -> str:
        """The `auth` value for any GS1 data: `{version}.{20 hex digits}`."""
        self.check_version(version)
        message = build_element_string(elements).encode("ascii")
        mac = hmac.digest(self.product_key(version, elements[0].value), message, "sha256")
        return f"{version}.{_hex(mac[:TAG_BYTES])}"

    def verify(self, uri: str) -> VerifiedCode:
        """Check the authenticator of a Digital Link; raise unless it matches the link's data."""
        return self.verify_link(parse_digital_link(uri))

    def verify_link(self, link: DigitalLink) -> VerifiedCode:
        """`verify` for a link already parsed."""
        version, given = _auth_value(link)
        self.check_version(version)
        if link.primary_key.ai != "01":
            raise AuthenticatorMismatchError(
                f"item codes are keyed by GTIN (01), this link by ({link.primary_key.ai})",
                field="uri",
            )
        expected = self.tag_for(canonical_elements(link), version).partition(".")[2]
        if not hmac.compare_digest(expected, given.upper()):
            raise AuthenticatorMismatchError(
                "the authenticator does not match the code's data: the code was not issued "
                "here, or its GTIN, lot or serial was altered",
                field=AUTH_PARAM,
            )
        data = dict(link.qualifiers)
        return VerifiedCode(link.primary_key.value, data.get("10"), data.get("21"), version, link)

    def hidden_code(self, gtin: str, lot: str | None, serial: str | None, version: int) -> str:
        """The hidden verification code of one item, grouped for printing."""
        return self.signer(gtin, lot, version=version).hidden_codes([serial])[0]

    def verify_hidden(self, code: VerifiedCode, hidden: str) -> None:
        """Raise `HiddenCodeError` unless `hidden` is the item's hidden verification code."""
        expected = self.hidden_code(code.gtin, code.lot, code.serial, code.version)
        given = normalize_hidden(hidden)
        if not hmac.compare_digest(expected.replace("-", ""), given):
            raise HiddenCodeError(
                "the hidden verification code does not belong to this item", field="hidden_code"
            )


def normalize_hidden(text: str) -> str:
    """A typed hidden code without spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", text).upper()


def _auth_value(link: DigitalLink) -> tuple[int, str]:
    """The key version and tag text of the link's single `auth` parameter."""
    values = [value for key, value in link.other_params if key == AUTH_PARAM]
    if not values:
        raise AuthenticatorMissingError(
            f"the link has no `{AUTH_PARAM}` parameter: it is not an authenticated item code",
            field=AUTH_PARAM,
        )
    if len(values) > 1:
        raise AuthenticatorFormatError(
            f"the link has {len(values)} `{AUTH_PARAM}` parameters; exactly one is allowed",
            field=AUTH_PARAM,
        )
    match = _AUTH_VALUE.fullmatch(values[0])
    if match is None:
        raise AuthenticatorFormatError(
            f"`{AUTH_PARAM}` must be `<version>.<{TAG_CHARS} hex digits>`, got {values[0][:40]!r}",
            field=AUTH_PARAM,
        )
    version, tag = int(match.group(1)), match.group(2)
    if len(tag) != TAG_CHARS:
        kind = "truncated" if len(tag) < TAG_CHARS else "too long"
        raise AuthenticatorFormatError(
            f"authenticator is {kind}: {len(tag)} of {TAG_CHARS} hex digits",
            field=AUTH_PARAM,
            details={"length": len(tag), "expected": TAG_CHARS},
        )
    return version, tag


class CodeSigner:
    """Authenticators, hidden codes and links for many serials of one product and lot."""

    __slots__ = ("_prefix", "gtin", "keyring", "lot", "mac", "version")

    def __init__(self, keyring: CodeKeyring, gtin: str, lot: str | None, version: int) -> None:
        self.keyring, self.gtin, self.lot, self.version = keyring, gtin, lot, version
        # Build (and so validate) the element string once; serials only ever append to it.
        base = build_element_string(code_elements(gtin, lot, None))
        self._prefix = base + (GS if lot is not None else "") + "21"
        self.mac = PrefixedHmac(keyring.product_key(version, gtin), self._prefix.encode())

    def tags(self, serials: Sequence[str]) -> list[str]:
        """The `auth` values for these serials, in order."""
        macs = self.mac.digests([s.encode("ascii") for s in serials], length=TAG_BYTES)
        text = _hex(b"".join(macs))
        head = f"{self.version}."
        return [head + text[i : i + TAG_CHARS] for i in range(0, len(text), TAG_CHARS)]

    def links(self, prefix: str, serials: Sequence[str], tags: Sequence[str]) -> list[str]:
        """`fast_link` for many serials at once."""
        return [
            f"{prefix}{s if s.isalnum() else escape_path(s)}?{AUTH_PARAM}={t}"
            for s, t in zip(serials, tags, strict=True)
        ]

    def batch_tag(self) -> str:
        """The `auth` value of the lot's batch-level code (no serial)."""
        return self.keyring.tag_for(code_elements(self.gtin, self.lot, None), self.version)

    def hidden_mac(self) -> PrefixedHmac:
        """The MAC of this product's hidden codes, keyed and prefixed for item serials."""
        return PrefixedHmac(self.keyring.hidden_key(self.version, self.gtin), self._prefix.encode())

    def hidden_codes(self, serials: Sequence[str | None]) -> list[str]:
        """Hidden verification codes (three groups of four characters) for these serials."""
        key = self.keyring.hidden_key(self.version, self.gtin)
        return [hidden_text(hmac.digest(key, self._message(s), "sha256")[:16]) for s in serials]

    def _message(self, serial: str | None) -> bytes:
        if serial is None:
            return build_element_string(code_elements(self.gtin, self.lot, None)).encode()
        return (self._prefix + serial).encode("ascii")

    def link_prefix(self, stem: str) -> str:
        """The Digital Link up to the serial, validated once by the strict builder."""
        uri = build_digital_link(code_elements(self.gtin, self.lot, None), stem=stem)
        return uri + "/21/"

    def batch_link(self, stem: str) -> str:
        """The Digital Link of the lot's batch-level code."""
        uri = build_digital_link(code_elements(self.gtin, self.lot, None), stem=stem)
        return f"{uri}?{AUTH_PARAM}={self.batch_tag()}"


def code_link(stem: str, gtin: str, lot: str | None, serial: str | None, tag: str) -> str:
    """The Digital Link of one code, built and validated by the strict builder."""
    uri = build_digital_link(code_elements(gtin, lot, serial), stem=stem)
    return f"{uri}?{AUTH_PARAM}={escape_query(tag)}"


def fast_link(prefix: str, serial: str, tag: str) -> str:
    """A code link from `CodeSigner.link_prefix`; serials and tags need no escaping."""
    path = serial if serial.isalnum() else escape_path(serial)
    return f"{prefix}{path}?{AUTH_PARAM}={tag}"


def hidden_text(digest: bytes) -> str:
    """A hidden code from the first 16 bytes of its MAC: 12 alphabet characters in groups."""
    value = int.from_bytes(digest, "big")
    chars = []
    for _ in range(HIDDEN_LENGTH):
        value, index = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[index])
    text = "".join(chars)
    return "-".join(text[i : i + HIDDEN_GROUP] for i in range(0, HIDDEN_LENGTH, HIDDEN_GROUP))
