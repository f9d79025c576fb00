"""The pure walk and loop finding behind traces."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.trace.errors import TraceTooLargeError
from livetrace.trace.graph import Edge, Expander, find_cycle, walk


def _expander(edges: list[tuple[str, str]]) -> Expander:
    succ: dict[str, list[str]] = {}
    for s, t in edges:
        succ.setdefault(s, []).append(t)
    return lambda frontier: [Edge(s, t, "x") for s in frontier for t in succ.get(s, [])]


def test_walk_gives_levels_and_each_edge_once() -> None:
    found = walk(["a"], _expander([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "b")]),
                 max_nodes=10)  # fmt: skip
    assert found.depth == {"a": 0, "b": 1, "c": 1, "d": 2}
    assert sorted(found.edges) == [Edge("a", "b", "x"), Edge("a", "c", "x"),
                                   Edge("b", "d", "x"), Edge("c", "d", "x")]  # fmt: skip


def test_walk_stops_at_the_node_limit() -> None:
    with pytest.raises(TraceTooLargeError, match="more than 3 nodes"):
        walk(["a"], _expander([("a", str(i)) for i in range(5)]), max_nodes=3)


def test_a_loop_is_named_and_a_chain_is_not() -> None:
    loop = [Edge("a", "b", "x"), Edge("b", "c", "x"), Edge("c", "a", "x"), Edge("c", "d", "x")]
    assert find_cycle(loop) == ["a", "b", "c", "a"]
    assert find_cycle(loop[:2] + loop[3:]) is None


def test_depths_settle_a_chain_and_never_hide_a_loop() -> None:
    edges = [("a", "b"), ("b", "c"), ("c", "a")]
    found = walk(["a"], _expander(edges), max_nodes=10)
    assert find_cycle(found.edges, found.depth) == ["a", "b", "c", "a"]
    chain = walk(["a"], _expander(edges[:2]), max_nodes=10)
    assert find_cycle(chain.edges, chain.depth) is None


nodes = st.sampled_from("abcdefgh")


@given(st.lists(st.tuples(nodes, nodes), max_size=20), st.sets(nodes, min_size=1, max_size=3))
def test_depths_agree_with_the_search(edges: list[tuple[str, str]], seeds: set[str]) -> None:
    found = walk(seeds, _expander(edges), max_nodes=100)
    with_depth = find_cycle(found.edges, found.depth)
    assert with_depth == find_cycle(found.edges)
    if with_depth is not None:
        assert with_depth[0] == with_depth[-1]
        steps = set(pairwise(with_depth))
        assert steps <= {(e.source, e.target) for e in found.edges}
