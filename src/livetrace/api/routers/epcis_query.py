"""EPCIS 2.0 REST query binding: `/events`, browse resources, named queries, subscriptions.

Results are `EPCISQueryDocument` JSON-LD; pages are linked by `Link: <…>; rel="next"` with an
opaque `nextPageToken`; identifiers follow the `GS1-EPC-Format` request header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from livetrace.api.deps import ContextDep, PrincipalDep, SessionDep
from livetrace.context import AppContext
from livetrace.epcis.epc_format import EpcFormat
from livetrace.epcis.model import EVENT_CLASSES
from livetrace.epcis.paging import PageTokens
from livetrace.epcis.query import page_controls, parse_query, url_params
from livetrace.epcis.query_models import Subscription
from livetrace.epcis.query_service import EventPage, EventQueryService, query_document
from livetrace.epcis.query_types import QueryParameterError
from livetrace.epcis.subscriptions import (
    NamedQueryService,
    SubscriptionRequest,
    parse_named_query,
)
from livetrace.identity.policy import Principal

router = APIRouter(tags=["epcis query"])

LD_JSON = "application/ld+json"
VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
EpcFormatHeader = Annotated[str | None, Header(alias="GS1-EPC-Format")]
BROWSE = {"bizSteps": "biz_step", "dispositions": "disposition", "readPoints": "read_point",
          "bizLocations": "biz_location"}  # fmt: skip
PATH_PARAM = {"bizSteps": "EQ_bizStep", "dispositions": "EQ_disposition",
              "readPoints": "EQ_readPoint", "bizLocations": "EQ_bizLocation"}  # fmt: skip


class NamedQueryIn(BaseModel):
    """`POST /queries`: a name and the query parameters (JSON, optionally with `@context`)."""

    name: str
    query: dict[str, Any]


class SubscriptionIn(BaseModel):
    """`POST /queries/{name}/subscriptions`."""

    dest: str
    signatureToken: str | None = Field(default=None, max_length=500)  # noqa: N815 (standard name)
    stream: bool = False
    initialRecordTime: datetime | None = None  # noqa: N815 (standard name)
    reportIfEmpty: bool = False  # noqa: N815 (standard name)
    schedule: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """What every query handler needs: the request, session, context, caller and EPC format."""

    request: Request
    session: Session
    ctx: AppContext
    principal: Principal
    fmt: EpcFormat


def _call(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    principal: PrincipalDep,
    epc_format: EpcFormatHeader = None,
) -> Call:
    return Call(request, session, ctx, principal, _format(epc_format))


CallDep = Annotated[Call, Depends(_call)]


def _service(session: Session, ctx: AppContext) -> EventQueryService:
    return EventQueryService(session, PageTokens(ctx.settings.secret_key.get_secret_value()))


def _format(value: str | None) -> EpcFormat:
    if value is None:
        return EpcFormat.DIGITAL_LINK
    try:
        return EpcFormat(value)
    except ValueError:
        allowed = ", ".join(f.value for f in EpcFormat)
        raise QueryParameterError(
            f"GS1-EPC-Format {value!r} is not one of {allowed}", field="GS1-EPC-Format"
        ) from None


def _events_response(
    request: Request, page: EventPage, fmt: EpcFormat, query_name: str = "SimpleEventQuery"
) -> JSONResponse:
    headers = {**VERSION_HEADERS, "GS1-EPC-Format": fmt.value}
    if page.next_token and page.token_expires:
        url = request.url.include_query_params(nextPageToken=page.next_token)
        headers["Link"] = f'<{url}>; rel="next"'
        headers["GS1-Next-Page-Token-Expires"] = page.token_expires.isoformat()
    body = query_document(page.events, query_name=query_name)
    return JSONResponse(body, media_type=LD_JSON, headers=headers)


def _run(call: Call, extra: Mapping[str, Sequence[str]] | None = None) -> JSONResponse:
    params = url_params(call.request.query_params.multi_items())
    svc = _service(call.session, call.ctx)
    vis = svc.visibility(call.principal)
    query = parse_query({**params, **(extra or {})})
    page = svc.run(vis, query, page_controls(params), call.fmt)
    return _events_response(call.request, page, call.fmt)


def _collection(members: list[str], request: Request, token: str | None) -> JSONResponse:
    headers = dict(VERSION_HEADERS)
    if token:
        headers["Link"] = f'<{request.url.include_query_params(nextPageToken=token)}>; rel="next"'
    body = {"@context": [query_document([])["@context"][0]], "type": "Collection",
            "member": members}  # fmt: skip
    return JSONResponse(body, media_type=LD_JSON, headers=headers)


@router.get("/events")
def events(call: CallDep) -> Response:
    """Events matching the standard query parameters (EPCIS SimpleEventQuery), paged."""
    return _run(call)


@router.get("/events/{event_id:path}")
def event_by_id(event_id: str, call: CallDep) -> Response:
    """The event with this eventID (and any error declaration repeating it)."""
    svc = _service(call.session, call.ctx)
    found = svc.event(svc.visibility(call.principal), event_id, call.fmt)
    headers = {**VERSION_HEADERS, "GS1-EPC-Format": call.fmt.value}
    return JSONResponse(query_document(found), media_type=LD_JSON, headers=headers)


@router.get("/eventTypes")
def event_types(request: Request, principal: PrincipalDep) -> Response:
    """The event types this repository stores."""
    return _collection(sorted(EVENT_CLASSES), request, None)


@router.get("/eventTypes/{event_type}/events")
def events_of_type(event_type: str, call: CallDep) -> Response:
    """Events of one type (further query parameters allowed)."""
    return _run(call, {"eventType": [event_type]})


@router.get("/epcs/{epc:path}/events")
def events_of_epc(epc: str, call: CallDep) -> Response:
    """Events naming an EPC in any role (URN or Digital Link, percent-encoded)."""
    return _run(call, {"MATCH_anyEPC": [epc]})


def _browse(resource: str) -> Any:
    def values(
        request: Request, session: SessionDep, ctx: ContextDep, principal: PrincipalDep
    ) -> Response:
        params = url_params(request.query_params.multi_items())
        svc = _service(session, ctx)
        page = svc.browse(svc.visibility(principal), BROWSE[resource], page_controls(params))
        return _collection(page.values, request, page.next_token)

    values.__doc__ = f"Distinct {resource} among the events the caller may read."
    return values


def _browse_events(resource: str) -> Any:
    def events_at(value: str, call: CallDep) -> Response:
        return _run(call, {PATH_PARAM[resource]: [value]})

    events_at.__doc__ = f"Events with this value of {resource} (further parameters allowed)."
    return events_at


for _resource in BROWSE:
    router.add_api_route(f"/{_resource}", _browse(_resource), methods=["GET"])
    router.add_api_route(
        f"/{_resource}/{{value:path}}/events", _browse_events(_resource), methods=["GET"]
    )


class ParentIn(BaseModel):
    """`PUT /bizLocations/{location}/parent`: the enclosing location (null to remove)."""

    parent: str | None


@router.put("/bizLocations/{location:path}/parent", status_code=status.HTTP_204_NO_CONTENT)
def set_parent(location: str, body: ParentIn, call: CallDep) -> None:
    """Declare where a location lies (a dock inside a warehouse), for `WD_` queries."""
    _service(call.session, call.ctx).declare_parent(call.principal, location, body.parent)


# --- named queries and subscriptions ----------------------------------------------------------


def _named(session: Session, ctx: AppContext) -> NamedQueryService:
    return NamedQueryService(session, ctx.encryptor)


@router.post("/queries", status_code=status.HTTP_201_CREATED)
def create_query(
    body: NamedQueryIn, session: SessionDep, ctx: ContextDep, principal: PrincipalDep
) -> Response:
    """Store a named query; `GET /queries/{name}/events` runs it."""
    row = _named(session, ctx).create(principal, body.name, body.query)
    headers = {"Location": f"/queries/{row.name}"}
    return JSONResponse({"name": row.name, "query": row.query}, status_code=201, headers=headers)


@router.get("/queries")
def list_queries(session: SessionDep, ctx: ContextDep, principal: PrincipalDep) -> Response:
    """The named queries the caller created (overseers: all)."""
    rows = _named(session, ctx).visible_queries(principal)
    return JSONResponse([{"name": r.name, "query": r.query} for r in rows])


@router.get("/queries/{name}")
def get_query(name: str, session: SessionDep, ctx: ContextDep, principal: PrincipalDep) -> Response:
    """One named query's definition."""
    row = _named(session, ctx).get(name)
    return JSONResponse({"name": row.name, "query": row.query})


@router.delete("/queries/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_query(name: str, session: SessionDep, ctx: ContextDep, principal: PrincipalDep) -> None:
    """Delete a named query and its subscriptions."""
    _named(session, ctx).delete(principal, name)


@router.get("/queries/{name}/events")
def run_query(name: str, call: CallDep) -> Response:
    """Run a named query with the caller's visibility (paging parameters allowed)."""
    stored = parse_named_query(_named(call.session, call.ctx).get(name).query)
    params = url_params(call.request.query_params.multi_items())
    svc = _service(call.session, call.ctx)
    page = svc.run(svc.visibility(call.principal), stored, page_controls(params), call.fmt)
    return _events_response(call.request, page, call.fmt, query_name=name)


def _subscription_out(name: str, sub: Subscription) -> dict[str, Any]:
    out: dict[str, Any] = {
        "subscriptionID": str(sub.id), "queryName": name, "dest": sub.dest,
        "stream": sub.schedule is None, "createdAt": sub.created_at.isoformat(),
        "epcFormat": sub.epc_format, "initialRecordTime": sub.initial_record_time.isoformat(),
        "minRecordTime": sub.min_record_time.isoformat(),
        "lastNotifiedAt": sub.last_notified_at.isoformat() if sub.last_notified_at else None,
    }  # fmt: skip
    if sub.schedule is not None:
        out["schedule"], out["reportIfEmpty"] = sub.schedule, sub.report_if_empty
        out["nextRunAt"] = sub.run_due_at.isoformat() if sub.run_due_at else None
    return out


@router.post("/queries/{name}/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(name: str, body: SubscriptionIn, call: CallDep) -> Response:
    """Subscribe a webhook (`dest`) to the query: `stream: true` or a `schedule`."""
    req = SubscriptionRequest(
        dest=body.dest, signature_token=body.signatureToken, stream=body.stream,
        initial_record_time=body.initialRecordTime, schedule=body.schedule,
        report_if_empty=body.reportIfEmpty, epc_format=call.fmt,
    )  # fmt: skip
    sub = _named(call.session, call.ctx).subscribe(call.principal, name, req)
    headers = {"Location": f"/queries/{name}/subscriptions/{sub.id}"}
    return JSONResponse(_subscription_out(name, sub), status_code=201, headers=headers)


@router.get("/queries/{name}/subscriptions")
def list_subscriptions(
    name: str, session: SessionDep, ctx: ContextDep, principal: PrincipalDep
) -> Response:
    """Subscriptions of a named query."""
    svc = _named(session, ctx)
    rows = svc.repo.subscriptions(svc.get(name).id)
    return JSONResponse([_subscription_out(name, s) for s in rows])


@router.get("/queries/{name}/subscriptions/{subscription_id}")
def get_subscription(
    name: str, subscription_id: str, session: SessionDep, ctx: ContextDep, principal: PrincipalDep
) -> Response:
    """One subscription with its delivery position."""
    sub = _named(session, ctx).subscription(name, subscription_id)
    return JSONResponse(_subscription_out(name, sub))


@router.delete(
    "/queries/{name}/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT
)
def unsubscribe(
    name: str, subscription_id: str, session: SessionDep, ctx: ContextDep, principal: PrincipalDep
) -> None:
    """Cancel a subscription."""
    _named(session, ctx).unsubscribe(principal, name, subscription_id)
