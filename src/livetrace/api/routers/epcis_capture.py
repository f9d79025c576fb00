"""EPCIS 2.0 REST capture binding: `/capture` jobs and `POST /events`; evidence documents.

`POST /capture` runs the capture inside the request and commits the job with its events before it
answers `202 Accepted` + `Location: /capture/{captureID}` (see epcis/jobs.py): simple, standard,
and an accepted capture is never lost. Problems of the whole document (media type, size, event
count, unreadable JSON/XML, bad envelope) are answered at once with the EPCIS problem type and no
job; problems of single events end up in the job's `errors`.
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse, Response

from livetrace.api.deps import ContextDep, PageDep, PrincipalDep, SessionDep
from livetrace.context import AppContext
from livetrace.epcis.capture import Behaviour, CaptureService, capturing_party
from livetrace.epcis.capture_errors import CaptureLimitExceededError, CaptureRequestError
from livetrace.epcis.capture_input import (
    CaptureLimits,
    MediaKind,
    media_kind,
    receive,
    single_event,
)
from livetrace.epcis.documents import ContentStore, DocumentService, Upload, parse_link
from livetrace.epcis.jobs import get_job, list_jobs, run_job
from livetrace.epcis.schemas import CaptureJobOut, DocumentOut
from livetrace.identity.policy import require_scope
from livetrace.identity.roles import Scope
from livetrace.kit import canonical_json
from livetrace.trace.wiring import capture_service

router = APIRouter(tags=["epcis capture"])

LD_JSON = "application/ld+json"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
PartyParam = Annotated[
    uuid.UUID | None,
    Query(description="Capture for this party (the platform only); default: the token's party."),
]


def limits(ctx: AppContext) -> CaptureLimits:
    """The advertised capture limits."""
    return CaptureLimits(
        ctx.settings.epcis_capture_limit, ctx.settings.epcis_capture_file_size_limit
    )


async def body_kind(request: Request) -> MediaKind:
    """The binding of the request body, from `Content-Type` (415 for others)."""
    return media_kind(request.headers.get("content-type"))


async def capped_body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it passes the capture file size limit."""
    cap = limits(request.app.state.ctx).max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(int(declared), cap)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _too_large(size, cap)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, cap: int) -> CaptureLimitExceededError:
    return CaptureLimitExceededError(
        f"the body has at least {size} bytes; the capture file size limit is {cap}", field="body"
    )


KindDep = Annotated[MediaKind, Depends(body_kind)]
BodyDep = Annotated[bytes, Depends(capped_body)]


def _behaviour(value: str | None) -> Behaviour:
    try:
        return Behaviour((value or "rollback").strip().lower())
    except ValueError:
        raise CaptureRequestError(
            f"GS1-Capture-Error-Behaviour {value!r} is not supported; use rollback or proceed",
            field="GS1-Capture-Error-Behaviour",
        ) from None


def _service(session: SessionDep, ctx: AppContext) -> CaptureService:
    return capture_service(session, ctx.encryptor, ctx.settings.log_origin)


@router.options("/capture", status_code=status.HTTP_204_NO_CONTENT)
def capture_options(ctx: ContextDep) -> Response:
    """Capture settings: versions, limits and error behaviours (no authentication needed)."""
    cap = limits(ctx)
    headers = {
        "Allow": "OPTIONS, POST, GET",
        **VERSION_HEADERS,
        "GS1-EPCIS-Capture-Limit": str(cap.max_events),
        "GS1-EPCIS-Capture-File-Size-Limit": str(cap.max_bytes),
        "GS1-Capture-Error-Behaviour": "rollback, proceed",
        "GS1-EPC-Format": "No_Preference",
    }
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)


@router.post("/capture", status_code=status.HTTP_202_ACCEPTED)
def capture_document(
    *,
    who: PrincipalDep,
    kind: KindDep,
    body: BodyDep,
    session: SessionDep,
    ctx: ContextDep,
    behaviour: Annotated[str | None, Header(alias="GS1-Capture-Error-Behaviour")] = None,
    party: PartyParam = None,
) -> JSONResponse:
    """Capture an EPCISDocument (JSON-LD or XML) as a job; answers 202 with its Location."""
    mode = _behaviour(behaviour)
    party_id = capturing_party(who, party)
    received = receive(body, kind, limits(ctx))
    job = run_job(_service(session, ctx), party_id, received, mode)
    session.flush()
    location = f"/capture/{job.id}"
    return JSONResponse(
        CaptureJobOut.of(job).as_json(),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": location, **VERSION_HEADERS},
    )


@router.get("/capture")
def capture_jobs(who: PrincipalDep, session: SessionDep, page: PageDep) -> JSONResponse:
    """The caller's capture jobs, newest first (the total in `X-Total-Count`)."""
    found = list_jobs(session, who, page)
    return JSONResponse(
        [CaptureJobOut.of(job).as_json() for job in found.items],
        headers={"X-Total-Count": str(found.total), **VERSION_HEADERS},
    )


@router.get("/capture/{capture_id}")
def capture_job(capture_id: str, who: PrincipalDep, session: SessionDep) -> JSONResponse:
    """One capture job document."""
    job = get_job(session, who, _job_id(capture_id))
    return JSONResponse(CaptureJobOut.of(job).as_json(), headers=VERSION_HEADERS)


def _job_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CaptureRequestError(
            f"capture id {text!r} is not a capture id of this repository", field="captureID"
        ) from None


@router.post("/events", status_code=status.HTTP_201_CREATED)
def capture_event(
    *,
    who: PrincipalDep,
    kind: KindDep,
    body: BodyDep,
    session: SessionDep,
    ctx: ContextDep,
    party: PartyParam = None,
) -> JSONResponse:
    """Capture one event synchronously: 201 with its Location, 409 if it already exists."""
    party_id = capturing_party(who, party)
    event: Any = single_event(body, kind, limits(ctx))
    captured = _service(session, ctx).capture_event(party_id, event)
    return JSONResponse(
        captured.document,
        status_code=status.HTTP_201_CREATED,
        media_type=LD_JSON,
        headers={"Location": f"/events/{quote(captured.event_id, safe='')}", **VERSION_HEADERS},
    )


# -- evidence documents ---------------------------------------------------------------------


def _documents(session: SessionDep, ctx: AppContext) -> DocumentService:
    store = ContentStore(ctx.settings.data_dir)
    return DocumentService(session, ctx.encryptor, ctx.settings.log_origin, store)


@router.post("/documents", status_code=status.HTTP_201_CREATED, tags=["documents"])
def upload_document(
    *,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    file: Annotated[UploadFile, File(description="The report or certificate.")],
    kind: Annotated[str, Form(description="qc_report, lab_result, certificate or other.")],
    title: Annotated[str, Form(max_length=200)],
    link: Annotated[
        list[str] | None, Form(description="kind:target (product/lot/party/event).")
    ] = None,
    party: PartyParam = None,
) -> JSONResponse:
    """Store a document and put the issuing party's signed statement about it on the log."""
    issuer = capturing_party(who, party)
    cap = ctx.settings.document_size_limit
    data = file.file.read(cap + 1)
    upload = Upload(
        data=data, kind=kind, title=title, filename=file.filename or "document",
        media_type=file.content_type or "application/octet-stream",
        links=[parse_link(text) for text in link or ()],
    )  # fmt: skip
    service = _documents(session, ctx)
    row = service.upload(issuer, upload, max_bytes=cap)
    body = DocumentOut.of(row, service.links(row.id)).model_dump(mode="json")
    headers = {"Location": f"/documents/{row.sha256}"}
    return JSONResponse(body, status_code=status.HTTP_201_CREATED, headers=headers)


@router.get("/documents/{sha256}", tags=["documents"])
def get_document(sha256: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> Response:
    """The document's bytes, served only after its hash, statement and signature verify."""
    require_scope(who, Scope.READ)
    found = _documents(session, ctx).verified(sha256)
    row = found.row
    headers = {
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(row.filename, safe='')}",
        "Digest": f"sha-256={base64.b64encode(bytes.fromhex(row.sha256)).decode('ascii')}",
        "X-Log-Index": str(row.log_index),
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    return Response(found.data, media_type=row.media_type, headers=headers)


@router.get("/documents/{sha256}/statement", tags=["documents"])
def document_statement(
    sha256: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> dict[str, Any]:
    """The document's description and the issuer's signed statement (the log entry) about it."""
    require_scope(who, Scope.READ)
    found = _documents(session, ctx).verified(sha256)
    return {
        "document": DocumentOut.of(found.row, found.links).model_dump(mode="json"),
        "logIndex": found.entry.index,
        "entry": found.entry.entry.decode("utf-8"),
        "statement": canonical_json.parse(found.entry.entry)["statement"],
    }
