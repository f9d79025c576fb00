"""EPCIS errors: each has a stable `code` and the EPCIS exception type it maps to (`epcis_type`).

The HTTP adapter builds the standard problem type from `epcis_type`
(e.g. `epcisException:ValidationException`) without knowing the classes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from livetrace.kit.errors import LivetraceError, ValidationError

if TYPE_CHECKING:
    from livetrace.epcis.problems import ValidationProblem


class EpcisError(LivetraceError):
    """Base of the EPCIS errors."""

    code: ClassVar[str] = "epcis-error"
    epcis_type: ClassVar[str] = "epcisException:ImplementationException"


class EpcisParseError(EpcisError, ValidationError):
    """A document or event that cannot be read: bad JSON/XML, wrong shape, unknown event type."""

    code = "epcis-parse-error"
    epcis_type = "epcisException:ValidationException"


class EpcisBindingError(EpcisError):
    """A well-formed event that a binding cannot express (e.g. a JSON-LD keyword in XML)."""

    code = "epcis-binding-error"
    epcis_type = "epcisException:ImplementationException"


class EventHashError(EpcisError, ValidationError):
    """An event whose Event Hash ID cannot be computed (e.g. an unsupported algorithm version)."""

    code = "epcis-event-hash-error"
    epcis_type = "epcisException:ValidationException"


class UnitConversionError(EpcisError, ValidationError):
    """Two UN/CEFACT units that are not convertible, or a unit that is not known."""

    code = "epcis-unit-error"
    epcis_type = "epcisException:QueryParameterException"


class EPCISValidationError(EpcisError, ValidationError):
    """One or more rule violations in a document; `problems` lists each with event and path."""

    code = "epcis-validation-failed"
    epcis_type = "epcisException:ValidationException"

    def __init__(self, problems: Sequence[ValidationProblem]) -> None:
        first = problems[0] if problems else None
        summary = f"{len(problems)} EPCIS validation problem(s)"
        if first is not None:
            summary += f"; first: {first.describe()}"
        super().__init__(summary, field=first.path if first else None)
        self.problems: tuple[ValidationProblem, ...] = tuple(problems)
        self.details["problems"] = [p.as_dict() for p in self.problems]

    def diagnostics(self) -> str:
        """Every problem on its own line."""
        return "\n".join(p.describe() for p in self.problems) or self.message
