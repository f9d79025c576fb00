"""GS1 Digital Link URIs (uncompressed): strict parsing, canonical building, element strings.

Form: `http(s)://{host}[/{stem…}]/{primary key AI}/{value}[/{qualifier AI}/{value}]*`
`[?{AI}={value}(&{AI}={value})*][&{other}={value}]*[#fragment]` (DL URI Syntax 1.2 ABNF,
and the rules GS1's Syntax Engine tests pin down).

Choices where the specification leaves room:

* The scheme is `http` or `https`, all lower or all upper case. Hosts are a DNS name, IPv4
  (any notation) or a bracketed IPv6 literal without a zone; an optional port is allowed.
* The primary key is the *rightmost* path segment that names a primary-key AI and is followed by
  whole AI/value pairs; everything before it is a free stem (custom path prefix).
* Qualifiers must follow one of the key's qualifier sequences in order (01: 22,10,21 or 235).
  A qualifier AI of that sequence may not appear in the query; with no qualifiers in the path,
  none of the key's qualifier AIs may.
* Query parameters with all-digit keys are AIs and must be GS1 DL data attributes (flag `?` in the
  dictionary); other keys (`linkType`…) are kept as `other_params` and do not become AIs;
  parameters without `=` are ignored. Empty AI values, repeated AIs and `%00` are rejected.
* Percent-escapes are decoded byte-wise (`%41` → `A`); a `%` not followed by two hex digits is
  literal. `+` is a space in the query and a plus in the path.
* Building: the first primary-key AI goes in the path with those qualifiers of the sequence that
  covers most of the data (the first listed on a tie); all other AIs go in the query, those of
  predefined length first, each group in input order; identical repeats are dropped. Values
  are percent-encoded except for `A-Z a-z 0-9 - . _ ~`; in the query a space becomes `+`.
* AI associations (`req=`/`ex=`) are checked on parse and build unless switched off.
* Compressed Digital Links and the deprecated short names (`/gtin/`) are not produced; short
  names and GTIN-8/12/13 in URIs are only read with the matching option.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from livetrace.gs1.ai import (
    Element,
    build_element_string,
    lookup,
    parse_element_string,
    validate_associations,
    validate_value,
)
from livetrace.gs1.ai_dictionary import AIEntry, Gs1Dictionary, default_dictionary
from livetrace.gs1.errors import AssociationError, DigitalLinkError

DEFAULT_STEM = "https://id.gs1.org"
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_URI_CHARS = UNRESERVED | frozenset(":/?#[]@!$&'()*+,;=%")
_SCHEME = re.compile(r"^(http|https|HTTP|HTTPS)://")
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~]+)(:[0-9]*)?$")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_GTIN_AIS = frozenset({"01", "02"})
CONVENIENCE_ALPHAS = {
    "gtin": "01", "itip": "8006", "gmn": "8013", "cpid": "8010", "gln": "414", "party": "417",
    "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401",
    "gsin": "402", "grai": "8003", "giai": "8004", "cpv": "22", "lot": "10", "ser": "21",
    "cpsn": "8011", "glnx": "254", "refno": "8020", "srin": "8019",
}  # fmt: skip


@dataclass(frozen=True)
class DlOptions:
    """Leniencies for reading and writing Digital Links; the defaults are strict."""

    permit_zero_suppressed_gtin: bool = False
    permit_convenience_alphas: bool = False
    permit_unknown_ais: bool = False
    validate_unknown_ai_not_dl_attr: bool = True
    check_associations: bool = True
    dictionary: Gs1Dictionary | None = field(default=None, compare=False)


STRICT = DlOptions()


@dataclass(frozen=True)
class DigitalLink:
    """A parsed Digital Link: where it points and the GS1 data it carries."""

    stem: str
    primary_key: Element
    qualifiers: tuple[Element, ...] = ()
    attributes: tuple[Element, ...] = ()
    other_params: tuple[tuple[str, str], ...] = ()

    def elements(self) -> tuple[Element, ...]:
        """Key, qualifiers and query AIs, in URI order."""
        return (self.primary_key, *self.qualifiers, *self.attributes)

    def to_uri(self, stem: str | None = None) -> str:
        """The canonical URI for this data, keeping non-AI parameters at the end."""
        uri = build_digital_link(self.elements(), stem=stem or self.stem)
        extra = "&".join(f"{escape_query(k)}={escape_query(v)}" for k, v in self.other_params)
        if not extra:
            return uri
        return f"{uri}{'&' if '?' in uri else '?'}{extra}"


def escape_path(value: str) -> str:
    """Percent-encode `value` for a path segment (everything but unreserved characters)."""
    return "".join(c if c in UNRESERVED else _percent(c) for c in value)


def escape_query(value: str) -> str:
    """Percent-encode `value` for a query value; a space becomes `+`."""
    return "".join(c if c in UNRESERVED else "+" if c == " " else _percent(c) for c in value)


def _percent(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8"))


def unescape(value: str, *, query: bool = False) -> str:
    """Decode percent-escapes (and `+` in the query); reject `%00`."""
    out: list[str] = []
    position = 0
    while position < len(value):
        char = value[position]
        hex2 = value[position + 1 : position + 3]
        if char == "%" and _HEX2.fullmatch(hex2):
            if int(hex2, 16) == 0:
                raise DigitalLinkError(f"%00 at position {position + 1} is not allowed")
            out.append(chr(int(hex2, 16)))
            position += 3
            continue
        out.append(" " if query and char == "+" else char)
        position += 1
    return "".join(out)


def parse_digital_link(uri: str, options: DlOptions = STRICT) -> DigitalLink:
    """Parse and validate a GS1 Digital Link URI."""
    stem, segments, query = _split_uri(uri)
    table = options.dictionary or default_dictionary()
    index, key_entry = _find_primary_key(segments, options, table)
    stem = "/".join([stem, *segments[:index]])
    path = _path_elements(segments[index:], options, table)
    _check_qualifiers(key_entry, [e.ai for e in path[1:]])
    attributes, others = _query_elements(query, options, table)
    _check_query_against_key(key_entry, [e.ai for e in path[1:]], attributes)
    link = DigitalLink(stem, path[0], tuple(path[1:]), tuple(attributes), tuple(others))
    _check_duplicates(link.elements())
    if options.check_associations:
        validate_associations(link.elements(), dictionary=table)
    return link


def _split_uri(uri: str) -> tuple[str, list[str], str]:
    """(scheme://host, path segments, query) with the fragment dropped."""
    for position, char in enumerate(uri):
        if char not in _URI_CHARS:
            raise DigitalLinkError(f"character {char!r} at position {position + 1} is not allowed")
    scheme = _SCHEME.match(uri)
    if scheme is None:
        raise DigitalLinkError("scheme must be http:// or https:// (one case throughout)")
    rest = uri[scheme.end() :].split("#", 1)[0]
    rest, _, query = rest.partition("?")
    host, slash, path = rest.partition("/")
    if not _HOST.match(host):
        raise DigitalLinkError(f"host {host!r} is not a valid host name or address")
    segments = path.split("/")
    if not slash or "" in segments:
        raise DigitalLinkError("path is missing or has an empty segment (e.g. a trailing '/')")
    return uri[: scheme.end()] + host, segments, query


def _segment_ai(segment: str, options: DlOptions) -> str:
    """The AI a path segment names (a convenience alpha when permitted)."""
    if options.permit_convenience_alphas:
        return CONVENIENCE_ALPHAS.get(segment, segment)
    return segment


def _find_primary_key(
    segments: list[str], options: DlOptions, table: Gs1Dictionary
) -> tuple[int, AIEntry]:
    """Index and entry of the rightmost primary-key segment followed by whole AI/value pairs."""
    for index in range(len(segments) - 2, -1, -2):
        entry = table.get(_segment_ai(segments[index], options))
        if entry is not None and entry.is_dl_primary_key:
            return index, entry
    raise DigitalLinkError("no GS1 primary key AI with a value found in the path")


def _path_elements(segments: list[str], options: DlOptions, table: Gs1Dictionary) -> list[Element]:
    """Validated key and qualifier elements from path segment pairs."""
    elements: list[Element] = []
    for position in range(0, len(segments), 2):
        ai = _segment_ai(segments[position], options)
        entry = table.get(ai)
        if entry is None:
            raise DigitalLinkError(f"path segment {segments[position]!r} is not a known AI")
        value = _checked_value(entry, unescape(segments[position + 1]), options)
        elements.append(Element(ai, value))
    return elements


def _checked_value(entry: AIEntry, value: str, options: DlOptions) -> str:
    """Validate a URI value, padding a zero-suppressed GTIN when that is permitted."""
    if entry.ai in _GTIN_AIS and len(value) in (8, 12, 13) and value.isdigit():
        if not options.permit_zero_suppressed_gtin:
            raise DigitalLinkError(
                f"AI ({entry.ai}) in a Digital Link needs all 14 digits, got {len(value)}",
                field=f"({entry.ai})",
            )
        value = value.zfill(14)
    validate_value(entry, value)
    return value


def _check_qualifiers(key: AIEntry, qualifiers: list[str]) -> None:
    """Raise unless `qualifiers` follow one of the key's sequences in order."""
    if not qualifiers:
        return
    if any(_is_subsequence(qualifiers, seq) for seq in key.dl_qualifiers or ()):
        return
    allowed = " or ".join(",".join(seq) or "none" for seq in key.dl_qualifiers or ())
    raise DigitalLinkError(
        f"qualifiers {','.join(qualifiers)} are not allowed after ({key.ai}); "
        f"allowed in this order: {allowed}",
        field=f"({key.ai})",
    )


def _is_subsequence(items: Sequence[str], sequence: Sequence[str]) -> bool:
    remaining = iter(sequence)
    return all(item in remaining for item in items)


def _query_elements(
    query: str, options: DlOptions, table: Gs1Dictionary
) -> tuple[list[Element], list[tuple[str, str]]]:
    """AI attributes and other parameters from the query string."""
    attributes: list[Element] = []
    others: list[tuple[str, str]] = []
    for param in query.split("&"):
        key, equals, raw = param.partition("=")
        if not equals:
            continue  # empty pieces and singletons carry no data
        if not key.isdigit():
            others.append((unescape(key, query=True), unescape(raw, query=True)))
            continue
        entry = _attribute_entry(key, options, table)
        value = unescape(raw, query=True)
        if not value:
            raise DigitalLinkError(f"query AI ({key}) has an empty value", field=f"({key})")
        attributes.append(Element(key, _checked_value(entry, value, options)))
    return attributes, others


def _attribute_entry(ai: str, options: DlOptions, table: Gs1Dictionary) -> AIEntry:
    """The entry for a query AI; raise unless it may be a DL data attribute."""
    entry = table.get(ai)
    if entry is None:
        if options.permit_unknown_ais and not options.validate_unknown_ai_not_dl_attr:
            return lookup(ai, dictionary=table, permit_unknown_ais=True)
        raise DigitalLinkError(f"query key {ai} is not a known GS1 AI", field=f"({ai})")
    if not entry.dl_attribute:
        raise DigitalLinkError(
            f"AI ({ai}) is not permitted as a Digital Link data attribute", field=f"({ai})"
        )
    return entry


def _forbidden_in_query(key: AIEntry, path_qualifiers: Sequence[str]) -> set[str]:
    """Qualifier AIs of the key that must stay in the path, given the qualifiers used."""
    sequences = [seq for seq in key.dl_qualifiers or () if _is_subsequence(path_qualifiers, seq)]
    return {ai for seq in sequences for ai in seq}


def _check_query_against_key(
    key: AIEntry, path_qualifiers: Sequence[str], attributes: Sequence[Element]
) -> None:
    forbidden = _forbidden_in_query(key, path_qualifiers)
    for ai, _ in attributes:
        if ai in forbidden:
            raise DigitalLinkError(
                f"AI ({ai}) qualifies ({key.ai}) and must be in the path, not the query",
                field=f"({ai})",
            )


def _check_duplicates(elements: Sequence[Element]) -> None:
    seen: set[str] = set()
    for ai, _ in elements:
        if ai in seen:
            raise DigitalLinkError(f"AI ({ai}) appears more than once", field=f"({ai})")
        seen.add(ai)


def build_digital_link(
    elements: Sequence[Element], *, stem: str = DEFAULT_STEM, options: DlOptions = STRICT
) -> str:
    """The canonical Digital Link URI for `elements` under `stem`."""
    table = options.dictionary or default_dictionary()
    base = _checked_stem(stem)
    unique = _deduplicate(elements)
    entries = [_build_entry(e, options, table) for e in unique]
    if options.check_associations:
        validate_associations(unique, dictionary=table)
    key_index = next((i for i, e in enumerate(entries) if e.is_dl_primary_key), None)
    if key_index is None:
        raise DigitalLinkError("no primary key AI: a Digital Link cannot be made")
    key = entries[key_index]
    sequence = _best_sequence(key, {e.ai for e in unique})
    path = [unique[key_index]] + [e for q in sequence for e in unique if e.ai == q]
    rest = [(el, en) for el, en in zip(unique, entries, strict=True) if el not in path]
    for element, entry in rest:
        if entry.known and not entry.dl_attribute:
            raise DigitalLinkError(
                f"AI ({element.ai}) can be neither a qualifier of ({key.ai}) here "
                "nor a Digital Link data attribute",
                field=f"({element.ai})",
            )
    ordered = [el for el, en in rest if en.predefined_length]
    ordered += [el for el, en in rest if not en.predefined_length]
    uri = base + "".join(f"/{ai}/{escape_path(value)}" for ai, value in path)
    query = "&".join(f"{ai}={escape_query(value)}" for ai, value in ordered)
    return f"{uri}?{query}" if query else uri


def _checked_stem(stem: str) -> str:
    """The stem without a trailing '/', after checking it is an http(s) URI without a query."""
    trimmed = stem.rstrip("/")
    if "?" in trimmed or "#" in trimmed:
        raise DigitalLinkError(f"stem {stem!r} must not have a query or fragment")
    try:
        _split_uri(trimmed + "/x")
    except DigitalLinkError as error:
        raise DigitalLinkError(f"stem {stem!r} is not usable: {error.message}") from error
    return trimmed


def _deduplicate(elements: Sequence[Element]) -> list[Element]:
    """Elements with identical repeats dropped; a repeat with a new value is an error."""
    unique: list[Element] = []
    values: dict[str, str] = {}
    for element in elements:
        previous = values.setdefault(element.ai, element.value)
        if previous != element.value:
            raise AssociationError(
                f"AI ({element.ai}) repeats with a different value", field=f"({element.ai})"
            )
        if element not in unique:
            unique.append(Element(*element))
    return unique


def _build_entry(element: Element, options: DlOptions, table: Gs1Dictionary) -> AIEntry:
    """Dictionary entry for an element to build, after validating its value."""
    entry = table.get(element.ai)
    if entry is None:
        if not options.permit_unknown_ais or options.validate_unknown_ai_not_dl_attr:
            raise DigitalLinkError(f"AI ({element.ai}) is not known", field=f"({element.ai})")
        entry = lookup(element.ai, dictionary=table, permit_unknown_ais=True)
    validate_value(entry, element.value)
    return entry


def _best_sequence(key: AIEntry, present: set[str]) -> tuple[str, ...]:
    """The key's qualifier sequence covering most present AIs (first on a tie)."""
    sequences = key.dl_qualifiers or ((),)
    best = max(sequences, key=lambda seq: sum(ai in present for ai in seq))
    return tuple(ai for ai in best if ai in present)


def digital_link_to_element_string(
    uri: str, *, separator: str = "\x1d", options: DlOptions = STRICT
) -> str:
    """The unbracketed element string carried by a Digital Link URI."""
    link = parse_digital_link(uri, options)
    return build_element_string(
        link.elements(),
        separator=separator,
        dictionary=options.dictionary,
        permit_unknown_ais=options.permit_unknown_ais,
    )


def element_string_to_digital_link(
    data: str, *, stem: str = DEFAULT_STEM, separator: str = "\x1d", options: DlOptions = STRICT
) -> str:
    """The canonical Digital Link URI for an unbracketed element string."""
    return build_digital_link(
        parse_element_string(data, separator=separator, dictionary=options.dictionary),
        stem=stem,
        options=options,
    )


__all__ = [
    "DEFAULT_STEM",
    "DigitalLink",
    "DlOptions",
    "build_digital_link",
    "digital_link_to_element_string",
    "element_string_to_digital_link",
    "escape_path",
    "escape_query",
    "parse_digital_link",
    "unescape",
]
