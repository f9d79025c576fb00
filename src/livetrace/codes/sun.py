"""NXP NTAG 424 DNA Secure Unique NFC (SUN) verification in AES mode, pure.

On every read an NTAG 424 DNA rewrites its NDEF URL with fresh Secure Dynamic Messaging (SDM) data:
the UID and a 24-bit read counter, encrypted under the SDM meta-read key (`picc_data`), optionally
some encrypted file data (`enc`), and a truncated CMAC under a session key derived from the SDM
file-read key (`cmac`). A tap is genuine when the MAC verifies, and fresh when its counter is above
the last counter accepted for that UID. A copied URL therefore works at most once.

Specifications: NXP AN12196 Rev 1.8 (SUN backend, vectors in Tables 2-6 and 30), the NT4H2421Gx
datasheet (session vectors SV1/SV2), NXP AN10922 (AES-128 key diversification) and NIST SP 800-38B
(CMAC subkeys).

Choices where the specifications leave room:

- AES mode only. 24-byte (LRP-mode) PICC data raises `UnsupportedSunModeError` rather than
  failing as a forgery.
- The decrypted PICCDataTag must be exactly 0xC7: UID and read counter both mirrored, and a 7-byte
  UID, the only length the chip has. Without the counter, replays cannot be detected, so a tag
  configured without it is rejected instead of being half verified.
- `verify_sun` checks in this order: shape, then PICC decryption, MAC, counter, file decryption.
  The counter is compared only for an authentic tap, so a forgery always reports a MAC error and
  learns nothing about the stored counter. File data is decrypted only once it is authenticated.
- The default MAC input follows AN12196's examples. Without `enc` it is empty
  (SDMMACInputOffset == SDMMACOffset, Table 5). With `enc` it is the enc text followed by
  `&<cmac_param>=` (SDMMACInputOffset == ENCDataOffset, Tables 4 and 6), or the enc text alone
  when `cmac_param` is None (the MAC written straight after enc, as in sdm-backend's bulk layout).
  For any other layout, pass `mac_input`, e.g. sliced out of the NDEF file with `sdm_mac_input`.
- The MAC covers the exact ASCII the tag wrote, and the tag writes uppercase hex. `enc` is used as
  received and never re-cased: a re-cased value is not what the tag MACed, so it must fail.
- A `last_counter` of None means no tap of this UID was accepted before. Any counter then passes,
  0 included (a new tag mirrors 1 on its first read).
- For AN10922, the diversification input M is UID || application id || system identifier, 1 to 31
  bytes. It is always padded to two blocks as AN10922 requires. This differs from plain CMAC
  padding when M is shorter than 16 bytes.
- The NXP originality signature check is offered as well. The signature is static, so a clone can
  replay it: it proves that NXP made a chip with this UID, not that this chip is present.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from livetrace.codes.errors import (
    MalformedSunError,
    OriginalitySignatureError,
    SunCounterRollbackError,
    SunDecryptionError,
    SunMacError,
    SunReplayError,
    UnsupportedSunModeError,
)

KEY_SIZE = 16
UID_SIZE = 7
MAC_SIZE = 8
COUNTER_MAX = 0xFFFFFF
PICC_DATA_TAG = 0xC7
PICC_PADDING_SIZE = 5
NXP_ORIGINALITY_PUBLIC_KEY = bytes.fromhex(
    "048A9B380AF2EE1B98DC417FECC263F8449C7625CECE82D9B916C992DA209D68"
    "422B81EC20B65A66B5102A61596AF3379200599316A00A1410"
)

_BLOCK = 16
_ZERO_IV = bytes(_BLOCK)
_LRP_PICC_SIZE = 24
_AN10922_MAX_INPUT = 31
_CMAC_RB = 0x87  # SP 800-38B constant for 128-bit blocks
_SV1_PREFIX = bytes.fromhex("C33C00010080")  # session vector for KSesSDMFileReadENC
_SV2_PREFIX = bytes.fromhex("3CC300010080")  # session vector for KSesSDMFileReadMAC
_SIGNATURE_HALF = 28  # secp224r1 r and s are 28 bytes each
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")

KeyForUid = Callable[[bytes], bytes]
"""Looks up a tag's SDM file-read key once its UID is known (e.g. by AN10922 diversification)."""

LastCounterForUid = Callable[[bytes], int | None]
"""Looks up the last accepted counter of a UID, or None if none was accepted."""


@dataclass(frozen=True, slots=True)
class PiccData:
    """The UID and SDM read counter mirrored in a tag's encrypted PICC data."""

    uid: bytes
    counter: int


@dataclass(frozen=True, slots=True)
class SunTap:
    """A verified tap: authentic and fresh, with its decrypted file data if any was mirrored."""

    uid: bytes
    counter: int
    file_data: bytes | None = None


# --- AES and CMAC primitives ---------------------------------------------------------------


def _aes_ecb_encrypt(key: bytes, block: bytes) -> bytes:
    # One block through ECB is the bare AES permutation the CMAC subkey and IV steps specify.
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(block) + encryptor.finalize()


def _aes_cbc(key: bytes, iv: bytes, data: bytes, *, decrypt: bool) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    context = cipher.decryptor() if decrypt else cipher.encryptor()
    return context.update(data) + context.finalize()


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def _double(block: bytes) -> bytes:
    """Multiply by x in GF(2^128), the subkey step of SP 800-38B."""
    value = int.from_bytes(block, "big") << 1
    if value >> 128:
        value = (value & ((1 << 128) - 1)) ^ _CMAC_RB
    return value.to_bytes(_BLOCK, "big")


def aes_cmac(key: bytes, message: bytes) -> bytes:
    """The full 16-byte AES-CMAC of a message (empty allowed)."""
    _require_size(key, KEY_SIZE, "key")
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def cmac_subkeys(key: bytes) -> tuple[bytes, bytes]:
    """The CMAC subkeys K1 and K2 of an AES-128 key (SP 800-38B)."""
    _require_size(key, KEY_SIZE, "key")
    k1 = _double(_aes_ecb_encrypt(key, bytes(_BLOCK)))
    return k1, _double(k1)


# --- Input checks ----------------------------------------------------------------------------


def _require_size(value: bytes, size: int, field: str) -> None:
    if len(value) != size:
        raise MalformedSunError(f"`{field}` must be {size} bytes, got {len(value)}", field=field)


def _require_uid(uid: bytes) -> None:
    _require_size(uid, UID_SIZE, "uid")


def _require_counter(counter: int) -> None:
    if not 0 <= counter <= COUNTER_MAX:
        raise MalformedSunError(
            f"SDM read counter must be within 0..{COUNTER_MAX}, got {counter}", field="counter"
        )


def _parse_hex(text: str, field: str) -> bytes:
    if not _HEX.fullmatch(text):
        raise MalformedSunError(
            f"`{field}` must be an even number of hex digits, got {text[:64]!r}", field=field
        )
    return bytes.fromhex(text)


# --- Key diversification (AN10922) -------------------------------------------------------------


def diversify_key(
    master_key: bytes, uid: bytes, *, application_id: bytes = b"", system_identifier: bytes = b""
) -> bytes:
    """Derive a tag's AES-128 key from a master key per NXP AN10922 (CMAC, constant 0x01)."""
    _require_size(master_key, KEY_SIZE, "master_key")
    diversification = uid + application_id + system_identifier
    if not 1 <= len(diversification) <= _AN10922_MAX_INPUT:
        raise MalformedSunError(
            "AN10922 diversification input (UID + application id + system identifier) must be "
            f"1..{_AN10922_MAX_INPUT} bytes, got {len(diversification)}",
            field="uid",
        )
    k1, k2 = cmac_subkeys(master_key)
    data = b"\x01" + diversification
    # AN10922 always MACs two blocks: a full input uses K1, a short one is padded and uses K2.
    if len(data) == 2 * _BLOCK:
        padded, subkey = data, k1
    else:
        padded, subkey = (data + b"\x80").ljust(2 * _BLOCK, b"\x00"), k2
    blocks = padded[:_BLOCK] + _xor(padded[_BLOCK:], subkey)
    return _aes_cbc(master_key, _ZERO_IV, blocks, decrypt=False)[-_BLOCK:]


# --- PICC data ---------------------------------------------------------------------------------


def decrypt_picc_data(picc_data: bytes, meta_read_key: bytes) -> PiccData:
    """Decrypt AES-mode PICCENCData and read the mirrored UID and little-endian read counter."""
    _require_size(meta_read_key, KEY_SIZE, "meta_read_key")
    if len(picc_data) == _LRP_PICC_SIZE:
        raise UnsupportedSunModeError(
            "picc_data is 24 bytes, the LRP-mode layout; only AES-mode SUN is supported",
            field="picc_data",
        )
    _require_size(picc_data, _BLOCK, "picc_data")
    plain = _aes_cbc(meta_read_key, _ZERO_IV, picc_data, decrypt=True)
    if plain[0] != PICC_DATA_TAG:
        raise SunDecryptionError(
            f"decrypted PICCDataTag is 0x{plain[0]:02X}, expected 0x{PICC_DATA_TAG:02X} "
            "(UID and counter mirrored, 7-byte UID): wrong SDM meta-read key, altered "
            "picc_data, or a tag that does not mirror both UID and counter",
            field="picc_data",
        )
    uid = plain[1 : 1 + UID_SIZE]
    counter = int.from_bytes(plain[1 + UID_SIZE : 4 + UID_SIZE], "little")
    return PiccData(uid=uid, counter=counter)


def encrypt_picc_data(uid: bytes, counter: int, meta_read_key: bytes, padding: bytes) -> bytes:
    """Build AES-mode PICCENCData as a tag would; the caller supplies the 5 random padding bytes."""
    _require_uid(uid)
    _require_counter(counter)
    _require_size(meta_read_key, KEY_SIZE, "meta_read_key")
    _require_size(padding, PICC_PADDING_SIZE, "padding")
    plain = bytes([PICC_DATA_TAG]) + uid + counter.to_bytes(3, "little") + padding
    return _aes_cbc(meta_read_key, _ZERO_IV, plain, decrypt=False)


# --- Session keys and MAC ----------------------------------------------------------------------


def _session_key(prefix: bytes, file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    _require_size(file_read_key, KEY_SIZE, "file_read_key")
    _require_uid(uid)
    _require_counter(counter)
    vector = prefix + uid + counter.to_bytes(3, "little")
    # The datasheet zero-pads SV to whole blocks; with a 7-byte UID it is exactly one block.
    padded = vector.ljust(-(-len(vector) // _BLOCK) * _BLOCK, b"\x00")
    return aes_cmac(file_read_key, padded)


def session_mac_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadMAC = CMAC(K_SDMFileRead, SV2 = 3CC3 0001 0080 || UID || counter)."""
    return _session_key(_SV2_PREFIX, file_read_key, uid, counter)


def session_enc_key(file_read_key: bytes, uid: bytes, counter: int) -> bytes:
    """KSesSDMFileReadENC = CMAC(K_SDMFileRead, SV1 = C33C 0001 0080 || UID || counter)."""
    return _session_key(_SV1_PREFIX, file_read_key, uid, counter)


def sdm_mac(session_key: bytes, mac_input: bytes) -> bytes:
    """The 8-byte SDMMAC: the odd-indexed bytes of CMAC(KSesSDMFileReadMAC, mac_input)."""
    return aes_cmac(session_key, mac_input)[1::2]


def sdm_mac_input(ndef_file: bytes, *, mac_input_offset: int, mac_offset: int) -> bytes:
    """The bytes of the NDEF file the tag MACs: from SDMMACInputOffset up to SDMMACOffset."""
    if not 0 <= mac_input_offset <= mac_offset <= len(ndef_file):
        raise MalformedSunError(
            f"need 0 <= SDMMACInputOffset ({mac_input_offset}) <= SDMMACOffset ({mac_offset}) "
            f"<= file length ({len(ndef_file)})",
            field="mac_offset",
        )
    return ndef_file[mac_input_offset:mac_offset]


def default_mac_input(enc: str | None, cmac_param: str | None = "cmac") -> bytes:
    """AN12196's MAC input: empty, or the enc text plus `&<cmac_param>=` when enc is mirrored.

    A `cmac_param` of None stands for layouts where the MAC directly follows the enc text.
    """
    if enc is None:
        return b""
    separator = "" if cmac_param is None else f"&{cmac_param}="
    return f"{enc}{separator}".encode("ascii")


# --- Encrypted file data -----------------------------------------------------------------------


def file_data_iv(session_key: bytes, counter: int) -> bytes:
    """The SDMENCFileData IV: AES-ECB(KSesSDMFileReadENC, counter little-endian || 0^13)."""
    return _aes_ecb_encrypt(session_key, counter.to_bytes(3, "little") + bytes(13))


def _require_file_blocks(data: bytes) -> None:
    if not data or len(data) % _BLOCK:
        raise MalformedSunError(
            f"SDMENCFileData must be a non-empty multiple of {_BLOCK} bytes, got {len(data)}",
            field="enc",
        )


def decrypt_file_data(session_key: bytes, counter: int, enc_file_data: bytes) -> bytes:
    """Decrypt SDMENCFileData: AES-CBC under KSesSDMFileReadENC, IV = E(key, counter || 0^13)."""
    _require_size(session_key, KEY_SIZE, "session_key")
    _require_counter(counter)
    _require_file_blocks(enc_file_data)
    return _aes_cbc(session_key, file_data_iv(session_key, counter), enc_file_data, decrypt=True)


def encrypt_file_data(session_key: bytes, counter: int, file_data: bytes) -> bytes:
    """Encrypt file data as a tag mirrors it into SDMENCFileData (whole blocks only)."""
    _require_size(session_key, KEY_SIZE, "session_key")
    _require_counter(counter)
    _require_file_blocks(file_data)
    return _aes_cbc(session_key, file_data_iv(session_key, counter), file_data, decrypt=False)


# --- Verification ------------------------------------------------------------------------------


def check_counter(uid: bytes, counter: int, last_counter: int | None) -> None:
    """Raise unless the counter is strictly above the last one accepted for this UID."""
    if last_counter is None or counter > last_counter:
        return
    details = {"uid": uid.hex().upper(), "counter": counter, "last_counter": last_counter}
    if counter == last_counter:
        raise SunReplayError(
            f"tap counter {counter} was already accepted for this tag: a replayed URL",
            field="counter",
            details=details,
        )
    raise SunCounterRollbackError(
        f"tap counter {counter} is below the last accepted {last_counter}: a stale copied URL",
        field="counter",
        details=details,
    )


def _check_mac(
    file_read_key: bytes, uid: bytes, counter: int, mac_input: bytes, mac: bytes
) -> None:
    expected = sdm_mac(session_mac_key(file_read_key, uid, counter), mac_input)
    if not hmac.compare_digest(expected, mac):
        raise SunMacError(
            "SDM MAC does not match: the tap is forged or altered, or the keys or MAC input "
            "do not match the tag's configuration",
            field="cmac",
        )


def _resolve_key(file_read_key: bytes | KeyForUid, uid: bytes) -> bytes:
    return file_read_key if isinstance(file_read_key, bytes) else file_read_key(uid)


def _resolve_last(last_counter: int | LastCounterForUid | None, uid: bytes) -> int | None:
    if last_counter is None or isinstance(last_counter, int):
        return last_counter
    return last_counter(uid)


def _parse_mac(cmac: str) -> bytes:
    mac = _parse_hex(cmac, "cmac")
    _require_size(mac, MAC_SIZE, "cmac")
    return mac


def _accept(
    uid: bytes,
    counter: int,
    *,
    file_read_key: bytes,
    mac: bytes,
    mac_input: bytes,
    last_counter: int | LastCounterForUid | None,
) -> None:
    """Authenticate, then check freshness: the order matters (see the module docstring)."""
    _check_mac(file_read_key, uid, counter, mac_input, mac)
    check_counter(uid, counter, _resolve_last(last_counter, uid))


def verify_sun(
    *,
    picc_data: str,
    cmac: str,
    meta_read_key: bytes,
    file_read_key: bytes | KeyForUid,
    last_counter: int | LastCounterForUid | None,
    enc: str | None = None,
    mac_input: bytes | None = None,
    cmac_param: str | None = "cmac",
) -> SunTap:
    """Verify the URL parameters of an encrypted-mirror SUN tap; raise unless genuine and fresh."""
    picc_bytes = _parse_hex(picc_data, "picc_data")
    mac = _parse_mac(cmac)
    enc_bytes = None if enc is None else _parse_hex(enc, "enc")
    if enc_bytes is not None:
        _require_file_blocks(enc_bytes)
    picc = decrypt_picc_data(picc_bytes, meta_read_key)
    key = _resolve_key(file_read_key, picc.uid)
    _accept(
        picc.uid,
        picc.counter,
        file_read_key=key,
        mac=mac,
        mac_input=default_mac_input(enc, cmac_param) if mac_input is None else mac_input,
        last_counter=last_counter,
    )
    if enc_bytes is None:
        return SunTap(uid=picc.uid, counter=picc.counter)
    session_key = session_enc_key(key, picc.uid, picc.counter)
    file_data = decrypt_file_data(session_key, picc.counter, enc_bytes)
    return SunTap(uid=picc.uid, counter=picc.counter, file_data=file_data)


def verify_plain_sun(
    *,
    uid: str,
    counter: str,
    cmac: str,
    file_read_key: bytes | KeyForUid,
    last_counter: int | LastCounterForUid | None,
    mac_input: bytes = b"",
) -> SunTap:
    """Verify a plain-mirror SUN tap (UID and counter in clear); raise unless genuine and fresh.

    The plain counter is printed most significant byte first (`ctr=000006` is 6).
    """
    uid_bytes = _parse_hex(uid, "uid")
    _require_uid(uid_bytes)
    counter_bytes = _parse_hex(counter, "counter")
    _require_size(counter_bytes, 3, "counter")
    counter_value = int.from_bytes(counter_bytes, "big")
    _accept(
        uid_bytes,
        counter_value,
        file_read_key=_resolve_key(file_read_key, uid_bytes),
        mac=_parse_mac(cmac),
        mac_input=mac_input,
        last_counter=last_counter,
    )
    return SunTap(uid=uid_bytes, counter=counter_value)


# --- Originality signature (AN12196 section 8.2) -----------------------------------------------


def _load_public_key(public_key: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP224R1(), public_key)
    except ValueError as exc:
        raise MalformedSunError(
            "originality public key is not a secp224r1 point", field="public_key"
        ) from exc


def verify_originality_signature(
    uid: bytes, signature: bytes, public_key: bytes = NXP_ORIGINALITY_PUBLIC_KEY
) -> None:
    """Check a chip's ECDSA secp224r1 originality signature (r || s) over its UID; raise if bad."""
    _require_uid(uid)
    _require_size(signature, 2 * _SIGNATURE_HALF, "signature")
    r = int.from_bytes(signature[:_SIGNATURE_HALF], "big")
    s = int.from_bytes(signature[_SIGNATURE_HALF:], "big")
    # NXP uses the raw UID as the ECDSA hash value. Left zero-padding it to SHA-224's size leaves
    # its integer value unchanged, so a prehashed SHA-224 verification computes the same check.
    digest = uid.rjust(_SIGNATURE_HALF, b"\x00")
    algorithm = ec.ECDSA(Prehashed(hashes.SHA224()))
    try:
        _load_public_key(public_key).verify(encode_dss_signature(r, s), digest, algorithm)
    except InvalidSignature as exc:
        raise OriginalitySignatureError(
            f"originality signature does not verify for UID {uid.hex().upper()}", field="signature"
        ) from exc
