"""GS1 Application Identifier element strings: parse, build and validate against the dictionary.

Forms handled:

* bracketed (human readable): `(01)09520123456788(10)ABC1`, where `\\(` is a literal bracket;
* unbracketed: AI + value pairs, with FNC1 (by default GS, 0x1D) after every AI whose length is
  not predefined when more data follows. The leading FNC1 that marks GS1 data in a barcode is a
  property of the carrier and is not part of the string these functions take or return.

Choices:

* Parsing checks each value (length, character set, linters) but not AI associations, as GS1's
  Syntax Engine does; call `validate_associations` for the `req=`/`ex=`/repeat rules.
* A superfluous FNC1 (after a predefined-length AI, or at the end) is accepted when parsing and
  never produced when building.
* Unknown AIs are rejected unless `permit_unknown_ais` is set, and even then only in bracketed
  form: in an unbracketed string the end of an unknown AI cannot be found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from livetrace.gs1.ai_dictionary import (
    AIEntry,
    Component,
    Gs1Dictionary,
    default_dictionary,
    matches_pattern,
    unknown_entry,
)
from livetrace.gs1.ai_lint import LINTERS, charset_error
from livetrace.gs1.errors import AIValueError, AssociationError, ElementStringError, UnknownAIError

GS = "\x1d"
_DIGSIG_SERIALISED = {"253": 13, "255": 13, "8003": 14}


class Element(NamedTuple):
    """One AI with its value."""

    ai: str
    value: str


def lookup(
    ai: str, *, dictionary: Gs1Dictionary | None = None, permit_unknown_ais: bool = False
) -> AIEntry:
    """The dictionary entry for `ai`; a stand-in for an unknown AI when permitted."""
    if not (ai.isascii() and ai.isdigit() and 2 <= len(ai) <= 4):
        raise UnknownAIError(f"{ai!r} is not an AI: AIs are 2 to 4 digits", field="ai")
    table = dictionary or default_dictionary()
    entry = table.get(ai)
    if entry is not None:
        return entry
    # A known AI followed by more digits is a malformed AI, not an unknown one.
    if not permit_unknown_ais or any(ai[:n] in table for n in range(2, len(ai))):
        raise UnknownAIError(f"AI ({ai}) is not in the GS1 Syntax Dictionary", field=f"({ai})")
    return unknown_entry(ai)


def validate_value(entry: AIEntry, value: str) -> None:
    """Raise `AIValueError` unless `value` fits the entry's components and passes its linters."""
    offset = 0
    for component in entry.components:
        rest = value[offset:]
        if not rest and component.optional:
            break
        piece = _take(entry, component, rest, offset)
        _check_component(entry.ai, component, piece, offset)
        offset += len(piece)
    if offset < len(value):
        raise AIValueError(
            entry.ai,
            f"value {value!r} is too long: at most {entry.max_length} characters",
            lint="TOO_LONG",
            position=offset,
        )


def _take(entry: AIEntry, component: Component, rest: str, offset: int) -> str:
    """The part of `rest` that `component` consumes; raise if too short."""
    if component.fixed:
        if len(rest) < component.min_length:
            raise AIValueError(
                entry.ai,
                f"value too short: {component.min_length} characters needed at position "
                f"{offset + 1}, {len(rest)} left",
                lint="TOO_SHORT",
                position=offset,
            )
        return rest[: component.min_length]
    if not rest:
        raise AIValueError(entry.ai, "value is empty", lint="TOO_SHORT", position=offset)
    return rest[: component.max_length]


def _check_component(ai: str, component: Component, piece: str, offset: int) -> None:
    """Character set first, then every linter in dictionary order."""
    bad = charset_error(component.charset, piece)
    if bad is not None:
        lint, at = bad
        raise AIValueError(
            ai,
            f"character {piece[at]!r} at position {offset + at + 1} is not allowed "
            f"({component.charset} character set)",
            lint=lint,
            position=offset + at,
        )
    for name in component.linters:
        result = LINTERS[name](piece)
        if result is not None:
            raise AIValueError(
                ai,
                f"{piece!r} at position {offset + 1} fails {name}: {result.lower()}",
                lint=result,
                position=offset,
            )


def parse_bracketed(
    text: str, *, permit_unknown_ais: bool = False, dictionary: Gs1Dictionary | None = None
) -> tuple[Element, ...]:
    """Parse `(AI)value(AI)value…` and validate each value."""
    if not text.startswith("("):
        raise ElementStringError("bracketed data must start with '('", field="element string")
    elements: list[Element] = []
    position = 0
    while position < len(text):
        close = text.find(")", position)
        if close < 0:
            raise ElementStringError(f"unclosed AI bracket at position {position + 1}")
        ai = text[position + 1 : close]
        value, position = _bracketed_value(text, close + 1)
        entry = lookup(ai, dictionary=dictionary, permit_unknown_ais=permit_unknown_ais)
        validate_value(entry, value)
        elements.append(Element(ai, value))
    return tuple(elements)


def _bracketed_value(text: str, start: int) -> tuple[str, int]:
    """The value starting at `start` up to the next unescaped '(' and where it ends."""
    chars: list[str] = []
    position = start
    while position < len(text) and text[position] != "(":
        if text.startswith("\\(", position):
            chars.append("(")
            position += 2
        else:
            chars.append(text[position])
            position += 1
    return "".join(chars), position


def format_bracketed(elements: Iterable[Element]) -> str:
    """`(AI)value…`, escaping '(' in values as `\\(`."""
    return "".join(f"({e.ai}){e.value.replace('(', chr(92) + '(')}" for e in elements)


def parse_element_string(
    data: str, *, separator: str = GS, dictionary: Gs1Dictionary | None = None
) -> tuple[Element, ...]:
    """Parse an unbracketed element string (without its leading FNC1) and validate each value."""
    table = dictionary or default_dictionary()
    elements: list[Element] = []
    position = 0
    while position < len(data):
        if data[position] == separator:
            position += 1
            continue
        entry = table.match_prefix(data[position:])
        if entry is None:
            raise UnknownAIError(
                f"no GS1 AI starts at position {position + 1}: {data[position : position + 4]!r}",
                field="element string",
                details={"position": position},
            )
        start = position + len(entry.ai)
        end = _value_end(data, start, entry, separator)
        validate_value(entry, data[start:end])
        elements.append(Element(entry.ai, data[start:end]))
        position = end
    if not elements:
        raise ElementStringError("element string holds no AIs", field="element string")
    return tuple(elements)


def _value_end(data: str, start: int, entry: AIEntry, separator: str) -> int:
    """Where the value that starts at `start` ends."""
    if entry.predefined_length:
        return min(len(data), start + entry.max_length)
    end = data.find(separator, start)
    return len(data) if end < 0 else end


def build_element_string(
    elements: Sequence[Element],
    *,
    separator: str = GS,
    dictionary: Gs1Dictionary | None = None,
    permit_unknown_ais: bool = False,
) -> str:
    """Validate `elements` and join them, with FNC1 only after variable-length AIs mid-string."""
    parts: list[str] = []
    for index, (ai, value) in enumerate(elements):
        entry = lookup(ai, dictionary=dictionary, permit_unknown_ais=permit_unknown_ais)
        validate_value(entry, value)
        parts.append(ai + value)
        if not entry.predefined_length and index < len(elements) - 1:
            parts.append(separator)
    if not parts:
        raise ElementStringError("no elements to build", field="element string")
    return "".join(parts)


def validate_associations(
    elements: Sequence[Element], *, dictionary: Gs1Dictionary | None = None
) -> None:
    """Raise `AssociationError` if AIs repeat with new values, exclude or lack each other."""
    table = dictionary or default_dictionary()
    _check_repeats(elements)
    present = {e.ai for e in elements}
    for ai in present:
        entry = table.get(ai)
        if entry is not None:
            _check_exclusions(entry, present)
            _check_requisites(entry, present)
    _check_digital_signature(elements)


def _check_repeats(elements: Sequence[Element]) -> None:
    seen: dict[str, str] = {}
    for ai, value in elements:
        if seen.setdefault(ai, value) != value:
            raise AssociationError(
                f"AI ({ai}) repeats with a different value: {seen[ai]!r} then {value!r}",
                field=f"({ai})",
            )


def _check_exclusions(entry: AIEntry, present: set[str]) -> None:
    for pattern in entry.excludes:
        for other in present - {entry.ai}:
            if matches_pattern(other, pattern):
                raise AssociationError(
                    f"AI ({entry.ai}) must not appear together with ({other})",
                    field=f"({entry.ai})",
                    details={"excluded": other, "pattern": pattern},
                )


def _check_requisites(entry: AIEntry, present: set[str]) -> None:
    for alternatives in entry.requires:
        if not any(_group_present(group, present) for group in alternatives):
            wanted = " or ".join("+".join(group) for group in alternatives)
            raise AssociationError(f"AI ({entry.ai}) requires {wanted}", field=f"({entry.ai})")


def _group_present(group: tuple[str, ...], present: set[str]) -> bool:
    return all(any(matches_pattern(ai, pattern) for ai in present) for pattern in group)


def _check_digital_signature(elements: Sequence[Element]) -> None:
    """A digital signature (8030) needs a serialised key: 253/255/8003 with their serial part."""
    if not any(e.ai == "8030" for e in elements):
        return
    for ai, value in elements:
        if ai in _DIGSIG_SERIALISED and len(value) <= _DIGSIG_SERIALISED[ai]:
            raise AssociationError(
                f"AI (8030) needs a serialised key, but ({ai}) {value!r} has no serial component",
                field="(8030)",
            )
