"""Domain errors → RFC 9457/7807 problem details, mapped in one table."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from livetrace.kit import errors as e
from livetrace.scans.linkset import LinkTypeError
from livetrace.scans.ratelimit import RateLimitedError
from livetrace.scans.resolver import MalformedRequestError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://livetrace.dev/problems/"

# Most specific class first; the first match wins.
STATUS_BY_ERROR: tuple[tuple[type[e.LivetraceError], int], ...] = (
    (RateLimitedError, 429),
    (MalformedRequestError, 400),
    (LinkTypeError, 400),
    (e.AuthenticationError, 401),
    (e.PermissionDeniedError, 403),
    (e.NotFoundError, 404),
    (e.ConflictError, 409),
    (e.VerificationError, 422),
    (e.ValidationError, 422),
)


# EPCIS exception types whose standard status differs from the class table above.
STATUS_BY_EPCIS_TYPE = {
    "epcisException:QueryParameterException": 400,
    "epcisException:QueryValidationException": 400,
    "epcisException:SubscriptionControlsException": 400,
    "epcisException:QueryTooLargeException": 413,
    "epcisException:QueryTooComplexException": 413,
    "epcisException:ValidationException": 400,
    "epcisException:CaptureLimitExceededException": 413,
    "epcisException:UnsupportedMediaTypeException": 415,
}


def status_for(error: e.LivetraceError) -> int:
    """The HTTP status of a domain error (500 for anything unmapped)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    instance: str,
    problem_type: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response (`problem_type` overrides the default type URI)."""
    body = {
        "type": problem_type or PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.LivetraceError)
    # EPCIS errors carry their standard exception type (`epcisException:…`) as the problem type.
    epcis_type: str | None = getattr(exc, "epcis_type", None)
    status = STATUS_BY_EPCIS_TYPE.get(epcis_type or "", 0) or status_for(exc)
    extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
    if exc.details:
        extra["details"] = exc.details
    title = type(exc).__doc__ or exc.code
    return problem(
        status,
        title.splitlines()[0],
        exc.diagnostics(),
        code=exc.code,
        instance=request.url.path,
        problem_type=epcis_type,
        **extra,
    )


def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{x['field']}: {x['message']}" for x in errors)
    return problem(
        422,
        "The request is invalid",
        detail,
        code="invalid-request",
        instance=request.url.path,
        errors=errors,
    )


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(
        exc.status_code,
        str(exc.detail),
        str(exc.detail),
        code=f"http-{exc.status_code}",
        instance=request.url.path,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(e.LivetraceError, _domain)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http)
