"""Identifiers made in Python, so rows can be linked before they are flushed."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> uuid.UUID:
    """A random UUID (version 4) for a primary key."""
    return uuid.uuid4()


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random string with `nbytes` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)
