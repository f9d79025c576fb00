"""Extension points of the EPCIS repository that higher features plug into."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from livetrace.epcis.writer import AcceptedEvent


class Projector(Protocol):
    """Keeps a read model in step with capture.

    `apply` runs inside the capture transaction, after the events are written, so events and
    projections commit together or not at all. It must be deterministic in event order so that a
    rebuild from the stored events (in `log_index` order) gives identical tables.
    """

    def apply(self, session: Session, accepted: Sequence[AcceptedEvent]) -> None:
        """Update the read model for newly accepted events (in log order)."""
