"""Request dependencies: the session (unit of work), the caller, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from livetrace.context import AppContext
from livetrace.identity.errors import InvalidTokenError
from livetrace.identity.policy import Principal
from livetrace.identity.service import IdentityService
from livetrace.kit.pagination import MAX_LIMIT, PageRequest
from livetrace.store.uow import begin_for_write

_bearer = HTTPBearer(auto_error=False, description="An API token: `lt_<lookup>_<secret>`")


def app_context(request: Request) -> AppContext:
    """The process-wide context stored on the app."""
    ctx: AppContext = request.app.state.ctx
    return ctx


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session(
    request: Request, ctx: Annotated[AppContext, Depends(app_context)]
) -> Iterator[Session]:
    """One transaction per request: committed after the handler returns, before the response.

    Requests that change things declare it when the transaction begins (`begin_for_write`);
    handlers of reads that also write (a scan records itself) declare it themselves.
    """
    session = ctx.sessions()
    if request.method not in READ_METHODS:
        begin_for_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(db_session, scope="function")]
ContextDep = Annotated[AppContext, Depends(app_context)]


def principal(
    session: SessionDep,
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller; 401 with a precise reason otherwise."""
    if credentials is None:
        raise InvalidTokenError("an API token is required: send `Authorization: Bearer <token>`")
    return IdentityService(session, ctx.encryptor).authenticate(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(principal)]


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PageRequest:
    """`limit`/`offset` query parameters."""
    return PageRequest(limit=limit, offset=offset)


PageDep = Annotated[PageRequest, Depends(page_request)]
