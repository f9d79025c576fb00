"""Pure graph walks for traces: bounded breadth-first search and cycle finding.

A trace follows edges level by level; each level's expansion is one set-based lookup. The visited
set makes every node expand once, so a loop in bad data ends the walk instead of running it
forever; `find_cycle` then names the loop so it can be reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from livetrace.trace.errors import TraceTooLargeError


class Edge(NamedTuple):
    """A directed step of a trace: `kind` says why `source` leads to `target`.

    A tuple, not a dataclass: a forward trace makes tens of thousands of them, and tuples hash,
    compare and sort in C.
    """

    source: str
    target: str
    kind: str


@dataclass(slots=True)
class Walk:
    """The nodes a walk reached (with depth) and the edges it followed (in no set order)."""

    depth: dict[str, int] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    @property
    def nodes(self) -> set[str]:
        """Every node reached, seeds included."""
        return set(self.depth)


Expander = Callable[[set[str]], Iterable[Edge]]


def walk(seeds: Iterable[str], expand: Expander, *, max_nodes: int, max_depth: int = 64) -> Walk:
    """Breadth-first from `seeds` along `expand`'s edges; each node is expanded once."""
    result = Walk()
    frontier = set(seeds)
    for node in frontier:
        result.depth[node] = 0
    level = 0
    while frontier and level < max_depth:
        level += 1
        following: set[str] = set()
        depth = result.depth
        # Every edge of a level leads to the same depth, so their order does not matter here;
        # readers that show edges sort them.
        edges = set(expand(frontier))
        result.edges += edges
        for edge in edges:
            if edge.target not in depth:
                depth[edge.target] = level
                following.add(edge.target)
        if len(result.depth) > max_nodes:
            raise TraceTooLargeError(
                f"the trace reaches more than {max_nodes} nodes; narrow it or raise the limit",
                details={"limit": max_nodes},
            )
        frontier = following
    return result


def find_cycle(edges: Iterable[Edge], depth: Mapping[str, int] | None = None) -> list[str] | None:
    """A loop among the edges as the node path `[a, b, …, a]`, or None if there is none.

    With the depths of a walk that followed the edges, a chain where every edge leads deeper
    has no loop, which settles the common case without a search.
    """
    edges = list(edges)
    if depth is not None and all(depth[e.source] < depth[e.target] for e in edges):
        return None
    succ: dict[str, list[str]] = {}
    for e in edges:
        succ.setdefault(e.source, []).append(e.target)
    colour: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in sorted(succ):
        if colour.get(start):
            continue
        found = _dfs(start, succ, colour)
        if found:
            return found
    return None


def _dfs(start: str, succ: dict[str, list[str]], colour: dict[str, int]) -> list[str] | None:
    path = [start]
    stack = [iter(sorted(set(succ.get(start, ()))))]
    colour[start] = 1
    while stack:
        nxt = next(stack[-1], None)
        if nxt is None:
            colour[path.pop()] = 2
            stack.pop()
            continue
        state = colour.get(nxt)
        if state == 1:
            return [*path[path.index(nxt) :], nxt]
        if state is None:
            colour[nxt] = 1
            path.append(nxt)
            stack.append(iter(sorted(set(succ.get(nxt, ())))))
    return None
