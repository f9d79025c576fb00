"""The GS1 Barcode Syntax Dictionary: which AIs exist and what their values look like.

The dictionary text ships in `data/gs1-syntax-dictionary.txt` (release 2026-01-27, copied from
gs1/gs1-syntax-engine, Apache-2.0, © GS1 AISBL, BWIPP and Zint). Its format is described in the
file's own header; this module reads it into `AIEntry` records.

Choices:

* AI ranges such as `3100-3105` are expanded into one entry per AI.
* Unknown AIs, when a caller permits them, are treated as `X..90` with no linters, the widest
  format any defined AI has, so they can still be carried and re-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from livetrace.gs1.errors import DictionaryError

DICTIONARY_RESOURCE = "gs1-syntax-dictionary.txt"

_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\d*)(?:\.\.(\d+))?(\])?((?:,[a-z0-9]+)*)$")
_AI_FIELD = re.compile(r"^(\d{2,4})(?:-(\d{2,4}))?$")


@dataclass(frozen=True)
class Component:
    """One part of an AI's value: a character set, a length range and its linters."""

    charset: str
    min_length: int
    max_length: int
    optional: bool = False
    linters: tuple[str, ...] = ()

    @property
    def fixed(self) -> bool:
        """Whether the component always has exactly one length."""
        return self.min_length == self.max_length


@dataclass(frozen=True)
class AIEntry:
    """What the Syntax Dictionary says about one Application Identifier."""

    ai: str
    title: str
    components: tuple[Component, ...]
    predefined_length: bool = False
    dl_attribute: bool = False
    requires: tuple[tuple[tuple[str, ...], ...], ...] = ()
    excludes: tuple[str, ...] = ()
    dl_qualifiers: tuple[tuple[str, ...], ...] | None = None
    known: bool = True

    @property
    def min_length(self) -> int:
        """Shortest value allowed (optional components absent)."""
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        """Longest value allowed."""
        return sum(c.max_length for c in self.components)

    @property
    def is_dl_primary_key(self) -> bool:
        """Whether the AI may be a GS1 Digital Link primary key."""
        return self.dl_qualifiers is not None


def unknown_entry(ai: str) -> AIEntry:
    """The stand-in entry for an AI the dictionary does not define."""
    return AIEntry(ai=ai, title="UNKNOWN", components=(Component("X", 1, 90),), known=False)


@dataclass
class Gs1Dictionary:
    """All AIs of one Syntax Dictionary release, looked up by AI string."""

    entries: dict[str, AIEntry] = field(default_factory=dict)

    def get(self, ai: str) -> AIEntry | None:
        """The entry for `ai`, or None when it is not defined."""
        return self.entries.get(ai)

    def match_prefix(self, data: str) -> AIEntry | None:
        """The entry whose AI starts `data` (AIs are prefix-free), or None."""
        for length in (2, 3, 4):
            entry = self.entries.get(data[:length])
            if entry is not None and len(data) >= length:
                return entry
        return None

    def __contains__(self, ai: object) -> bool:
        return ai in self.entries


def parse_dictionary(text: str) -> Gs1Dictionary:
    """Read Syntax Dictionary text into a `Gs1Dictionary`."""
    dictionary = Gs1Dictionary()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for entry in _parse_line(line, number):
            dictionary.entries[entry.ai] = entry
    return dictionary


@cache
def default_dictionary() -> Gs1Dictionary:
    """The dictionary release shipped with the package (read once)."""
    text = resources.files("livetrace.gs1").joinpath("data", DICTIONARY_RESOURCE).read_text("utf-8")
    return parse_dictionary(text)


def _parse_line(line: str, number: int) -> list[AIEntry]:
    """The entries one dictionary line defines (several for an AI range)."""
    body, _, title = line.partition("#")
    tokens = body.split()
    ais = _expand_ais(tokens[0], number)
    rest = tokens[1:]
    flags = ""
    if rest and not _is_component(rest[0]) and not _is_attribute(rest[0]):
        flags, rest = rest[0], rest[1:]
    components = tuple(_parse_component(t, number) for t in rest if not _is_attribute(t))
    if not components:
        raise DictionaryError(f"dictionary line {number}: no value specification")
    attributes = [t for t in rest if _is_attribute(t)]
    requires, excludes, qualifiers = _parse_attributes(attributes)
    return [
        AIEntry(
            ai=ai,
            title=title.strip(),
            components=components,
            predefined_length="*" in flags,
            dl_attribute="?" in flags,
            requires=requires,
            excludes=excludes,
            dl_qualifiers=qualifiers,
        )
        for ai in ais
    ]


def _expand_ais(token: str, number: int) -> list[str]:
    """`3100-3105` → the six AIs; a single AI → itself."""
    match = _AI_FIELD.match(token)
    if match is None:
        raise DictionaryError(f"dictionary line {number}: bad AI field {token!r}")
    first, last = match.group(1), match.group(2) or match.group(1)
    width = len(first)
    return [str(n).zfill(width) for n in range(int(first), int(last) + 1)]


def _is_component(token: str) -> bool:
    return _COMPONENT.match(token) is not None


def _is_attribute(token: str) -> bool:
    return token.startswith(("req=", "ex=", "dlpkey"))


def _parse_component(token: str, number: int) -> Component:
    """`[N3],iso3166` → an optional three-digit component checked by `iso3166`."""
    match = _COMPONENT.match(token)
    if match is None:
        raise DictionaryError(f"dictionary line {number}: bad component {token!r}")
    open_, charset, low, high, close, linters = match.groups()
    if bool(open_) != bool(close):
        raise DictionaryError(f"dictionary line {number}: unbalanced brackets in {token!r}")
    if high is None:
        min_length = max_length = int(low)
    else:
        min_length, max_length = 1, int(high)
    return Component(
        charset=charset,
        min_length=min_length,
        max_length=max_length,
        optional=bool(open_),
        linters=tuple(name for name in linters.split(",") if name),
    )


_Requires = tuple[tuple[tuple[str, ...], ...], ...]
_Qualifiers = tuple[tuple[str, ...], ...] | None


def _parse_attributes(tokens: list[str]) -> tuple[_Requires, tuple[str, ...], _Qualifiers]:
    """`req=`, `ex=` and `dlpkey` attributes: (requirements, exclusions, DL qualifiers)."""
    requires: list[tuple[tuple[str, ...], ...]] = []
    excludes: list[str] = []
    qualifiers: tuple[tuple[str, ...], ...] | None = None
    for token in tokens:
        key, _, value = token.partition("=")
        if key == "req":
            requires.append(tuple(tuple(group.split("+")) for group in value.split(",")))
        elif key == "ex":
            excludes.extend(value.split(","))
        elif key == "dlpkey":
            alternatives = value.split("|") if value else [""]
            qualifiers = tuple(tuple(a.split(",")) if a else () for a in alternatives)
    return tuple(requires), tuple(excludes), qualifiers


def matches_pattern(ai: str, pattern: str) -> bool:
    """Whether `ai` matches a dictionary pattern such as `31nn` (`n` = any digit)."""
    return len(ai) == len(pattern) and all(p in ("n", a) for a, p in zip(ai, pattern, strict=True))
