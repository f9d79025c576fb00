"""Errors of the demo loader."""

from __future__ import annotations

from livetrace.kit.errors import ConflictError, LivetraceError


class DemoError(LivetraceError):
    """Base of demo errors."""

    code = "demo-error"


class DemoCaptureError(DemoError):
    """A demo event or code was refused: the demo data no longer fits the rules."""

    code = "demo-capture-refused"


class DemoAlreadyLoadedError(DemoError, ConflictError):
    """The database already holds the demo (or parties of the same names)."""

    code = "demo-already-loaded"
