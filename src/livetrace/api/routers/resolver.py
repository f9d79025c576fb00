"""The GS1 Digital Link resolver: `/01/{gtin}[/10/{lot}][/21/{serial}]` for people and machines.

One address, several answers (GS1-Conformant Resolver 1.2): HTML for browsers, the JSON verdict
(`Accept: application/json` or `format=json`), the linkset (`linkType=all` or
`Accept: application/linkset+json`), a 307 to one link (`linkType=gs1:…`), and the `tlog-proof`
bundle of a statement on the item's page (`download=proof&index=N`). Only the HTML and JSON
answers are scans: each calls `ScanService.scan` once. The linkset, redirects and proofs answer
only for codes whose authenticator holds, so nothing about any item leaks to a guesser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from livetrace.api.deps import ContextDep, app_context
from livetrace.api.errors import problem, status_for
from livetrace.api.routers.scans import keyring
from livetrace.codes.authenticator import AUTH_PARAM, code_elements
from livetrace.codes.errors import NfcTapConflictError
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.kit.errors import LivetraceError, NotFoundError
from livetrace.ledger.reads import LogReader
from livetrace.scans import places
from livetrace.scans.journey import JourneyService, witness_policy
from livetrace.scans.linkset import (
    LINKSET_CONTEXT,
    LINKSET_MEDIA_TYPE,
    Link,
    Linkset,
    link_header,
)
from livetrace.scans.ratelimit import RateLimitedError, ScanLimits, refuse
from livetrace.scans.resolver import (
    DEVICE_COOKIE,
    Representation,
    ResolverRequest,
    device_id,
    read_request,
    rounded,
)
from livetrace.scans.resolver_views import Journey, Summary
from livetrace.scans.schemas import VerdictOut
from livetrace.scans.service import Assessment, ScanService
from livetrace.scans.verdict import ClientInfo, ScanOutcome, ScanRequest, Verdict
from livetrace.store.uow import unit_of_work, write_transaction
from livetrace.web.scan_pages import PageLinks, error_page, scan_page

router = APIRouter(tags=["resolver"])
_LIMITS = "resolver_limits"
_THREADS = "resolver_threads"
PG_THREADS = 4  # scans at once per worker on PostgreSQL, unless `resolver_threads` says
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Link, Location"}
NO_STORE = "no-store"


class ItemNotFoundError(NotFoundError):
    """No item answers this code here (unknown, or its authenticator does not hold)."""

    code = "item-not-found"


def _limits(request: Request, ctx: AppContext) -> ScanLimits:
    found: ScanLimits | None = getattr(request.app.state, _LIMITS, None)
    if found is None:
        found = ScanLimits.from_settings(ctx.settings)
        setattr(request.app.state, _LIMITS, found)
    return found


@router.api_route("/01/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def resolve(request: Request) -> Response:
    """Answer a scanned Digital Link (see the module docstring for the representations)."""
    return await _answered(request, _Form())


@router.post("/01/{rest:path}", include_in_schema=False)
async def resolve_form(
    request: Request,
    hidden_code: Annotated[str | None, Form(max_length=64)] = None,
    lat: Annotated[str | None, Form(max_length=32)] = None,
    lon: Annotated[str | None, Form(max_length=32)] = None,
    region: Annotated[str | None, Form(max_length=12)] = None,
) -> Response:
    """The page's forms: a typed hidden code, or a rough location the user chose to share."""
    return await _answered(request, _Form(hidden_code, lat, lon, region))


async def _answered(request: Request, form: _Form) -> Response:
    """Answer in the event loop, or on one of `resolver_threads` worker threads.

    Answering a scan is CPU work in Python (a dozen short SQLite statements and the page). In
    the event loop a worker process answers one at a time with the least CPU per scan; threads
    only trade the interpreter lock back and forth and add a hand-over per request. Measured
    on two cores with two worker processes over SQLite: in the loop, 980 JSON verdicts/s at
    1.8 ms of CPU each; with one thread, 400/s at 2.4 ms; with four, fewer still. Threads pay
    off only where statements wait on a network (`resolver_threads` > 0).
    """
    ctx = app_context(request)
    threads = ctx.settings.resolver_threads
    if threads is None:  # by database: SQLite answers in microseconds, PostgreSQL over a socket
        threads = 0 if ctx.engine.dialect.name == "sqlite" else PG_THREADS
    if threads == 0:
        return _in_session(request, form)
    limiter: CapacityLimiter | None = getattr(request.app.state, _THREADS, None)
    if limiter is None:
        limiter = CapacityLimiter(threads)
        setattr(request.app.state, _THREADS, limiter)
    return await to_thread.run_sync(_in_session, request, form, limiter=limiter)


def _in_session(request: Request, form: _Form) -> Response:
    """The whole answer in one go (in the event loop or one worker thread), in its own session.

    The resolver is the hottest path there is, and each sync dependency (context, session and
    the session's cleanup) would cost a hand-over to the thread pool and back; so at most one
    hop does it all. The raw path is read rather than the `rest` parameter: it keeps escapes such as
    %2F intact. The session commits what is left once the answer is built, as `db_session` does.
    """
    ctx = app_context(request)
    with unit_of_work(ctx.sessions, write=False) as session:
        return _answer(request, session, ctx, form)


@router.options("/01/{rest:path}", include_in_schema=False)
def preflight(rest: str) -> Response:
    """CORS preflight: any origin may read the resolver."""
    del rest
    headers = CORS | {"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                      "Access-Control-Allow-Headers": "Accept, Accept-Language",
                      "Access-Control-Max-Age": "86400"}  # fmt: skip
    return Response(status_code=204, headers=headers)


@router.get("/.well-known/gs1resolver", include_in_schema=False)
def description(ctx: ContextDep) -> JSONResponse:
    """The resolver description file GS1-Conformant resolvers publish."""
    return JSONResponse({
        "name": "livetrace", "resolverRoot": ctx.settings.base_url.rstrip("/"),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": True,
    }, headers=CORS)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Form:
    hidden_code: str | None = None
    lat: str | None = None
    lon: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class _Call:
    """One request with what answering it needs."""

    request: Request
    session: Session
    ctx: AppContext
    form: _Form
    limits: ScanLimits
    ip: str


def _answer(request: Request, session: Session, ctx: AppContext, form: _Form) -> Response:
    ip = request.client.host if request.client else "unknown"
    call = _Call(request, session, ctx, form, _limits(request, ctx), ip)
    lang, wants_html = _guess(request)
    parsed: ResolverRequest | None = None
    try:
        call.limits.requests.check(ip)
        parsed = read_request(ctx.settings.base_url, _raw_path(request), _raw_query(request),
                              accept=request.headers.get("accept"),
                              accept_language=request.headers.get("accept-language"))  # fmt: skip
        return _represent(call, parsed)
    except LivetraceError as error:
        if not isinstance(error, RateLimitedError | NfcTapConflictError):
            call.limits.failures.take(ip)  # malformed or unknown codes use the failure budget
        html = parsed.representation is Representation.HTML if parsed else wants_html
        return _failure(request, error, html=html, lang=parsed.lang if parsed else lang)


def _represent(call: _Call, parsed: ResolverRequest) -> Response:
    kind = parsed.representation
    if call.request.method == "HEAD" and kind in (Representation.HTML, Representation.JSON):
        return Response(headers=_link_headers(parsed))
    refuse(call.limits.failures.wait(call.ip))
    if kind in (Representation.HTML, Representation.JSON):
        return _scan(call, parsed)
    journey = _authentic_journey(call, parsed)
    if kind is Representation.PROOF:
        return _proof(call.session, call.ctx.settings, parsed, journey)
    linkset = _linkset(parsed, journey)
    if kind is Representation.LINKSET:
        return JSONResponse(linkset.to_json(), media_type=LINKSET_MEDIA_TYPE,
                            headers=_link_headers(parsed) | {"Cache-Control": "public, max-age=60"} | CORS)  # fmt: skip
    assert parsed.link_type is not None
    target = linkset.select(parsed.link_type, parsed.lang)
    return RedirectResponse(target.href, status_code=307, headers=_link_headers(parsed) | CORS)


# --- scans -------------------------------------------------------------------------------------


def _scan(call: _Call, parsed: ResolverRequest) -> Response:
    request, ctx, form = call.request, call.ctx, call.form
    device, new_device = device_id(request.cookies.get(DEVICE_COOKIE))
    lat, lon = _coordinates(form)
    client = ClientInfo(device=device, ip=call.ip, user_agent=request.headers.get("user-agent", "")[:200],
                        latitude=lat, longitude=lon)  # fmt: skip
    service = ScanService(call.session, keyring(request, ctx), ctx.settings)
    scan = ScanRequest(uri=parsed.scanned_uri, client=client, nfc=parsed.nfc, link=parsed.link,
                       hidden_code=(form.hidden_code or "").strip() or None)  # fmt: skip
    if parsed.nfc is None:
        assessment = service.assess(scan)
        detail = _detail(call, parsed, assessment)  # read under the same snapshot as the verdict
        call.session.commit()  # end the read: the write below holds the lock for its inserts only
        with write_transaction(call.session):
            outcome = service.record(assessment)
    else:
        with write_transaction(call.session):  # a tap accepts its counter while it reads
            assessment = service.assess(scan)
            outcome = service.record(assessment)
        detail = _detail(call, parsed, assessment)
    if outcome.verdict is Verdict.COUNTERFEIT:
        call.limits.failures.take(call.ip)
    auth = _tap_auth(call, parsed, outcome)
    page_uri = _with(parsed.page_uri, {AUTH_PARAM: auth}) if auth else parsed.page_uri
    response: Response
    if parsed.representation is Representation.JSON:
        summary = detail if isinstance(detail, Summary) else None
        response = JSONResponse(_verdict_json(outcome, summary, parsed, page_uri), headers=CORS)
    else:
        journey = detail if isinstance(detail, Journey) else None
        response = scan_page(request, parsed.lang, outcome, journey, _page_links(parsed, page_uri))
    response.headers.update(_link_headers(parsed))
    response.headers["Cache-Control"] = NO_STORE
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_MAX_AGE, httponly=True,
                            samesite="lax", secure=ctx.settings.base_url.startswith("https:"))  # fmt: skip
    return response


def _detail(
    call: _Call, parsed: ResolverRequest, assessment: Assessment
) -> Journey | Summary | None:
    """What the answer shows of a known code: the page's journey, or the JSON's summary."""
    if not assessment.known:
        return None
    if parsed.representation is Representation.JSON:
        service = JourneyService(call.session, call.ctx.settings, call.ctx.encryptor)
        return service.summary(parsed.gtin, parsed.lot, parsed.serial,
                               recalled=assessment.recalled)  # fmt: skip
    return _journey(call.session, call.ctx, parsed, recalled=assessment.recalled)


def _coordinates(form: _Form) -> tuple[float | None, float | None]:
    """What the user chose to share: phone coordinates (rounded), else a picked city's centre."""
    lat, lon = rounded(form.lat, -90, 90), rounded(form.lon, -180, 180)
    if lat is not None and lon is not None:
        return lat, lon
    city = places.city_for_region(form.region) if form.region else None
    return (city.latitude, city.longitude) if city else (None, None)


def _verdict_json(
    outcome: ScanOutcome, summary: Summary | None, parsed: ResolverRequest, page_uri: str
) -> dict[str, Any]:
    body: dict[str, Any] = VerdictOut.of(outcome).model_dump(mode="json")
    if summary is not None:
        body["product"] = {"name": summary.product_name, "brand": summary.brand_name}
        body["recall"] = summary.recall.model_dump(mode="json") if summary.recall else None
    body["links"] = {
        "page": page_uri,
        "linkset": _with(parsed.scanned_uri, {"linkType": "all"}),
    }
    return body


# --- linkset, redirects and proofs -------------------------------------------------------------


def _authentic_journey(call: _Call, parsed: ResolverRequest) -> Journey:
    """The journey of a code whose authenticator holds; otherwise not found (no details)."""
    try:
        keyring(call.request, call.ctx).verify(parsed.scanned_uri)
    except LivetraceError:
        raise ItemNotFoundError("no item answers this code here", field="path") from None
    journey = _journey(call.session, call.ctx, parsed)
    if journey is None:
        raise ItemNotFoundError("no item answers this code here", field="path")
    return journey


def _journey(
    session: Session, ctx: AppContext, parsed: ResolverRequest, *, recalled: bool | None = None
) -> Journey | None:
    service = JourneyService(session, ctx.settings, ctx.encryptor)
    return service.journey(parsed.gtin, parsed.lot, parsed.serial, recalled=recalled)


def _linkset(parsed: ResolverRequest, journey: Journey) -> Linkset:
    page = _with(parsed.scanned_uri, {})
    links = [
        Link("pip", _with(page, {"lang": "zh"}), f"{journey.product_name} · 商品信息", hreflang=("zh",)),
        Link("pip", _with(page, {"lang": "en"}), f"{journey.product_name} · product page", hreflang=("en",)),
        Link("verificationService", _with(page, {"format": "json"}), "Authenticity verdict 真伪验证",
             "application/json", ("zh", "en")),
        Link("traceability", f"{page}#circulation", "Origin and journey 溯源", hreflang=("zh", "en")),
        Link("recallStatus", f"{page}#recall", "Recall status 召回状态", hreflang=("zh", "en")),
    ]  # fmt: skip
    if journey.certificates:
        links.append(Link("certificationInfo", f"{page}#certificates", "Certificates 证书",
                          hreflang=("zh", "en")))  # fmt: skip
    if journey.follow_url:
        links.append(Link("loyaltyProgram", journey.follow_url, f"{journey.brand_name}",
                          hreflang=("zh",)))  # fmt: skip
    if journey.coupon_url:
        links.append(Link("promotion", journey.coupon_url, f"{journey.brand_name} · 优惠券 coupon",
                          hreflang=("zh",)))  # fmt: skip
    return Linkset(parsed.anchor, tuple(links), description=journey.product_name)


def _proof(
    session: Session, settings: Settings, parsed: ResolverRequest, journey: Journey
) -> Response:
    index = parsed.proof_index
    if index is None or index not in {p.index for p in journey.proofs if p.included}:
        raise ItemNotFoundError(f"no proof {index} on this item's page", field="index")
    bundle = LogReader(session, witness_policy(settings)).proof_bundle(index)
    return PlainTextResponse(bundle, headers={
        "Content-Disposition": f'attachment; filename="livetrace-{index}.tlog-proof"',
        "Cache-Control": "public, max-age=300",
    } | CORS)  # fmt: skip


# --- shared ------------------------------------------------------------------------------------


def _raw_path(request: Request) -> str:
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    return raw.decode("latin-1").split("?", 1)[0]


def _raw_query(request: Request) -> str:
    query: bytes = request.scope.get("query_string", b"")
    return query.decode("latin-1")


def _with(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _tap_auth(call: _Call, parsed: ResolverRequest, outcome: ScanOutcome) -> str | None:
    """The authenticator a tag's URL left out, once a genuine tap has proven the item.

    Page links carry no tap data (it is good for one read), so without it they would name an
    unauthenticated code; they get the code's printed authenticator instead.
    """
    if outcome.code is None or parsed.nfc is None or AUTH_PARAM in dict(parsed.link.other_params):
        return None
    if any(r.code.startswith("nfc.") for r in outcome.reasons):
        return None  # only a tap that verified proves the item (not a replay, not retired keys)
    code = outcome.code
    elements = code_elements(code.gtin, code.lot, code.serial)
    return keyring(call.request, call.ctx).tag_for(
        elements, keyring(call.request, call.ctx).current_version
    )


def _page_links(parsed: ResolverRequest, page_uri: str) -> PageLinks:
    """The page's own links: relative, so forms and switches work on whatever host served it."""
    other = "en" if parsed.lang == "zh" else "zh"
    parts = urlsplit(page_uri)
    page = parts.path + (f"?{parts.query}" if parts.query else "")
    return PageLinks(
        self_url=_with(page, {"lang": parsed.lang}),
        switch_url=_with(page, {"lang": other}),
        linkset_url=_with(parsed.scanned_uri, {"linkType": "all"}),
        json_url=_with(parsed.scanned_uri, {"format": "json"}),
    )


def _link_headers(parsed: ResolverRequest) -> dict[str, str]:
    linkset = _with(parsed.scanned_uri, {"linkType": "all"})
    context = f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    return {"Link": f"{link_header(linkset, parsed.anchor)}, {context}"}


def _guess(request: Request) -> tuple[str, bool]:
    """Language and whether HTML is wanted, for errors before the request could be read."""
    accept = request.headers.get("accept", "")
    lang = "en" if "lang=en" in _raw_query(request) else "zh"
    return lang, "text/html" in accept or not accept


def _failure(request: Request, error: LivetraceError, *, html: bool, lang: str) -> Response:
    status = status_for(error)
    if status >= 500:
        raise error
    headers = {"Cache-Control": NO_STORE} | CORS
    if status == 429:
        headers["Retry-After"] = str(error.details.get("retry_after", 60))
    if isinstance(error, NfcTapConflictError):
        headers["Retry-After"] = "1"  # a concurrent tap of the same tag: tap again at once
    if html:
        key = {429: "error.limited", 404: "error.notfound"}.get(status, "error.title")
        key = "error.retry" if isinstance(error, NfcTapConflictError) else key
        response: Response = error_page(request, lang, status, key, error.message)
        response.headers.update(headers)
        return response
    extra: dict[str, Any] = {"field": error.field} if error.field else {}
    response = problem(status, (type(error).__doc__ or error.code).splitlines()[0], error.diagnostics(),
                       code=error.code, instance=request.url.path, **extra)  # fmt: skip
    response.headers.update(headers)
    return response


__all__ = ["router"]
