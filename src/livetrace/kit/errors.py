"""The error base every feature's errors derive from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class LivetraceError(Exception):
    """Base of every domain error: a stable machine code plus human diagnostics.

    Domain errors never carry an HTTP status; adapters map classes to statuses in one table.
    """

    code: ClassVar[str] = "livetrace-error"

    def __init__(
        self, message: str, *, field: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = dict(details or {})

    def diagnostics(self) -> str:
        """A one-paragraph explanation for a person: what is wrong and where."""
        where = f" (field `{self.field}`)" if self.field else ""
        return f"{self.message}{where}"


class ValidationError(LivetraceError):
    """Input that breaks a rule: wrong check digit, unknown role, missing attribute."""

    code = "invalid-input"


class NotFoundError(LivetraceError):
    """A referenced thing does not exist (or is not visible to the caller)."""

    code = "not-found"


class ConflictError(LivetraceError):
    """The request clashes with existing state: a duplicate key, a stale version."""

    code = "conflict"


class AuthenticationError(LivetraceError):
    """No credentials, or credentials that are unknown, expired or revoked."""

    code = "unauthenticated"


class PermissionDeniedError(LivetraceError):
    """Authenticated, but not allowed to do this."""

    code = "forbidden"


class VerificationError(LivetraceError):
    """A signature, proof, MAC or checksum did not verify. Verification raises; it never returns False."""

    code = "verification-failed"
