"""Value canonicalisation for the Event Hash ID: timestamps, numbers, URIs, CBV values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from livetrace.epcis import cbv
from livetrace.epcis._hash_ids import canonical_identifier
from livetrace.epcis.model import Number

_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)")
_DECIMAL = re.compile(r"[+-]?\d+\.\d+")
_CBV_URN = {
    "bizstep": "BizStep-",
    "disp": "Disp-",
    "btt": "BTT-",
    "sdt": "SDT-",
    "er": "ER-",
    "comp": "Comp-",
}
# The hash expands these prefixes whatever the context says (CBV 2.0 rule 15; the 2026
# reference canonicalises `gs1:` to ref.gs1.org although the JSON-LD context says gs1.org).
HASH_PREFIXES = {
    "gs1": cbv.GS1_VOC_WEB,
    "cbv": cbv.CBV_WEB,
    "epcis": "https://ref.gs1.org/epcis/",
}


def timestamp(text: str) -> str:
    """UTC with exactly three fraction digits, the 4th digit rounding half up; else unchanged."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return text.strip()
    head, fraction, zone = match.groups()
    fraction = fraction or ""
    millis = int(fraction[:3].ljust(3, "0"))
    if len(fraction) > 3 and fraction[3] >= "5":
        millis += 1
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        moment = datetime.fromisoformat(head + zone)
    except ValueError:
        return text.strip()
    moment = moment.astimezone(UTC) + timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def number(value: Number | str) -> str:
    """A number without trailing zeros and without exponent."""
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        return str(value).strip()
    if not dec.is_finite():
        return str(value).strip()
    text = format(dec.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def uri(value: str, prefixes: dict[str, str] | None = None) -> str:
    """A URI-valued field: identifiers to canonical DL, CBV URNs and CURIEs to Web URIs."""
    value = value.strip()
    canonical = canonical_identifier(value)
    if canonical is not None:
        return canonical
    if value.startswith("urn:epcglobal:cbv:"):
        kind, _, word = value[len("urn:epcglobal:cbv:") :].partition(":")
        if kind in _CBV_URN and word:
            return cbv.CBV_WEB + _CBV_URN[kind] + word
        return value
    if value.startswith(cbv.GS1_VOC_CONTEXT):
        return cbv.GS1_VOC_WEB + value[len(cbv.GS1_VOC_CONTEXT) :]
    return _expand_curie(value, prefixes or {})


def _expand_curie(value: str, prefixes: dict[str, str]) -> str:
    prefix, sep, local = value.partition(":")
    if not sep or local.startswith("//"):
        return value
    # Only the GS1 prefixes: the reference vectors keep user CURIEs in values (`example:x`).
    if prefix in HASH_PREFIXES:
        return HASH_PREFIXES[prefix] + local
    return value


def vocab(value: str, vocabulary: cbv.Vocabulary, prefixes: dict[str, str]) -> str:
    """A code-list value: bare standard words to their Web URI, other forms like `uri`."""
    if vocabulary.is_standard(value):
        return vocabulary.to_web_uri(value)
    return uri(value, prefixes)


def extension_text(value: str, prefixes: dict[str, str]) -> str:
    """A scalar inside an extension or ILMD: timestamps, decimals and URIs canonicalised."""
    text = value.strip()
    if _TIMESTAMP.fullmatch(text):
        return timestamp(text)
    if _DECIMAL.fullmatch(text):
        return number(text)
    return uri(text, prefixes)
