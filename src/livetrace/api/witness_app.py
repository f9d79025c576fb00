"""A C2SP tlog-witness server: ``POST /add-checkpoint`` with the spec's status codes.

It runs as its own process (``livetrace witness serve``) with its own key and state database,
separate from the log it witnesses. Status codes: 400 malformed body or old size larger than the
checkpoint, 403 no trusted log signature, 404 unknown origin, 409 stale old size (body: the
witness's size, ``text/x.tlog.size``) or a different root at the same size (a fork), 422 a failing
consistency proof; 200 returns the cosignature lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from livetrace.crypto.keys import KeyEncryptor
from livetrace.kit import errors as e
from livetrace.ledger import errors as le
from livetrace.ledger.note import Verifier
from livetrace.ledger.witness import SIZE_CONTENT_TYPE
from livetrace.ledger.witness_service import WitnessService, witness_signer
from livetrace.store.uow import unit_of_work

MAX_BODY_BYTES = 1 << 20

# Most specific class first; the spec's statuses, which differ from the API's problem table.
STATUS_BY_ERROR: tuple[tuple[type[e.LivetraceError], int], ...] = (
    (le.WitnessBadRequestError, 400),
    (le.WitnessUntrustedCheckpointError, 403),
    (le.WitnessUnknownOriginError, 404),
    (le.WitnessConflictError, 409),
    (le.WitnessInconsistentProofError, 422),
    (e.ValidationError, 400),
)


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    """What a witness process needs: its name, database, key secret and the logs it follows."""

    name: str
    sessions: sessionmaker[Session]
    encryptor: KeyEncryptor
    known_logs: Mapping[str, Sequence[Verifier]]


def error_response(exc: e.LivetraceError) -> Response:
    """The witness protocol's response for a refused request."""
    if isinstance(exc, le.WitnessStaleOldSizeError):
        # Exactly the spec's media type: no charset parameter appended.
        body = exc.response_body().encode("ascii")
        return Response(body, status_code=409, headers={"Content-Type": SIZE_CONTENT_TYPE})
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 500)
    return PlainTextResponse(f"{exc.diagnostics()}\n", status_code=status)


def create_witness_app(config: WitnessConfig) -> FastAPI:
    """The witness HTTP app."""
    app = FastAPI(title="livetrace witness", docs_url=None, redoc_url=None, openapi_url=None)

    def handle(body: bytes) -> str:
        with unit_of_work(config.sessions) as session:
            signer = witness_signer(session, config.encryptor, config.name)
            service = WitnessService(session, known_logs=config.known_logs, signer=signer)
            return service.add_checkpoint(body).response_body()

    def vkey() -> str:
        with unit_of_work(config.sessions) as session:
            return witness_signer(session, config.encryptor, config.name).verifier().vkey()

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("request body too large\n", status_code=400)
        try:
            lines = await run_in_threadpool(handle, body)
        except e.LivetraceError as exc:
            return error_response(exc)
        return PlainTextResponse(lines)

    @app.get("/vkey")
    async def witness_vkey() -> Response:
        return PlainTextResponse(f"{await run_in_threadpool(vkey)}\n")

    return app
