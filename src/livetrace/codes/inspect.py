"""Explain any code text: GS1 element strings, Digital Links, scanner output, EPC URNs and hex, pure.

Recognition order (the first that applies decides, and its parser's error is final, so a near-miss
gets the precise reason rather than "unrecognised"):

1. `urn:epc:tag:` — an EPC tag URI; `urn:epc:` — a pure-identity or class URN.
2. `http://` or `https://` (either case) — a GS1 Digital Link.
3. `]` — scanner output with a symbology identifier (`]Q1`, `]d2`, `]C1`, …).
4. `(` — a bracketed (human-readable) element string.
5. Hex of 24 or 52 digits whose header is SGTIN-96, SSCC-96 or SGTIN-198 — EPC binary; digit-only
   text that does not decode as EPC falls through to the GS1 forms.
6. 8, 12, 13 or 14 digits — a GTIN; 18 digits — an SSCC.
7. Anything else — an unbracketed element string, with GS (0x1D) or `^` as FNC1.

From GS1 data the explainer also derives the EPC URN, tag URI and hex when a company prefix length
is given (the GTIN alone does not reveal it); the filter value is then 0 ("all others").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from livetrace.codes.authenticator import AUTH_PARAM
from livetrace.codes.errors import NotACodeError
from livetrace.gs1.ai import (
    GS,
    Element,
    build_element_string,
    format_bracketed,
    parse_bracketed,
    parse_element_string,
)
from livetrace.gs1.ai_dictionary import default_dictionary
from livetrace.gs1.digital_link import DEFAULT_STEM, build_digital_link, parse_digital_link
from livetrace.gs1.epc import elements_to_epc, epc_to_elements, parse_epc_uri
from livetrace.gs1.epc_binary import (
    SGTIN_FILTERS,
    SSCC_FILTERS,
    EpcTag,
    decode,
    encode,
    parse_tag_uri,
    tag_for,
)
from livetrace.gs1.errors import EpcDecodingError, Gs1Error
from livetrace.gs1.keys import normalize_gtin, validate_sscc
from livetrace.gs1.scan_data import parse_scan_data

_HEX = re.compile(r"[0-9A-Fa-f]+")
_EPC_HEX_HEADERS = {"30": 24, "31": 24, "36": 52}
_SCHEMES = ("http://", "https://", "HTTP://", "HTTPS://")


@dataclass(frozen=True, slots=True)
class ExplainedElement:
    """One AI with its dictionary title and value."""

    ai: str
    title: str
    value: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a text is, the GS1 data it carries, and the same data in other forms."""

    kind: str
    text: str
    elements: tuple[ExplainedElement, ...]
    forms: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def explain(
    text: str, *, company_prefix_length: int | None = None, stem: str = DEFAULT_STEM
) -> Explanation:
    """Recognise `text` and explain it; raise the parser's precise error if it is malformed."""
    data = text.strip()
    if not data:
        raise NotACodeError("nothing to inspect: the text is empty", field="text")
    for recognise in _RECOGNISERS:
        explanation = recognise(data, company_prefix_length, stem)
        if explanation is not None:
            return explanation
    elements = parse_element_string(data.replace("^", GS))
    return _gs1("element-string", data, elements, cpl=company_prefix_length, stem=stem)


def _as_epc_urn(data: str, _cpl: int | None, stem: str) -> Explanation | None:
    if data.startswith("urn:epc:tag:"):
        return _tag(data, parse_tag_uri(data), stem)
    return _epc_uri(data, stem) if data.startswith("urn:epc:") else None


def _as_digital_link(data: str, cpl: int | None, _stem: str) -> Explanation | None:
    return _digital_link(data, cpl) if data.startswith(_SCHEMES) else None


def _as_scan(data: str, cpl: int | None, stem: str) -> Explanation | None:
    return _scan(data, cpl, stem) if data.startswith("]") else None


def _as_bracketed(data: str, cpl: int | None, stem: str) -> Explanation | None:
    if not data.startswith("("):
        return None
    return _gs1("element-string-bracketed", data, parse_bracketed(data), cpl=cpl, stem=stem)


def _as_epc_hex(data: str, _cpl: int | None, stem: str) -> Explanation | None:
    tag = _maybe_epc_hex(data)
    return None if tag is None else _tag(data, tag, stem, kind="epc-hex")


def _as_key(data: str, cpl: int | None, stem: str) -> Explanation | None:
    if data.isdigit() and len(data) in (8, 12, 13, 14, 18):
        return _key(data, cpl, stem)
    return None


_RECOGNISERS: tuple[Callable[[str, int | None, str], Explanation | None], ...] = (
    _as_epc_urn,
    _as_digital_link,
    _as_scan,
    _as_bracketed,
    _as_epc_hex,
    _as_key,
)


def _explained(elements: Sequence[Element]) -> tuple[ExplainedElement, ...]:
    table = default_dictionary()
    out = []
    for ai, value in elements:
        entry = table.get(ai)
        out.append(ExplainedElement(ai, entry.title if entry else "UNKNOWN", value))
    return tuple(out)


def _gs1_forms(
    elements: Sequence[Element], company_prefix_length: int | None, stem: str
) -> tuple[dict[str, str], list[str]]:
    """HRI, element string, Digital Link and (with a prefix length) the EPC forms."""
    forms = {
        "hri": format_bracketed(elements),
        "element_string": build_element_string(elements, separator="^"),
    }
    notes: list[str] = []
    try:
        forms["digital_link"] = build_digital_link(elements, stem=stem)
    except Gs1Error as error:
        notes.append(f"no Digital Link: {error.message}")
    if company_prefix_length is not None:
        try:
            epc = elements_to_epc(elements, company_prefix_length)
            forms["epc_uri"] = epc.uri
            if epc.scheme in ("sgtin", "sscc"):
                tag = tag_for(epc)
                forms["epc_tag_uri"] = tag.uri
                forms["epc_hex"] = encode(tag)
                notes.append(f"EPC forms use {tag.scheme} with filter 0 (all others)")
        except Gs1Error as error:
            notes.append(f"no EPC: {error.message}")
    return forms, notes


def _gs1(
    kind: str,
    text: str,
    elements: Sequence[Element],
    *,
    cpl: int | None,
    stem: str,
    notes: Sequence[str] = (),
) -> Explanation:
    forms, more = _gs1_forms(elements, cpl, stem)
    return Explanation(kind, text, _explained(elements), forms, (*notes, *more))


def _digital_link(text: str, company_prefix_length: int | None) -> Explanation:
    link = parse_digital_link(text)
    notes = [f"resolver: {link.stem}"]
    for key, value in link.other_params:
        if key == AUTH_PARAM:
            version = value.partition(".")[0]
            notes.append(
                f"carries a livetrace authenticator (key version {version}); "
                "POST it to /codes/verify to check it"
            )
        else:
            notes.append(f"non-GS1 parameter {key}={value}")
    return _gs1(
        "digital-link",
        text,
        link.elements(),
        cpl=company_prefix_length,
        stem=link.stem,
        notes=notes,
    )


def _scan(text: str, company_prefix_length: int | None, stem: str) -> Explanation:
    scan = parse_scan_data(text)
    notes = [f"symbology {scan.symbology} ({text[:3]}), {'GS1 data' if scan.gs1 else 'plain data'}"]
    if not scan.elements:
        return Explanation("scan-data", text, (), {"text": scan.text}, tuple(notes))
    return _gs1("scan-data", text, scan.elements, cpl=company_prefix_length, stem=stem, notes=notes)


def _epc_uri(text: str, stem: str) -> Explanation:
    epc = parse_epc_uri(text)
    elements = epc_to_elements(epc)
    forms, notes = _gs1_forms(elements, len(epc.company_prefix), stem)
    forms["epc_uri"] = epc.uri
    notes.insert(0, f"EPC scheme {epc.scheme}, company prefix {epc.company_prefix}")
    return Explanation("epc-uri", text, _explained(elements), forms, tuple(notes))


def _tag(text: str, tag: EpcTag, stem: str, *, kind: str = "epc-tag-uri") -> Explanation:
    elements = epc_to_elements(tag.epc)
    forms, _ = _gs1_forms(elements, None, stem)
    forms |= {"epc_uri": tag.epc.uri, "epc_tag_uri": tag.uri, "epc_hex": encode(tag)}
    meanings = SSCC_FILTERS if tag.scheme == "sscc-96" else SGTIN_FILTERS
    notes = (
        f"EPC binary scheme {tag.scheme}, company prefix {tag.epc.company_prefix}",
        f"filter {tag.filter}: {meanings.get(tag.filter, 'reserved')}",
    )
    return Explanation(kind, text, _explained(elements), forms, notes)


def _maybe_epc_hex(text: str) -> EpcTag | None:
    """The decoded tag if `text` looks like EPC hex; None if it is more likely GS1 digits."""
    length = _EPC_HEX_HEADERS.get(text[:2])
    if length is None or len(text) != length or not _HEX.fullmatch(text):
        return None
    try:
        return decode(text)
    except EpcDecodingError:
        if text.isdigit():
            return None  # digits only: let the element-string parser explain it
        raise


def _key(text: str, company_prefix_length: int | None, stem: str) -> Explanation:
    if len(text) == 18:
        element = Element("00", validate_sscc(text))
        note = "an SSCC (18 digits)"
    else:
        element = Element("01", normalize_gtin(text))
        note = f"a GTIN-{len(text)}" + ("" if len(text) == 14 else ", shown as GTIN-14")
    return _gs1("gs1-key", text, [element], cpl=company_prefix_length, stem=stem, notes=[note])
