"""Identifiers in query results translated per the `GS1-EPC-Format` header. Pure.

`Always_GS1_Digital_Link` (the default) writes EPC URNs as canonical Digital Links;
`Always_EPC_URN` writes GS1 Digital Links as EPC URNs, which needs the GS1 company prefix length:
it is taken from the longest known company prefix (the parties' registered prefixes) that the key
starts with, else 7 digits; `No_Preference` and `Never_Translates` keep identifiers as captured.
A value that cannot be translated is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import StrEnum
from typing import Any

from livetrace.epcis._hash_ids import canonical_dl
from livetrace.epcis.identifiers import canonical_epc
from livetrace.gs1.digital_link import parse_digital_link
from livetrace.gs1.epc import elements_to_epc
from livetrace.gs1.errors import Gs1Error

DEFAULT_PREFIX_LENGTH = 7
_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITIES = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


class EpcFormat(StrEnum):
    """Values of the `GS1-EPC-Format` header."""

    NO_PREFERENCE = "No_Preference"
    DIGITAL_LINK = "Always_GS1_Digital_Link"
    EPC_URN = "Always_EPC_URN"
    NEVER = "Never_Translates"


def translate_event(
    document: dict[str, Any], fmt: EpcFormat, prefixes: Collection[str] = ()
) -> dict[str, Any]:
    """A copy of a stored event JSON with its identifiers in the requested form."""
    if fmt in (EpcFormat.NO_PREFERENCE, EpcFormat.NEVER):
        return document
    one: Callable[[str], str] = to_digital_link
    if fmt is EpcFormat.EPC_URN:

        def one(value: str) -> str:
            return to_urn(value, prefixes)

    out = dict(document)
    for key in _LISTS:
        if isinstance(out.get(key), list):
            out[key] = [one(v) if isinstance(v, str) else v for v in out[key]]
    if isinstance(out.get("parentID"), str):
        out["parentID"] = one(out["parentID"])
    for key in _QUANTITIES:
        if isinstance(out.get(key), list):
            out[key] = [_member(q, "epcClass", one) for q in out[key]]
    for key in ("readPoint", "bizLocation"):
        if isinstance(out.get(key), dict):
            out[key] = _member(out[key], "id", one)
    for key, member in (("sourceList", "source"), ("destinationList", "destination")):
        if isinstance(out.get(key), list):
            out[key] = [_member(item, member, one) for item in out[key]]
    return out


def _member(obj: Any, key: str, one: Callable[[str], str]) -> Any:
    if isinstance(obj, dict) and isinstance(obj.get(key), str):
        return {**obj, key: one(obj[key])}
    return obj


def to_digital_link(value: str) -> str:
    """An EPC URN as its canonical Digital Link; anything else unchanged."""
    return canonical_epc(value) if value.startswith("urn:epc:") else value


def to_urn(value: str, prefixes: Collection[str] = ()) -> str:
    """A GS1 Digital Link as its EPC URN (class-level GTINs as an `idpat:sgtin` pattern)."""
    canonical = canonical_dl(value) if value.startswith(("http://", "https://")) else None
    if canonical is None:
        return value
    try:
        elements = parse_digital_link(canonical).elements()
        key = elements[0].value
        n = _prefix_length(key, prefixes)
        if len(elements) == 1 and elements[0].ai == "01":
            return f"urn:epc:idpat:sgtin:{key[1 : 1 + n]}.{key[0]}{key[1 + n : 13]}.*"
        return elements_to_epc(elements, n).uri
    except (Gs1Error, ValueError, IndexError):
        return value


def _prefix_length(key: str, prefixes: Collection[str]) -> int:
    """The length of the longest known company prefix in the key (GTIN/SSCC skip one digit)."""
    best = 0
    for prefix in prefixes:
        if len(prefix) > best and (key.startswith(prefix) or key[1:].startswith(prefix)):
            best = len(prefix)
    return best or DEFAULT_PREFIX_LENGTH
