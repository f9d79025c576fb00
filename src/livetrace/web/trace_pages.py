"""Console pages for traces and recalls: server-rendered, the graph as inline SVG, no JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from livetrace.identity.policy import SYSTEM
from livetrace.kit.errors import LivetraceError
from livetrace.trace.recall import RecallService
from livetrace.trace.render import GraphNode, short_label, svg_graph
from livetrace.trace.schemas import BackwardTrace, ForwardTrace, OriginKind, TraceOrigin
from livetrace.trace.service import TraceService, identifier, node_kind
from livetrace.web.pages import PageSession, templates

router = APIRouter(include_in_schema=False, prefix="/console")


@router.get("/trace", response_class=HTMLResponse)
def trace_page(request: Request, session: PageSession,
               ref: Annotated[str | None, Query(alias="id")] = None,
               direction: str = "back") -> HTMLResponse:  # fmt: skip
    """Trace form and, when an identifier is given, the trace as a graph and tables."""
    context: dict[str, object] = {"ref": ref or "", "direction": direction}
    if ref:
        try:
            context |= _trace(session, ref, direction)
        except LivetraceError as exc:
            context["error"] = exc.diagnostics()
    return templates.TemplateResponse(request, "trace/trace.html", context)


def _trace(session: PageSession, ref: str, direction: str) -> dict[str, object]:
    svc = TraceService(session)
    if direction == "forward":
        fwd = svc.forward(TraceOrigin(kind=OriginKind.LOT, id=ref))
        return {"forward": fwd, "svg": _forward_svg(fwd)}
    back = svc.backward(identifier(ref))
    return {"backward": back, "svg": _backward_svg(back)}


def _backward_svg(trace: BackwardTrace) -> str:
    depth = {lot.id: lot.depth + 1 for lot in trace.lots} | {trace.id: 0}
    nodes = [GraphNode(n, short_label(n), node_kind(n) if n != trace.id else "origin", depth.get(n, 1))
             for n in {trace.id, *depth, *(u.id for u in trace.units)}]  # fmt: skip
    return svg_graph(nodes, [(e.target, e.source, e.kind) if e.kind in ("input", "lot") else
                             (e.source, e.target, e.kind) for e in trace.edges],
                     title=f"Backward trace · {short_label(trace.id)}")  # fmt: skip


def _forward_svg(trace: ForwardTrace) -> str:
    depth: dict[str, int] = dict.fromkeys(trace.seeds, 0)
    for _ in range(8):  # depth by relaxing edges a few rounds: enough for chains this deep
        for e in trace.edges:
            if e.source in depth:
                depth[e.target] = min(depth.get(e.target, 99), depth[e.source] + 1)
    kinds = {u.id: u.kind for u in (*trace.items, *trace.containers)}
    nodes = [GraphNode(n, short_label(n), kinds.get(n, node_kind(n)), d) for n, d in depth.items()]
    return svg_graph(nodes, [(e.source, e.target, e.kind) for e in trace.edges],
                     title=f"Forward trace · {', '.join(short_label(s) for s in trace.seeds)}")  # fmt: skip


@router.get("/recalls", response_class=HTMLResponse)
def recalls_page(request: Request, session: PageSession) -> HTMLResponse:
    """Recall campaigns with their progress."""
    ctx = request.app.state.ctx
    svc = RecallService(session, ctx.encryptor, ctx.settings.log_origin)
    return templates.TemplateResponse(
        request, "trace/recalls.html", {"recalls": svc.campaigns(SYSTEM)}
    )
