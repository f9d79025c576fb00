"""Per-client token buckets: burst, refill, isolation between clients, bounded memory."""

from __future__ import annotations

import threading

import pytest

from livetrace.scans.ratelimit import Rate, RateLimitedError, TokenBuckets


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_granted_then_refused_with_the_wait() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(Rate(burst=3, per_minute=60), clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(1.0)  # one token a second


def test_tokens_refill_with_time_up_to_the_burst() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(Rate(burst=2, per_minute=60), clock=clock)
    buckets.take("a")
    buckets.take("a")
    clock.now += 0.5
    assert buckets.take("a") == pytest.approx(0.5)
    clock.now += 3600  # a long pause never grants more than the burst
    assert [buckets.take("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert buckets.take("a") > 0


def test_clients_have_their_own_buckets() -> None:
    buckets = TokenBuckets(Rate(burst=1, per_minute=1), clock=FakeClock())
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    assert buckets.take("b") == 0.0


def test_check_raises_with_a_whole_number_of_seconds() -> None:
    buckets = TokenBuckets(Rate(burst=1, per_minute=6), clock=FakeClock())
    buckets.check("a")
    with pytest.raises(RateLimitedError) as failure:
        buckets.check("a")
    assert failure.value.details == {"retry_after": 10}
    assert failure.value.code == "rate-limited"


def test_memory_is_bounded_by_dropping_the_least_recently_used_client() -> None:
    buckets = TokenBuckets(Rate(burst=1, per_minute=1), max_clients=3, clock=FakeClock())
    for key in ("a", "b", "c"):
        buckets.take(key)
    buckets.take("a")  # refused, but marks "a" as recently seen
    buckets.take("d")  # evicts "b", the least recently used
    assert len(buckets) == 3
    assert buckets.take("a") > 0  # "a" kept its empty bucket
    assert buckets.take("b") == 0.0  # "b" was forgotten: a fresh bucket


def test_concurrent_takes_never_grant_more_than_the_burst() -> None:
    buckets = TokenBuckets(Rate(burst=50, per_minute=0.001), clock=FakeClock())
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            wait = buckets.take("x")
            with lock:
                granted.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in granted if w == 0.0) == 50


@pytest.mark.parametrize(("burst", "per_minute"), [(0, 1), (1, 0), (1, -5)])
def test_bad_rates_are_refused(burst: int, per_minute: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate(burst=burst, per_minute=per_minute)


def test_wait_reports_without_taking() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(Rate(burst=1, per_minute=60), clock=clock)
    assert buckets.wait("a") == 0.0
    assert buckets.wait("a") == 0.0  # still there: nothing was taken
    buckets.take("a")
    assert buckets.wait("a") == pytest.approx(1.0)
    clock.now += 1
    assert buckets.wait("a") == 0.0
