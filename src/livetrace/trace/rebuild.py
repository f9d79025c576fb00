"""Rebuild the trace projections from the stored events, in log order."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livetrace.epcis.models import EpcisEventRow
from livetrace.trace.facts import Facts
from livetrace.trace.models import PROJECTION_TABLES
from livetrace.trace.projector import Projection, facts_of_row
from livetrace.trace.repository import ProjectionRepository

BATCH = 2_000


def rebuild(session: Session, *, batch: int = BATCH) -> int:
    """Empty the projections and replay every stored event; return how many events were read."""
    repo = ProjectionRepository(session)
    repo.truncate()
    projection = Projection(session)
    after, count = -1, 0
    while rows := repo.events_in_order(after, batch):
        projection.apply([f for f in (_facts(r) for r in rows) if f is not None])
        after, count = rows[-1].log_index, count + len(rows)
        session.expunge_all()  # keep memory flat on large logs
    return count


def _facts(row: EpcisEventRow) -> Facts | None:
    facts = facts_of_row(row)
    if facts.is_declaration:
        return facts
    # A row capture marked as declared erroneous (instead of storing a separate declaration)
    # never had lasting effects.
    if row.error_declared_by is not None or row.error_declaration_time is not None:
        return None
    return facts


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table's rows in key order: what a rebuild must reproduce exactly."""
    repo = ProjectionRepository(session)
    return {t.__tablename__: repo.table_rows(t) for t in PROJECTION_TABLES}
