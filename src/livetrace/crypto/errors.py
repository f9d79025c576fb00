"""Errors of the key store."""

from __future__ import annotations

from livetrace.kit.errors import ConflictError, LivetraceError, NotFoundError


class KeyDecryptionError(LivetraceError):
    """A stored private key could not be decrypted: wrong secret or a tampered record."""

    code = "key-decryption-failed"


class KeyNotFoundError(NotFoundError):
    """No key of that id, or no active key for that owner."""

    code = "key-not-found"


class ActiveKeyExistsError(ConflictError):
    """The owner already has an active key; rotate instead of creating another."""

    code = "active-key-exists"
