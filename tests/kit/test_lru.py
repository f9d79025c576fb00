"""The bounded least-recently-used map behind the process-local caches."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from livetrace.kit.lru import Lru


def test_the_least_recently_used_goes_first() -> None:
    lru: Lru[str, int] = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    assert lru.keys() == ["a", "c"] and len(lru) == 2
    lru.put("a", 4)  # a new value refreshes too
    lru.put("d", 5)
    assert lru.keys() == ["a", "d"] and lru.get("a") == 4


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 9)), max_size=60), st.integers(1, 5))
def test_it_keeps_the_most_recent_keys_like_a_model(
    ops: list[tuple[bool, int]], bound: int
) -> None:
    lru: Lru[int, int] = Lru(bound)
    model: list[int] = []  # keys, least recent first
    for write, key in ops:
        if write:
            lru.put(key, key * 10)
            model = [k for k in model if k != key] + [key]
            model = model[-bound:]
        else:
            found = lru.get(key)
            assert (found is not None) == (key in model)
            if key in model:
                assert found == key * 10
                model = [k for k in model if k != key] + [key]
        assert lru.keys() == model


def test_threads_may_share_it() -> None:
    lru: Lru[int, int] = Lru(50)

    def work(offset: int) -> None:
        for n in range(2_000):
            lru.put(offset + n % 100, n)
            lru.get(offset + (n * 7) % 100)

    threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(lru) == 50 and len(set(lru)) == 50
