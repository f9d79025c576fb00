"""Pausing Python's cyclic garbage collector around bulk work.

A bulk job (a capture of thousands of events, an import) allocates many objects that live until
it ends. Every few hundred allocations the cyclic collector runs and, as the young objects age,
rescans all of them, which costs a bulk job a sixth of its time and buys nothing: reference
counting still frees everything acyclic at once, and cycles made during the job are collected
after it. Pauses nest and may overlap across threads; the collector runs again when the last
one ends, and stays off if it was off before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many pauses are running, and whether the collector ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.was_enabled:
                gc.enable()


_PAUSES = _Pauses()  # one collector per process, so one count


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused."""
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()


# A server's collector thresholds: young collections every 20,000 net allocations instead of
# 700 (a scan page allocates thousands of short-lived objects), and a full collection only
# after 100 middle ones. The server's caches hold acyclic rows, so garbage is freed by
# reference counting; a full collection of a warm worker paused it for 20 to 80 ms.
SERVER_THRESHOLDS = (20_000, 20, 100)


def settle_heap() -> None:
    """Collect once, leave what exists out of every later collection (`gc.freeze`), and collect
    less often (`SERVER_THRESHOLDS`).

    For a server after start-up: modules, routes, templates and mapper configuration live as
    long as the process, and each full collection traversed all of them again. Measured on the
    scan page, full collections of a warm worker took 20 to 140 ms, the latency spikes of an
    otherwise fast page.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_THRESHOLDS)
