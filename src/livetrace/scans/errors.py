"""Errors of the scans package."""

from __future__ import annotations

from livetrace.kit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class ScanPolicyError(ValidationError):
    """A scan policy that cannot judge anything: an empty `AllOf`, a threshold out of range."""

    code = "scan-policy-invalid"


class InvalidThresholdsError(ValidationError):
    """Rule thresholds that contradict each other or fall outside their range."""

    code = "scan-thresholds-invalid"


class InvalidScanQueryError(ValidationError):
    """A filter of a scan listing that names no known status or kind."""

    code = "scan-query-invalid"


class AlertNotFoundError(NotFoundError):
    """No such scan alert, or not visible to the caller."""

    code = "scan-alert-not-found"


class AlertStateError(ConflictError):
    """An alert cannot move to the requested status (closed alerts stay closed)."""

    code = "scan-alert-state"


class ScanCodeNotFoundError(NotFoundError):
    """No such item code among those the caller may see."""

    code = "scan-code-not-found"


class ScanAccessDeniedError(PermissionDeniedError):
    """The caller may not see or change another brand's scan data."""

    code = "scan-access-denied"
