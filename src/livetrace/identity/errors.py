"""Errors of the identity package."""

from __future__ import annotations

from livetrace.kit.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class InvalidPartyDataError(ValidationError):
    """A party, user or location field breaks a rule."""

    code = "invalid-party-data"


class PartyNotFoundError(NotFoundError):
    """No such party, or not visible to the caller."""

    code = "party-not-found"


class UserNotFoundError(NotFoundError):
    """No such user in the party."""

    code = "user-not-found"


class LocationNotFoundError(NotFoundError):
    """No such location, or not visible to the caller."""

    code = "location-not-found"


class TokenNotFoundError(NotFoundError):
    """No such API token in the party."""

    code = "token-not-found"


class DuplicateError(ConflictError):
    """A unique identifier (GLN, e-mail, name) is already taken."""

    code = "duplicate"


class InvalidTokenError(AuthenticationError):
    """The bearer token is malformed, unknown, expired or revoked."""

    code = "invalid-token"


class AccessDeniedError(PermissionDeniedError):
    """The caller may not act on this party or lacks the scope."""

    code = "access-denied"
