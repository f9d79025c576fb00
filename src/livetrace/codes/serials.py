"""Random serial numbers for item codes, pure.

Two formats, chosen by the run's target:

* **Alphanumeric** (QR and SGTIN-198 runs): 13 characters from `ALPHABET`, the 31 digits and
  capital letters left after dropping the look-alikes 0/O, 1/I/L. Each character is uniform over
  31 symbols, so a serial carries 13 x log2(31) = 64.4 bits of randomness. Every character is
  in GS1 character set 82 and URI-unreserved, so a serial is a valid AI (21) value that needs no
  percent-encoding in a Digital Link, and it fits SGTIN-198 (at most 20 characters).
* **Numeric** (SGTIN-96 runs): a decimal integer in 1..2^38-1 without leading zeros, the only
  serials SGTIN-96 can encode. That is just under 38 bits: random serials of one GTIN collide
  after about 2^19 (half a million) codes by the birthday bound, so the service relies on the
  unique index on (GTIN, serial) and replaces any serial that is already taken. A numeric serial
  is therefore unique but guessable; what makes a code unforgeable is its authenticator (a MAC),
  never the serial.

Randomness comes from `os.urandom` in bulk: bytes 248..255 are discarded and the rest are
reduced mod 31 (248 = 8 x 31), which keeps every character exactly uniform.
"""

from __future__ import annotations

import math
import os
import secrets

from livetrace.codes.errors import SerialError
from livetrace.codes.states import Target
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.epc_binary import SGTIN96_MAX_SERIAL, serial_fits_sgtin96

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SERIAL_LENGTH = 13
MAX_SERIAL_LENGTH = 20  # AI (21) and SGTIN-198 both allow 20 characters
_ACCEPT = 248  # the largest multiple of len(ALPHABET) that fits in a byte
_REJECT = bytes(range(_ACCEPT, 256))
_TO_ALPHABET = bytes(ord(ALPHABET[b % len(ALPHABET)]) if b < _ACCEPT else 0 for b in range(256))


def randomness_bits(length: int = SERIAL_LENGTH) -> float:
    """Bits of randomness in an alphanumeric serial of `length` characters."""
    return length * math.log2(len(ALPHABET))


def random_characters(count: int) -> str:
    """`count` characters drawn uniformly and independently from `ALPHABET`."""
    accepted = b""
    while len(accepted) < count:
        missing = count - len(accepted)
        # Ask for about 4% more than needed: 8 of 256 byte values are rejected.
        accepted += os.urandom(missing + missing // 24 + 16).translate(None, _REJECT)
    return accepted[:count].translate(_TO_ALPHABET).decode("ascii")


def alphanumeric_serials(count: int, length: int = SERIAL_LENGTH) -> list[str]:
    """`count` random alphanumeric serials (duplicates are possible, though vanishingly rare)."""
    text = random_characters(count * length)
    return [text[i : i + length] for i in range(0, count * length, length)]


def numeric_serials(count: int) -> list[str]:
    """`count` random SGTIN-96 serials in 1..2^38-1 (duplicates are possible)."""
    return [str(secrets.randbelow(SGTIN96_MAX_SERIAL) + 1) for _ in range(count)]


def random_serials(count: int, target: Target) -> list[str]:
    """`count` distinct random serials in the format the target needs."""
    make = numeric_serials if target is Target.SGTIN_96 else alphanumeric_serials
    serials = list(dict.fromkeys(make(count)))
    while len(serials) < count:
        serials = list(dict.fromkeys(serials + make(count - len(serials))))
    return serials


def validate_serial(serial: str, target: Target, *, index: int | None = None) -> str:
    """Raise `SerialError` unless `serial` is a valid AI (21) value that fits the target."""
    where = "" if index is None else f" (serial #{index + 1})"
    details = {"serial": serial, "index": index, "target": target}
    if len(serial) > MAX_SERIAL_LENGTH:
        raise SerialError(
            f"serial {serial!r}{where} has {len(serial)} characters; AI (21) allows at most "
            f"{MAX_SERIAL_LENGTH}",
            field="serials",
            details=details,
        )
    if not serial or any(c not in CSET82 for c in serial):
        raise SerialError(
            f"serial {serial!r}{where} must be 1-20 characters of GS1 character set 82",
            field="serials",
            details=details,
        )
    if target is Target.SGTIN_96 and not serial_fits_sgtin96(serial):
        raise SerialError(
            f"serial {serial!r}{where} does not fit SGTIN-96: it needs digits without leading "
            f"zeros and a value up to {SGTIN96_MAX_SERIAL}; choose target sgtin-198",
            field="serials",
            details=details,
        )
    return serial
