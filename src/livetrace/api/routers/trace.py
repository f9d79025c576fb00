"""Trace and recall: backward/forward traces, recall campaigns, analytics."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from livetrace.api.deps import ContextDep, PrincipalDep, SessionDep
from livetrace.identity.policy import require_scope
from livetrace.identity.roles import Scope
from livetrace.trace import analytics
from livetrace.trace.recall import RecallService, recall_for
from livetrace.trace.schemas import (
    BackwardTrace,
    ForwardTrace,
    ProgressUpdate,
    RecallNotice,
    RecallOpen,
    RecallOut,
    RecallUnitOut,
    TraceOrigin,
)
from livetrace.trace.service import TraceService, identifier

router = APIRouter(prefix="/trace", tags=["trace"])


def _recalls(session: SessionDep, ctx: ContextDep) -> RecallService:
    return RecallService(session, ctx.encryptor, ctx.settings.log_origin)


@router.get("/backward", response_model=BackwardTrace)
def backward(who: PrincipalDep, session: SessionDep, ref: Annotated[str | None, Query(alias="id")] = None,
             gtin: str | None = None, lot: str | None = None) -> BackwardTrace:  # fmt: skip
    """Upstream of an item, container or lot (`id`, or `gtin` + `lot`)."""
    require_scope(who, Scope.READ)
    return TraceService(session).backward(identifier(ref, gtin=gtin, lot=lot))


@router.post("/forward", response_model=ForwardTrace)
def forward(origin: TraceOrigin, who: PrincipalDep, session: SessionDep) -> ForwardTrace:
    """Downstream of a lot, item, line/shift/time window or supplier."""
    require_scope(who, Scope.READ)
    return TraceService(session).forward(origin)


@router.get("/recalls", response_model=list[RecallOut])
def list_recalls(who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> list[RecallOut]:
    """Recall campaigns the caller may see."""
    return _recalls(session, ctx).campaigns(who)


@router.post("/parties/{party_id}/recalls", status_code=status.HTTP_201_CREATED,
             response_model=RecallOut)  # fmt: skip
def open_recall(party_id: uuid.UUID, data: RecallOpen, who: PrincipalDep, session: SessionDep,
                ctx: ContextDep) -> RecallOut:  # fmt: skip
    """Open a recall: compute and freeze the affected set, sign it onto the log, mark units."""
    return _recalls(session, ctx).open(who, party_id, data).recall


@router.get("/recalls/{ref}", response_model=RecallOut)
def get_recall(ref: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> RecallOut:
    """One recall with its progress."""
    return _recalls(session, ctx).get(who, ref)


@router.get("/recalls/{ref}/units", response_model=list[RecallUnitOut])
def recall_units(ref: str, who: PrincipalDep, session: SessionDep,
                 ctx: ContextDep) -> list[RecallUnitOut]:  # fmt: skip
    """The frozen affected units."""
    return _recalls(session, ctx).units(who, ref)


@router.post("/recalls/{ref}/progress", response_model=RecallOut)
def record_progress(ref: str, update: ProgressUpdate, who: PrincipalDep, session: SessionDep,
                    ctx: ContextDep) -> RecallOut:  # fmt: skip
    """Move units to located, quarantined, returned, destroyed or unreachable."""
    return _recalls(session, ctx).record(who, ref, update)


@router.post("/recalls/{ref}/close", response_model=RecallOut)
def close_recall(ref: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> RecallOut:
    """Close a recall."""
    return _recalls(session, ctx).close(who, ref)


@router.get("/recalls/{ref}/units.csv")
def units_csv(ref: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> Response:
    """Affected units as CSV."""
    return Response(_recalls(session, ctx).exports(who, ref)[0], media_type="text/csv")


@router.get("/recalls/{ref}/orders.csv")
def orders_csv(ref: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> Response:
    """Orders tied to affected units as CSV."""
    return Response(_recalls(session, ctx).exports(who, ref)[1], media_type="text/csv")


@router.get("/recalls/{ref}/notice.pdf")
def notice(ref: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> Response:
    """The printable recall notice."""
    return Response(_recalls(session, ctx).notice(who, ref), media_type="application/pdf")


@router.get("/recall-check", response_model=list[RecallNotice])
def recall_check(session: SessionDep, ref: Annotated[str | None, Query(alias="id")] = None, gtin: str | None = None,
                 lot: str | None = None) -> list[RecallNotice]:  # fmt: skip
    """Open recalls covering a scanned code (public: what the scan page shows)."""
    return recall_for(session, ref, gtin=gtin, lot=lot)


@router.get("/analytics/dwell", response_model=analytics.DwellReport)
def dwell(who: PrincipalDep, session: SessionDep, gtin: str | None = None) -> analytics.DwellReport:
    """Dwell-time percentiles per stage and location."""
    require_scope(who, Scope.READ)
    return analytics.dwell_times(session, gtin)


@router.get("/analytics/completeness/{gtin}", response_model=analytics.CompletenessReport)
def completeness(gtin: str, who: PrincipalDep, session: SessionDep) -> analytics.CompletenessReport:
    """Which required data is missing at which node, per lot of a product."""
    require_scope(who, Scope.READ)
    return analytics.completeness(session, gtin)


@router.get("/analytics/suppliers", response_model=list[analytics.SupplierQuality])
def suppliers(who: PrincipalDep, session: SessionDep) -> list[analytics.SupplierQuality]:
    """QC failures, non-conformant dispositions and recalls by supplier and raw lot."""
    require_scope(who, Scope.READ)
    return analytics.supplier_quality(session)
