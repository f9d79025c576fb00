"""Identifier canonicalisation for the Event Hash ID: EPC URNs and Digital Links → the
constrained canonical Digital Link on `https://id.gs1.org` (CBV 2.0 §8.9.3 rules 17–18).

This is deliberately lenient: it rewrites spellings, it does not validate (the validator does).
A value it does not recognise is returned unchanged. Check digits are computed with gs1.keys.
Percent-encoding follows the reference vectors: everything except `A-Z a-z 0-9 - . _ ~ '`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from livetrace.gs1.keys import compute_check_digit

STEM = "https://id.gs1.org"
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~']")
_EPC_URN = re.compile(r"urn:epc:(id|class|idpat):([a-z]+):(.+)")
_PRIMARY = frozenset(
    [
        "00",
        "01",
        "253",
        "255",
        "401",
        "402",
        "414",
        "417",
        "8003",
        "8004",
        "8006",
        "8010",
        "8017",
        "8018",
    ]
)
# The finest-grained qualifier combinations the hash keeps, per primary key, best first.
_KEEP: dict[str, tuple[tuple[str, ...], ...]] = {
    "01": (("21",), ("235",), ("10",)),
    "414": (("254",),),
    "8006": (("21",), ("10",)),
    "8010": (("8011",),),
}
_ALPHAS = {
    "gtin": "01", "sscc": "00", "gln": "414", "party": "417", "grai": "8003", "giai": "8004",
    "gsrn": "8018", "gsrnp": "8017", "gdti": "253", "gcn": "255", "ginc": "401", "gsin": "402",
    "itip": "8006", "cpid": "8010", "ser": "21", "lot": "10", "cpv": "22", "glnx": "254",
    "cpsn": "8011", "tpx": "235",
}  # fmt: skip


def _unescape(text: str) -> str:
    if "%" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _escape(text: str) -> str:
    if _UNSAFE.search(text) is None:  # the common case: nothing to encode
        return text
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _with_check(body: str) -> str:
    return body + str(compute_check_digit(body))


def build(pairs: list[tuple[str, str]]) -> str:
    """`https://id.gs1.org/{ai}/{value}…` for decoded (AI, value) pairs."""
    return STEM + "".join(f"/{ai}/{_escape(value)}" for ai, value in pairs)


def _gtin(cp: str, item: str) -> str:
    return _with_check(item[:1] + cp + item[1:])


def _key(total_without_check: int) -> Callable[[str, str], str]:
    def make(cp: str, ref: str) -> str:
        body = cp + ref
        if len(body) != total_without_check:
            raise ValueError("wrong length")
        return _with_check(body)

    return make


_Conv = Callable[[list[str]], list[tuple[str, str]]]
_URN: dict[str, _Conv] = {
    "sgtin": lambda p: [("01", _gtin(p[0], p[1])), ("21", p[2])],
    "lgtin": lambda p: [("01", _gtin(p[0], p[1])), ("10", p[2])],
    "upui": lambda p: [("01", _gtin(p[0], p[1])), ("235", p[2])],
    "sscc": lambda p: [("00", _with_check(p[1][:1] + p[0] + p[1][1:]))],
    "sgln": lambda p: [("414", _key(12)(p[0], p[1]))] + ([("254", p[2])] if p[2] != "0" else []),
    "grai": lambda p: [("8003", "0" + _key(12)(p[0], p[1]) + p[2])],
    "giai": lambda p: [("8004", p[0] + p[1])],
    "gsrn": lambda p: [("8018", _key(17)(p[0], p[1]))],
    "gsrnp": lambda p: [("8017", _key(17)(p[0], p[1]))],
    "gdti": lambda p: [("253", _key(12)(p[0], p[1]) + p[2])],
    "sgcn": lambda p: [("255", _key(12)(p[0], p[1]) + p[2])],
    "cpi": lambda p: [("8010", p[0] + p[1]), ("8011", p[2])],
    "itip": lambda p: [("8006", _gtin(p[0], p[1]) + p[2] + p[3]), ("21", p[4])],
    "ginc": lambda p: [("401", p[0] + p[1])],
    "gsin": lambda p: [("402", _key(16)(p[0], p[1]))],
    "pgln": lambda p: [("417", _key(12)(p[0], p[1]))],
}
_PATTERN_KEYS = {"sgtin": 2, "lgtin": 2, "grai": 2, "gdti": 2, "sgcn": 2, "cpi": 2, "itip": 4}


def epc_urn_to_dl(uri: str) -> str | None:
    """The canonical Digital Link of an EPC URN / class URN / pattern, None if not convertible."""
    match = _EPC_URN.fullmatch(uri)
    if match is None or match.group(2) not in _URN:
        return None
    kind, scheme, body = match.groups()
    parts = [_unescape(p) for p in body.split(".")]
    if kind == "idpat":
        return _pattern_to_dl(scheme, parts)
    try:
        return build(_URN[scheme](parts))
    except (ValueError, IndexError):
        return None


def _pattern_to_dl(scheme: str, parts: list[str]) -> str | None:
    """A pattern whose wildcard covers only the serial is the class-level key."""
    keep = _PATTERN_KEYS.get(scheme)
    if keep is None or parts[keep:] != ["*"] * (len(parts) - keep) or "*" in parts[:keep]:
        return None
    try:
        pairs = _URN[scheme]([*parts[:keep], *([""] * (len(parts) - keep))])
    except (ValueError, IndexError):
        return None
    if scheme == "grai":
        pairs = [("8003", pairs[0][1])]
    return build([pairs[0]])


def canonical_dl(uri: str) -> str | None:
    """The constrained canonical form of a Digital Link URI, None if `uri` is not one."""
    match = re.fullmatch(r"https?://[^/?#]+((?:/[^/?#]*)*)(?:\?[^#]*)?(?:#.*)?", uri)
    if match is None:
        return None
    segments = match.group(1).split("/")[1:]
    for start in range(len(segments) - 1):
        ai = _ALPHAS.get(segments[start], segments[start])
        if ai in _PRIMARY and (len(segments) - start) % 2 == 0:
            pairs = [
                (_ALPHAS.get(segments[i], segments[i]), _unescape(segments[i + 1]))
                for i in range(start, len(segments), 2)
            ]
            if all(a.isdigit() for a, _ in pairs) and pairs[0][1]:
                return build(_finest(pairs))
    return None


def _finest(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    key_ai, key_value = pairs[0]
    if key_ai == "01" and len(key_value) < 14 and key_value.isdigit():
        key_value = key_value.zfill(14)
    present = dict(pairs[1:])
    for combo in _KEEP.get(key_ai, ()):
        if all(q in present for q in combo):
            return [(key_ai, key_value), *((q, present[q]) for q in combo)]
    return [(key_ai, key_value)]


# A capture converts each identifier several times (hash, index rows, projections) and a batch
# names the same EPCs again and again; the conversion is pure, so it is memoised.
@lru_cache(maxsize=1 << 16)
def canonical_identifier(value: str) -> str | None:
    """The hash form of an EPC URN or Digital Link, None when `value` is neither."""
    if value.startswith("urn:epc:"):
        return epc_urn_to_dl(value)
    if value.startswith(("http://", "https://")):
        return canonical_dl(value)
    return None
