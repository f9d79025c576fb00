"""Errors raised by the GS1 identifier package; every one is a `ValidationError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livetrace.kit.errors import ValidationError


class Gs1Error(ValidationError):
    """Base of every GS1 identifier error."""

    code = "gs1-invalid"


class KeyFormatError(Gs1Error):
    """A GS1 key has the wrong length or contains something other than digits."""

    code = "gs1-key-format"


class CheckDigitError(Gs1Error):
    """A GS1 key's check digit does not match the one computed from its other digits."""

    code = "gs1-check-digit"

    def __init__(self, key: str, value: str, *, expected: int, actual: str) -> None:
        super().__init__(
            f"{key} {value!r} has check digit {actual}, expected {expected}",
            field=key,
            details={"value": value, "expected": expected, "actual": actual},
        )
        self.expected = expected
        self.actual = actual


class DictionaryError(Gs1Error):
    """The GS1 Syntax Dictionary text could not be read."""

    code = "gs1-dictionary"


class UnknownAIError(Gs1Error):
    """An Application Identifier that the Syntax Dictionary does not define."""

    code = "gs1-unknown-ai"


class AIValueError(Gs1Error):
    """An AI's value breaks its format: length, character set or a linter rule.

    `lint` is the GS1 Syntax Engine's linter result name without its `GS1_LINTER_` prefix,
    e.g. `INCORRECT_CHECK_DIGIT`, so callers can react to a specific rule.
    """

    code = "gs1-ai-value"

    def __init__(
        self,
        ai: str,
        message: str,
        *,
        lint: str,
        position: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        extra = {"ai": ai, "lint": lint, "position": position, **(details or {})}
        super().__init__(f"AI ({ai}): {message}", field=f"({ai})", details=extra)
        self.ai = ai
        self.lint = lint
        self.position = position


class ElementStringError(Gs1Error):
    """Bracketed or unbracketed element string syntax that cannot be parsed."""

    code = "gs1-element-string"


class AssociationError(Gs1Error):
    """AIs that must not appear together, that lack a required partner, or repeat with new values."""

    code = "gs1-ai-association"


class DigitalLinkError(Gs1Error):
    """A GS1 Digital Link URI that breaks the syntax, or data that cannot become one."""

    code = "gs1-digital-link"


class EpcUriError(Gs1Error):
    """An EPC URN (pure identity, class or tag URI) that is malformed."""

    code = "epc-uri"


class EpcEncodingError(Gs1Error):
    """An EPC that does not fit the chosen binary encoding (e.g. serial too large for SGTIN-96)."""

    code = "epc-encoding"


class EpcDecodingError(Gs1Error):
    """Binary EPC data (hex) that is not a valid encoding of a supported scheme."""

    code = "epc-binary"
