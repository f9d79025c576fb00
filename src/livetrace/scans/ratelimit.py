"""Per-client token buckets for the public resolver, in process and bounded in memory.

Each client key (an IP address) has a bucket of `burst` tokens that refills at `per_minute`
tokens a minute; a request takes one token or is refused with the time until the next one. At
most `max_clients` buckets are kept: the least recently used one is dropped to make room, which
only ever forgives a client that has been quiet longest. One lock guards the table, since the
API answers requests from a thread pool.

The limits are per worker process; with several workers the effective limit is the sum.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from livetrace.config import Settings
from livetrace.kit.errors import LivetraceError


class RateLimitedError(LivetraceError):
    """Too many requests from one client; retry after the given number of seconds."""

    code = "rate-limited"


@dataclass(frozen=True, slots=True)
class Rate:
    """A bucket size and how fast it refills."""

    burst: int
    per_minute: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_minute <= 0:
            raise ValueError("a rate needs a burst of at least 1 and a positive refill rate")


class TokenBuckets:
    """Token buckets keyed by client, least recently used dropped beyond `max_clients`."""

    def __init__(
        self,
        rate: Rate,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        self.rate = rate
        self.max_clients = max_clients
        self._clock = clock
        self._per_second = rate.per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, stamp
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> float:
        """Take a token for `key`: 0.0 when granted, else the seconds until one is available."""
        with self._lock:
            now = self._clock()
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._store(key, tokens - 1.0, now)
                return 0.0
            self._store(key, tokens, now)
            return (1.0 - tokens) / self._per_second

    def wait(self, key: str) -> float:
        """Seconds until `key` has a whole token again (0.0 when it has one); takes nothing."""
        with self._lock:
            tokens = self._tokens(key, self._clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._per_second

    def check(self, key: str) -> None:
        """Take a token for `key` or raise `RateLimitedError` saying when to retry."""
        refuse(self.take(key))

    def _tokens(self, key: str, now: float) -> float:
        found = self._buckets.get(key)
        if found is None:
            return float(self.rate.burst)
        tokens, stamp = found
        return min(float(self.rate.burst), tokens + max(0.0, now - stamp) * self._per_second)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


def refuse(wait: float) -> None:
    """Raise `RateLimitedError` when `wait` (seconds) is positive."""
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimitedError(
            f"too many requests from this client; retry in {seconds} s",
            details={"retry_after": seconds},
        )


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Per-client buckets for scans: all requests, and scans of forged or broken codes.

    Serial enumeration burns the much smaller failure budget first.
    """

    requests: TokenBuckets
    failures: TokenBuckets

    @classmethod
    def from_settings(cls, settings: Settings) -> ScanLimits:
        """The buckets the deployment's resolver settings describe."""
        clients = settings.resolver_rate_clients
        return cls(
            TokenBuckets(Rate(settings.resolver_rate_burst, settings.resolver_rate_per_minute),
                         max_clients=clients),
            TokenBuckets(Rate(settings.resolver_failure_burst, settings.resolver_failure_per_minute),
                         max_clients=clients),
        )  # fmt: skip
