"""The structured validation problem every EPCIS check reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValidationProblem:
    """One rule violation: which event (index and eventID), where (JSON path), what and a code.

    `event_index` is None for document-level problems; `path` is a JSON Pointer-like dotted path
    from the document root, e.g. `epcisBody.eventList[2].bizStep`.
    """

    event_index: int | None
    event_id: str | None
    path: str
    message: str
    code: str

    def describe(self) -> str:
        """A one-line human description."""
        where = "document" if self.event_index is None else f"event #{self.event_index}"
        if self.event_id:
            where += f" ({self.event_id})"
        return f"{where} at {self.path or '$'}: {self.message} [{self.code}]"

    def as_dict(self) -> dict[str, str | int | None]:
        """A JSON-ready mapping (for problem details)."""
        return {
            "eventIndex": self.event_index,
            "eventID": self.event_id,
            "path": self.path,
            "message": self.message,
            "code": self.code,
        }
