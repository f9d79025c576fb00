"""Errors of capture, capture jobs and evidence documents, each with its EPCIS exception type."""

from __future__ import annotations

from livetrace.epcis.errors import EpcisError
from livetrace.kit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    VerificationError,
)


class CaptureLimitExceededError(EpcisError, ValidationError):
    """A capture document with more events or more bytes than the advertised limits."""

    code = "epcis-capture-limit-exceeded"
    epcis_type = "epcisException:CaptureLimitExceededException"


class UnsupportedMediaTypeError(EpcisError, ValidationError):
    """A request body in a media type the endpoint does not read."""

    code = "epcis-unsupported-media-type"
    epcis_type = "epcisException:UnsupportedMediaTypeException"


class EventAlreadyExistsError(EpcisError, ConflictError):
    """An event whose eventID or Event Hash ID is already in the repository (or the document)."""

    code = "epcis-event-exists"
    epcis_type = "epcisException:ResourceAlreadyExistsException"


class ErrorDeclarationError(EpcisError, ValidationError):
    """An error declaration that names no stored event, or is not a copy of the event it names."""

    code = "epcis-error-declaration-invalid"
    epcis_type = "epcisException:ValidationException"


class CaptureAccessError(EpcisError, PermissionDeniedError):
    """A capture on behalf of another party, or a correction of another party's event."""

    code = "epcis-capture-forbidden"
    epcis_type = "epcisException:SecurityException"


class CaptureJobNotFoundError(EpcisError, NotFoundError):
    """No capture job with this id is visible to the caller."""

    code = "epcis-capture-job-not-found"
    epcis_type = "epcisException:NoSuchResourceException"


class DocumentNotFoundError(NotFoundError):
    """No evidence document with this SHA-256 is stored."""

    code = "document-not-found"


class DocumentExistsError(ConflictError):
    """An evidence document with the same content (SHA-256) is already stored."""

    code = "document-exists"


class DocumentIntegrityError(VerificationError):
    """A stored document whose bytes, statement or signature no longer match."""

    code = "document-integrity-failed"


class DocumentInputError(ValidationError):
    """An evidence upload that breaks a rule: empty, too large, unknown kind or link target."""

    code = "document-invalid"


class CaptureRequestError(EpcisError, ValidationError):
    """A capture request with a bad header or parameter (e.g. an unknown error behaviour)."""

    code = "epcis-capture-request-invalid"
    epcis_type = "epcisException:ValidationException"
