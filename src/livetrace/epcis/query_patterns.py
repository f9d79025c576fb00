"""EPC URN patterns (`urn:epc:idpat:…`) as SQL LIKE patterns over canonical Digital Links. Pure.

Stored identifiers are canonical Digital Links (`https://id.gs1.org/01/<gtin14>/21/<serial>`), so
a pattern becomes a LIKE pattern (escape character `\\`):

* only the serial/lot wildcarded (`sgtin:0614141.107346.*`) → the class key plus `/…`; for a
  class parameter (`MATCH_epcClass`) the class key itself matches too;
* company prefix fixed, the rest wildcarded (`sgtin:0614141.*.*`) → the key with the indicator
  digit free: `https://id.gs1.org/01/_0614141%`;
* everything wildcarded (`sgtin:*.*.*`) → any identifier of that key type.
"""

from __future__ import annotations

import re

from livetrace.epcis._hash_ids import STEM
from livetrace.epcis.identifiers import canonical_epc

# scheme → (AI of its key, a digit placed before the company prefix in that key, instance tail)
_SCHEMES: dict[str, tuple[str, str, str]] = {
    "sgtin": ("01", "_", "/21/%"),
    "lgtin": ("01", "_", "/10/%"),
    "sscc": ("00", "_", ""),
    "sgln": ("414", "", ""),
    "grai": ("8003", "0", ""),
    "giai": ("8004", "", ""),
    "gsrn": ("8018", "", ""),
    "gdti": ("253", "", ""),
    "pgln": ("417", "", ""),
}


class UnsupportedPatternError(ValueError):
    """An EPC pattern this repository cannot translate (e.g. a range or a mid-part wildcard)."""


def like_escape(text: str) -> str:
    """`text` with LIKE wildcards escaped by `\\`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def epc_patterns(value: str, *, is_class: bool) -> tuple[str, ...] | None:
    """LIKE patterns for an EPC pattern URN, None when `value` is not a pattern."""
    match = re.fullmatch(r"urn:epc:idpat:([a-z]+):(.+)", value)
    if match is None:
        return None
    scheme, body = match.groups()
    parts = body.split(".")
    key = canonical_epc(value)
    if key != value:  # only the serial (or lot) part is wildcarded
        escaped = like_escape(key)
        return (escaped, escaped + "/%") if is_class else (escaped + "/%",)
    if scheme not in _SCHEMES:
        raise UnsupportedPatternError(f"{value!r}: patterns of scheme {scheme!r} are not supported")
    return (_prefix_pattern(value, scheme, parts),)


def _prefix_pattern(value: str, scheme: str, parts: list[str]) -> str:
    ai, lead, tail = _SCHEMES[scheme]
    if all(p == "*" for p in parts):
        return f"{STEM}/{ai}/%{tail}"
    company, rest = parts[0], parts[1:]
    if not company.isdigit() or any(p != "*" for p in rest):
        raise UnsupportedPatternError(
            f"{value!r}: only trailing `*` parts after the company prefix (or key) are supported"
        )
    return f"{STEM}/{ai}/{lead}{company}%"


def identifier_spellings(value: str) -> tuple[str, ...]:
    """Forms a location or party identifier may be stored in: as given, canonical Digital Link,
    and the EPC URNs (SGLN/PGLN) for every company prefix length, which a GLN does not reveal.
    """
    canonical = canonical_epc(value)
    spellings = dict.fromkeys([value, canonical])
    match = re.fullmatch(re.escape(STEM) + r"/(414|417)/(\d{13})(?:/254/([^/]+))?", canonical)
    if match:
        ai, gln, extension = match.groups()
        for n in range(6, 13):
            company, reference = gln[:n], gln[n:12]
            if ai == "414":
                spellings[f"urn:epc:id:sgln:{company}.{reference}.{extension or '0'}"] = None
            else:
                spellings[f"urn:epc:id:pgln:{company}.{reference}"] = None
    return tuple(spellings)
