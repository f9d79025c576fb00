"""The demo's reads: the serials its runs were issued with (the code service drew them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.codes.models import CodeRun, ItemCode
from livetrace.demo.data import RunSpec


class DemoRepository:
    """Finds the demo's runs again."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def serials(self, spec: RunSpec) -> list[str]:
        """The serials of the (first) run issued for `spec`, in issue order; empty if none."""
        run = (
            select(CodeRun.id)
            .where(CodeRun.gtin == spec.gtin, CodeRun.lot_number == spec.lot,
                   CodeRun.count == spec.count, CodeRun.paired.is_(spec.pairs))
            .order_by(CodeRun.created_at, CodeRun.id)
            .limit(1)
            .scalar_subquery()
        )  # fmt: skip
        query = select(ItemCode.serial).where(ItemCode.run_id == run).order_by(ItemCode.seq)
        return [s for s in self.session.scalars(query) if s is not None]
