"""Trace graphs as inline SVG (pure; no scripts, no third-party assets, text escaped).

Nodes sit in columns by depth (distance from the traced object) and rows in a stable order;
edges are straight lines with a small arrowhead. Kinds have their own colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COL_W, ROW_H, BOX_W, BOX_H, PAD = 230, 46, 200, 32, 16
COLOURS = {"lot": "#e8f3e8", "item": "#e8eef8", "case": "#fdf3e1", "pallet": "#fbe6d4",
           "container": "#fdf3e1", "origin": "#fde8e8"}  # fmt: skip
MAX_NODES_DRAWN = 400


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node to draw: identifier, short label, kind, column."""

    id: str
    label: str
    kind: str
    depth: int


def short_label(epc: str) -> str:
    """A readable short form of a Digital Link (`01/…/10/LOT` → `LOT`, `00/…` → `SSCC …1234`)."""
    tail = epc.rsplit("/", 2)
    if "/10/" in epc and "/21/" not in epc:
        return f"lot {tail[-1]}"
    if "/21/" in epc:
        return f"#{tail[-1]}"
    if "/00/" in epc:
        return f"SSCC …{epc[-6:]}"
    return epc[-24:]


def svg_graph(nodes: Sequence[GraphNode], edges: Sequence[tuple[str, str, str]], *,
              title: str) -> str:  # fmt: skip
    """An SVG drawing of the nodes and edges (at most `MAX_NODES_DRAWN` nodes)."""
    shown = sorted(nodes, key=lambda n: (n.depth, n.kind, n.id))[:MAX_NODES_DRAWN]
    place: dict[str, tuple[int, int]] = {}
    rows: dict[int, int] = {}
    for node in shown:
        row = rows.get(node.depth, 0)
        rows[node.depth] = row + 1
        place[node.id] = (PAD + node.depth * COL_W, PAD + 24 + row * ROW_H)
    width = PAD * 2 + (max(rows, default=0) + 1) * COL_W
    height = PAD * 2 + 24 + max(rows.values(), default=1) * ROW_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>',
        f'<text x="{PAD}" y="{PAD + 4}" font-weight="bold">{escape(title)}</text>',
    ]
    parts += [_edge(place[s], place[t], kind) for s, t, kind in edges if s in place and t in place]
    parts += [_box(n, *place[n.id]) for n in shown]
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(a: tuple[int, int], b: tuple[int, int], kind: str) -> str:
    (x1, y1), (x2, y2) = a, b
    if x2 < x1:
        (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
    return (f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H // 2}" x2="{x2}" y2="{y2 + BOX_H // 2}" '
            f'stroke="#999" marker-end="url(#arrow)"><title>{escape(kind)}</title></line>')  # fmt: skip


def _box(node: GraphNode, x: int, y: int) -> str:
    fill = COLOURS.get(node.kind, "#f0f0f0")
    return (f'<g><title>{escape(node.id)}</title><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="5" fill="{fill}" stroke="#888"/>'
            f'<text x="{x + 8}" y="{y + 20}">{escape(node.kind)}: {escape(node.label[:26])}</text></g>')  # fmt: skip
