"""Errors of the trace package."""

from __future__ import annotations

from livetrace.kit.errors import (
    ConflictError,
    LivetraceError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class TraceError(LivetraceError):
    """Base of trace errors."""

    code = "trace-error"


class UnknownIdentifierError(TraceError, NotFoundError):
    """No event names this identifier, so there is nothing to trace."""

    code = "trace-unknown-identifier"


class InvalidTraceRequestError(TraceError, ValidationError):
    """A trace or recall request that cannot be understood (bad scope, bad window)."""

    code = "trace-invalid-request"


class LineageCycleError(TraceError, ValidationError):
    """The recorded lineage or containment loops back on itself (bad data)."""

    code = "trace-cycle"


class TraceTooLargeError(TraceError, ValidationError):
    """The trace reaches more nodes than the limit allows."""

    code = "trace-too-large"


class RecallScopeEmptyError(TraceError, ValidationError):
    """The recall scope matches no unit."""

    code = "recall-scope-empty"


class RecallNotPermittedError(TraceError, PermissionDeniedError):
    """The party may not open or change this recall."""

    code = "recall-forbidden"


class RecallNotFoundError(TraceError, NotFoundError):
    """No recall with this id or number."""

    code = "recall-not-found"


class RecallStateError(TraceError, ConflictError):
    """The recall is closed, or the progress step is not allowed."""

    code = "recall-state"
