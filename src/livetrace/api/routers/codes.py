"""Item codes: issue runs, export them, render QR codes, verify and inspect codes, NFC tags."""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from livetrace.api.deps import ContextDep, PageDep, PrincipalDep, SessionDep
from livetrace.api.schemas import PageOut
from livetrace.codes import render
from livetrace.codes.inspect import explain
from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.nfc import NfcService, TapResult
from livetrace.codes.output import MEDIA_TYPES, ExportFormat, write_export
from livetrace.codes.schemas import (
    CodeOut,
    InspectOut,
    InspectRequest,
    IssueRequest,
    KeySetCreate,
    KeySetOut,
    RunOut,
    StateChange,
    StateChangeOut,
    TagKeysOut,
    TagOut,
    TagRegister,
    TapOut,
    VerifyOut,
    VerifyRequest,
)
from livetrace.codes.service import CodeService, keyring_for
from livetrace.codes.states import CodeState
from livetrace.context import AppContext
from livetrace.identity.policy import Principal

router = APIRouter(prefix="/codes", tags=["codes"])
_SPOOL_BYTES = 32 << 20  # exports above this size spill from memory to a temporary file
_COPY_CHUNK = 1 << 16


def _codes(session: Session, ctx: AppContext) -> CodeService:
    return CodeService(session, keyring_for(ctx.settings), base_url=ctx.settings.base_url)


def _nfc(session: Session, ctx: AppContext) -> NfcService:
    return NfcService(session, ctx.encryptor, _codes(session, ctx))


def _run_out(svc: CodeService, run: CodeRun) -> RunOut:
    out = RunOut.model_validate(run)
    out.states = svc.state_counts(run)
    return out


def _code_out(svc: CodeService, code: ItemCode) -> CodeOut:
    return CodeOut.model_validate(
        {**{c: getattr(code, c) for c in CodeOut.model_fields if c != "digital_link"},
         "digital_link": svc.link(code)}
    )  # fmt: skip


# -- runs ---------------------------------------------------------------------------------------


@router.post("/runs", status_code=status.HTTP_201_CREATED, response_model=RunOut)
def issue_run(
    data: IssueRequest, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> RunOut:
    """Issue a run of codes for a product and lot (the brand's `write` scope)."""
    svc = _codes(session, ctx)
    return _run_out(svc, svc.issue(who, data))


@router.post(
    "/runs/csv",
    status_code=status.HTTP_201_CREATED,
    response_class=StreamingResponse,
    responses={201: {"content": {MEDIA_TYPES[ExportFormat.CSV][0]: {}}}},
)
def issue_run_with_csv(
    data: IssueRequest, who: PrincipalDep, session: SessionDep, ctx: ContextDep, request: Request
) -> StreamingResponse:
    """Issue a run and get its CSV (as its export gives it) in one pass; `Location` names the run.

    The run is committed before the first byte of the CSV is sent.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - streamed below
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        run = _codes(session, ctx).issue(who, data, csv_out=text)
    except BaseException:
        text.detach()
        spool.close()
        raise
    text.detach()
    spool.seek(0)
    media, suffix = MEDIA_TYPES[ExportFormat.CSV]
    return StreamingResponse(
        _stream(spool),
        status_code=status.HTTP_201_CREATED,
        media_type=media,
        headers={
            "Location": str(request.url_for("get_run", run_id=run.id)),
            "Content-Disposition": f'attachment; filename="{_filename(run, suffix)}"',
        },
    )


@router.get("/runs", response_model=PageOut[RunOut])
def list_runs(
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    page: PageDep,
    product: uuid.UUID | None = None,
) -> PageOut[RunOut]:
    """Code runs visible to the caller, newest first."""
    svc = _codes(session, ctx)
    result = svc.list_runs(who, page, product=product)
    return PageOut[RunOut].of(result, lambda run: _run_out(svc, run))


@router.get("/runs/{run_id}", response_model=RunOut)
def get_run(run_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> RunOut:
    """One run with its codes counted by state."""
    svc = _codes(session, ctx)
    return _run_out(svc, svc.get_run(who, run_id))


@router.get("/runs/{run_id}/codes", response_model=PageOut[CodeOut])
def list_codes(
    run_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep, page: PageDep
) -> PageOut[CodeOut]:
    """A run's codes in issue order, with their Digital Links."""
    svc = _codes(session, ctx)
    return PageOut[CodeOut].of(svc.list_codes(who, run_id, page), lambda c: _code_out(svc, c))


@router.post("/runs/{run_id}/state", response_model=StateChangeOut)
def change_run_state(
    run_id: uuid.UUID, data: StateChange, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> StateChangeOut:
    """Move every code of the run that may go to the state (e.g. `printed`, `active`)."""
    changed = _codes(session, ctx).transition_run(who, run_id, data.state)
    return StateChangeOut(state=data.state, changed=changed)


@router.get(
    "/runs/{run_id}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {media: {} for media, _ in MEDIA_TYPES.values()}}},
)
def export_run(
    run_id: uuid.UUID,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    *,
    format: Annotated[ExportFormat, Query()] = ExportFormat.CSV,  # noqa: A002 - the API's word
    layout: Annotated[
        str | None,
        Query(description="label sheet, e.g. a4-3x8 (pdf) or a4-5x13 (scratch-pdf, the default)"),
    ] = None,
) -> StreamingResponse:
    """Download a run as CSV, ZIP, label PDF, EPC hex list, or scratch-off hidden-code labels."""
    job = _codes(session, ctx).export(who, run_id)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - streamed below
    try:
        write_export(job, format, spool, layout=layout)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    media, suffix = MEDIA_TYPES[format]
    return StreamingResponse(
        _stream(spool),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{_filename(job.run, suffix)}"'},
    )


def _filename(run: CodeRun, suffix: str) -> str:
    return f"codes-{run.gtin}-{run.lot_number}-{run.id.hex[:8]}.{suffix}"


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := spool.read(_COPY_CHUNK):
            yield block
    finally:
        spool.close()


# -- single codes -------------------------------------------------------------------------------


@router.get("/items/{code_id}", response_model=CodeOut)
def get_code(
    code_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> CodeOut:
    """One code with its Digital Link."""
    svc = _codes(session, ctx)
    return _code_out(svc, svc.get_code(who, code_id))


@router.post("/items/{code_id}/state", response_model=CodeOut)
def change_code_state(
    code_id: uuid.UUID, data: StateChange, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> CodeOut:
    """Move one code to a state its life cycle allows."""
    svc = _codes(session, ctx)
    return _code_out(svc, svc.transition_code(who, code_id, data.state))


def _link(session: SessionDep, ctx: ContextDep, who: Principal, code_id: uuid.UUID) -> str:
    """The Digital Link a visible code carries."""
    svc = _codes(session, ctx)
    return svc.link(svc.get_code(who, code_id))


@router.get("/items/{code_id}/qr.svg", response_class=Response)
def qr_svg(
    code_id: uuid.UUID,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    scale: Annotated[int, Query(ge=1, le=40)] = 4,
) -> Response:
    """The code's QR symbol as SVG."""
    return Response(
        render.qr_svg(_link(session, ctx, who, code_id), scale=scale), media_type="image/svg+xml"
    )


@router.get("/items/{code_id}/qr.png", response_class=Response)
def qr_png(
    code_id: uuid.UUID,
    who: PrincipalDep,
    session: SessionDep,
    ctx: ContextDep,
    scale: Annotated[int, Query(ge=1, le=40)] = 4,
) -> Response:
    """The code's QR symbol as PNG."""
    return Response(
        render.qr_png(_link(session, ctx, who, code_id), scale=scale), media_type="image/png"
    )


# -- public checks ------------------------------------------------------------------------------


@router.post("/verify", response_model=VerifyOut)
def verify(data: VerifyRequest, session: SessionDep, ctx: ContextDep) -> VerifyOut:
    """Check a scanned Digital Link's authenticator (and the hidden code, if given). Public."""
    result = _codes(session, ctx).verify(data.uri, data.hidden_code)
    code = result.code
    return VerifyOut(
        gtin=code.gtin,
        lot=code.lot,
        serial=code.serial,
        key_version=result.verified.version,
        state=CodeState(code.state),
        hidden_code_checked=result.hidden_code_checked,
        first_hidden_verification_at=result.first_hidden_verification_at,
    )


@router.post("/inspect", response_model=InspectOut)
def inspect(data: InspectRequest) -> InspectOut:
    """Explain a GS1 element string, Digital Link, scanner output, EPC URN or EPC hex. Public."""
    explanation = explain(data.text, company_prefix_length=data.company_prefix_length)
    return InspectOut.model_validate(explanation)


# -- NFC ----------------------------------------------------------------------------------------


@router.post("/nfc/key-sets", status_code=status.HTTP_201_CREATED, response_model=KeySetOut)
def create_key_set(
    data: KeySetCreate, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> KeySetOut:
    """A new NFC key set for a party (its `admin` scope); keys never leave except per tag."""
    return KeySetOut.model_validate(_nfc(session, ctx).create_key_set(who, data.party_id))


@router.post("/nfc/key-sets/{key_set_id}/retire", response_model=KeySetOut)
def retire_key_set(
    key_set_id: uuid.UUID, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> KeySetOut:
    """Retire an NFC key set (its party's `admin` scope): taps of its tags are refused."""
    return KeySetOut.model_validate(_nfc(session, ctx).retire_key_set(who, key_set_id))


@router.post("/nfc/tags", status_code=status.HTTP_201_CREATED, response_model=TagOut)
def register_tag(
    data: TagRegister, who: PrincipalDep, session: SessionDep, ctx: ContextDep
) -> TagOut:
    """Bind an NFC tag UID to an item code."""
    svc = _nfc(session, ctx)
    if data.code_id is not None:
        tag = svc.register_tag(who, data.uid, data.code_id, data.key_set_id)
    else:
        tag = svc.register_tag_for_link(who, data.uid, data.uri or "", data.key_set_id)
    return TagOut.model_validate(tag)


@router.get("/nfc/tags/{uid}", response_model=TagOut)
def get_tag(uid: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> TagOut:
    """A registered tag and its counter."""
    return TagOut.model_validate(_nfc(session, ctx).get_tag(who, uid))


@router.get("/nfc/tags/{uid}/keys", response_model=TagKeysOut)
def tag_keys(uid: str, who: PrincipalDep, session: SessionDep, ctx: ContextDep) -> TagKeysOut:
    """The keys an encoder writes onto the tag (the brand's `admin` scope)."""
    keys = _nfc(session, ctx).tag_keys(who, uid)
    return TagKeysOut(
        uid=keys.uid,
        key_set_version=keys.key_set_version,
        meta_read_key=keys.meta_read_key.hex().upper(),
        file_read_key=keys.file_read_key.hex().upper(),
    )


@router.get("/nfc/tap", response_model=TapOut)
def tap(
    session: SessionDep,
    ctx: ContextDep,
    picc_data: Annotated[str, Query(max_length=64)],
    cmac: Annotated[str, Query(max_length=32)],
    enc: Annotated[str | None, Query(max_length=512)] = None,
) -> TapOut:
    """Verify an NTAG 424 DNA tap (the URL the tag writes on every read). Public."""
    result = _nfc(session, ctx).verify_tap(picc_data=picc_data, cmac=cmac, enc=enc)
    return _tap_out(_codes(session, ctx), result)


def _tap_out(svc: CodeService, result: TapResult) -> TapOut:
    code = result.code
    return TapOut(
        uid=result.tag.uid,
        counter=result.counter,
        tap_count=result.tag.tap_count,
        gtin=code.gtin,
        lot=code.lot,
        serial=code.serial,
        state=CodeState(code.state),
        digital_link=svc.link(code),
    )
