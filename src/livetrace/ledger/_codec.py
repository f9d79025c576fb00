"""Strict text codecs shared by the C2SP formats: canonical base64 and canonical decimals.

Each helper returns ``None`` on bad input so that every caller raises its own module's error with
the field or line that was wrong.
"""

from __future__ import annotations

import base64
import binascii

MAX_UINT64 = 2**64 - 1
_DIGITS = frozenset("0123456789")


def b64decode_canonical(text: str) -> bytes | None:
    """Decode standard padded base64 (RFC 4648 §4), or None unless ``text`` is its canonical form.

    Rejecting non-canonical encodings (stray trailing bits) means one value has one spelling, so
    two parties can never disagree about whether two lines carry the same hash or signature.
    """
    if not text.isascii():
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        return None
    if base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def b64encode(raw: bytes) -> str:
    """Standard padded base64 as text."""
    return base64.b64encode(raw).decode("ascii")


def parse_decimal(text: str, *, maximum: int = MAX_UINT64) -> int | None:
    """ASCII decimal with no leading zeros (``0`` alone is allowed) up to ``maximum``, else None."""
    if not text or not set(text) <= _DIGITS:
        return None
    if len(text) > 1 and text[0] == "0":
        return None
    if len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None
