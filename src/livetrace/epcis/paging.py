"""Opaque, signed `nextPageToken`s for keyset paging. Pure.

A token carries where the next page starts (the last row's order value and `log_index`), how many
events earlier pages served (for `eventCountLimit`), a digest of the query it belongs to and an
expiry; it is signed with HMAC-SHA256 under a key derived from the deployment secret, so a client
can neither forge a position nor reuse a token with a different query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from livetrace.epcis.query_types import QueryParameterError

TOKEN_TTL = timedelta(hours=24)
_CONTEXT = b"livetrace/epcis/next-page-token/v1"


@dataclass(frozen=True, slots=True)
class PageKey:
    """Where the next page starts: after (`order_value`, `log_index`); `served` so far."""

    order_value: str | None
    log_index: int
    served: int


class PageTokens:
    """Issues and checks page tokens."""

    def __init__(self, secret: str, *, ttl: timedelta = TOKEN_TTL) -> None:
        self._key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
        self.ttl = ttl

    def issue(self, key: PageKey, fingerprint: str, now: datetime) -> str:
        """A token for the page after `key` of the query with this fingerprint."""
        payload = {
            "q": _digest(fingerprint),
            "k": key.order_value,
            "i": key.log_index,
            "n": key.served,
            "e": int((now + self.ttl).timestamp()),
        }
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return _b64(body) + "." + _b64(self._mac(body))

    def expiry(self, now: datetime) -> datetime:
        """When a token issued now stops being accepted."""
        return now + self.ttl

    def read(self, token: str, fingerprint: str, now: datetime) -> PageKey:
        """The position a token names; QueryParameterError if forged, expired or for another query."""
        body = self._verified_body(token)
        try:
            payload = json.loads(body)
            key = PageKey(payload["k"], int(payload["i"]), int(payload["n"]))
            digest, expires = str(payload["q"]), int(payload["e"])
        except (ValueError, KeyError, TypeError):
            raise _invalid("it is malformed") from None
        if digest != _digest(fingerprint):
            raise _invalid("it belongs to a different query; repeat the query's parameters")
        if now.timestamp() >= expires:
            raise _invalid("it has expired; run the query again")
        return key

    def _verified_body(self, token: str) -> bytes:
        head, _, mac = token.partition(".")
        try:
            body, given = _unb64(head), _unb64(mac)
        except ValueError:
            raise _invalid("it is not a token this repository issued") from None
        if not hmac.compare_digest(given, self._mac(body)):
            raise _invalid("it is not a token this repository issued")
        return body

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:16]


def _digest(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


def _invalid(why: str) -> QueryParameterError:
    return QueryParameterError(f"nextPageToken is invalid: {why}", field="nextPageToken")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
