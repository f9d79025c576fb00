"""What a resolver request asks for, read strictly from its path, query and headers (pure).

* Size limits come first: an oversized path or query is refused before anything is parsed.
* The path must be a GS1 Digital Link with a GTIN primary key (`/01/{gtin}[/22|10|21/…]`),
  parsed by the strict parser, so malformed keys, check digits, qualifier orders and escapes are
  a 400 with the parser's reason.
* Parameters the resolver itself reads (`linkType`, `lang`, `format`, `download`, `index`) are
  checked and never forwarded to the scan; the rest (`auth`, query AIs and the NFC SUN parameters
  `picc_data`, `cmac`, `enc` as the codes package names them) make up the scanned link. A
  parameter given twice is refused, since two values for one name have no single meaning.
* Representation: `linkType=all` or `Accept: application/linkset+json` → linkset;
  `linkType=<type>` → redirect; `format=json` or an `Accept` preferring `application/json` →
  the JSON verdict; anything else (browsers) → HTML.
* Language: `lang=zh|en`, else the best of zh/en in `Accept-Language`, else Chinese.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl

from livetrace.gs1.digital_link import DigitalLink, escape_query, parse_digital_link
from livetrace.gs1.errors import Gs1Error
from livetrace.kit.errors import ValidationError
from livetrace.scans.linkset import ALL, LINKSET_MEDIA_TYPE, LinkTypeError, parse_link_type
from livetrace.scans.verdict import NfcParams

MAX_PATH = 400
MAX_QUERY = 1024
MAX_PARAMS = 16
LANGUAGES = ("zh", "en")
NFC_PARAMS = ("picc_data", "cmac", "enc")
OWN_PARAMS = frozenset({"linkType", "lang", "format", "download", "index"})
DEVICE_COOKIE = "lt_device"
_DEVICE = re.compile(r"[A-Za-z0-9_-]{22,43}")
_HEX = re.compile(r"[0-9A-Fa-f]{1,512}")
_Q = re.compile(r";\s*q=([^;,\s]*)")


class MalformedRequestError(ValidationError):
    """A resolver request that is not a well-formed Digital Link of an item code."""

    code = "malformed-request"


class Representation(StrEnum):
    """What the response carries."""

    HTML = "html"
    JSON = "json"
    LINKSET = "linkset"
    REDIRECT = "redirect"
    PROOF = "proof"


@dataclass(frozen=True, slots=True)
class ResolverRequest:
    """A checked resolver request."""

    link: DigitalLink
    scanned_uri: str  # the Digital Link as scanned, without the resolver's own parameters
    page_uri: str  # the same without NFC parameters: a tap's data is good for one read only
    anchor: str  # the Digital Link without any query: what a linkset is about
    representation: Representation
    link_type: str | None
    lang: str
    nfc: NfcParams | None
    proof_index: int | None

    @property
    def gtin(self) -> str:
        """The GTIN-14 of the code."""
        return self.link.primary_key.value

    @property
    def lot(self) -> str | None:
        """The lot (AI 10), when the link names one."""
        return dict(self.link.qualifiers).get("10")

    @property
    def serial(self) -> str | None:
        """The serial (AI 21), when the link names one."""
        return dict(self.link.qualifiers).get("21")


def read_request(
    base_url: str,
    raw_path: str,
    raw_query: str,
    *,
    accept: str | None = None,
    accept_language: str | None = None,
) -> ResolverRequest:
    """Check and read one request; raise `MalformedRequestError` (or `LinkTypeError`)."""
    if len(raw_path) > MAX_PATH:
        raise MalformedRequestError(f"the path is longer than {MAX_PATH} characters", field="path")
    if len(raw_query) > MAX_QUERY:
        raise MalformedRequestError(
            f"the query is longer than {MAX_QUERY} characters", field="query"
        )
    params = _params(raw_query)
    own = {k: v for k, v in params if k in OWN_PARAMS}
    forwarded = [(k, v) for k, v in params if k not in OWN_PARAMS]
    stem = base_url.rstrip("/")
    scanned = _uri(stem + raw_path, forwarded)
    link = _link(scanned)
    representation, link_type = negotiate(own, accept)
    return ResolverRequest(
        link=link, scanned_uri=scanned, anchor=stem + raw_path,
        page_uri=_uri(stem + raw_path, [(k, v) for k, v in forwarded if k not in NFC_PARAMS]),
        representation=representation, link_type=link_type,
        lang=pick_language(own.get("lang"), accept_language), nfc=_nfc(dict(forwarded)),
        proof_index=_index(own) if representation is Representation.PROOF else None,
    )  # fmt: skip


def _uri(base: str, params: list[tuple[str, str]]) -> str:
    query = "&".join(f"{k}={escape_query(v)}" for k, v in params)
    return base + (f"?{query}" if query else "")


def _params(raw_query: str) -> list[tuple[str, str]]:
    try:
        params = parse_qsl(raw_query, keep_blank_values=True, strict_parsing=False,
                           max_num_fields=MAX_PARAMS)  # fmt: skip
    except ValueError:
        raise MalformedRequestError(
            f"the query has more than {MAX_PARAMS} parameters", field="query"
        ) from None
    names = [k for k, _ in params]
    repeated = sorted({k for k in names if names.count(k) > 1})
    if repeated:
        raise MalformedRequestError(
            f"parameter {repeated[0][:40]!r} is given more than once", field=repeated[0][:40]
        )
    return params


def _link(uri: str) -> DigitalLink:
    try:
        link = parse_digital_link(uri)
    except Gs1Error as error:
        raise MalformedRequestError(
            f"not a valid GS1 Digital Link: {error.message}", field=error.field or "path"
        ) from None
    if link.primary_key.ai != "01":
        raise MalformedRequestError("this resolver answers GTIN (01) codes only", field="path")
    return link


def negotiate(own: dict[str, str], accept: str | None) -> tuple[Representation, str | None]:
    """The representation (and link type) the parameters and `Accept` header ask for."""
    if own.get("download") is not None:
        if own["download"] != "proof":
            raise MalformedRequestError("`download` may only be `proof`", field="download")
        return Representation.PROOF, None
    if own.get("linkType") is not None:
        link_type = parse_link_type(own["linkType"])
        if link_type == ALL:
            return Representation.LINKSET, None
        return Representation.REDIRECT, link_type
    fmt = own.get("format")
    if fmt is not None:
        if fmt not in ("json", "linkset", "html"):
            raise MalformedRequestError("`format` is one of json, linkset, html", field="format")
        return Representation(fmt), None
    return _by_accept(accept or ""), None


def _by_accept(accept: str) -> Representation:
    weights: dict[str, float] = {}
    for part in accept.split(",")[:20]:
        media = part.split(";", 1)[0].strip().lower()
        match = _Q.search(part)
        try:
            weight = float(match.group(1)) if match else 1.0
        except ValueError:
            weight = 0.0
        weights[media] = max(weights.get(media, 0.0), weight)
    html = max(weights.get("text/html", 0.0), weights.get("application/xhtml+xml", 0.0))
    linkset = weights.get(LINKSET_MEDIA_TYPE, 0.0)
    json_ = weights.get("application/json", 0.0)
    if linkset > 0 and linkset >= max(html, json_):
        return Representation.LINKSET
    if json_ > html:
        return Representation.JSON
    return Representation.HTML


def pick_language(lang: str | None, accept_language: str | None) -> str:
    """`zh` or `en`: the parameter, else the header's best supported language, else `zh`."""
    if lang in LANGUAGES:
        return lang
    best, best_q = "zh", 0.0
    for part in (accept_language or "").split(",")[:20]:
        tag = part.split(";", 1)[0].strip().lower().split("-", 1)[0]
        match = _Q.search(part)
        try:
            q = float(match.group(1)) if match else 1.0
        except ValueError:
            q = 0.0
        if tag in LANGUAGES and q > best_q:
            best, best_q = tag, q
    return best


def _nfc(params: dict[str, str]) -> NfcParams | None:
    """SUN parameters when the tag supplied them (both `picc_data` and `cmac`)."""
    picc, cmac, enc = (params.get(name) for name in NFC_PARAMS)
    if picc is None and cmac is None and enc is None:
        return None
    if picc is None or cmac is None:
        raise MalformedRequestError("an NFC tap carries both `picc_data` and `cmac`", field="cmac")
    for name, value in (("picc_data", picc), ("cmac", cmac), ("enc", enc)):
        if value is not None and not _HEX.fullmatch(value):
            raise MalformedRequestError(f"`{name}` must be hex digits", field=name)
    return NfcParams(picc_data=picc, cmac=cmac, enc=enc)


def _index(own: dict[str, str]) -> int:
    text = own.get("index", "")
    if not text.isdigit() or len(text) > 18:
        raise MalformedRequestError("`index` must be a log index (digits)", field="index")
    return int(text)


def device_id(cookie: str | None) -> tuple[str, bool]:
    """The device id from the cookie, or a new random one (and whether it is new)."""
    if cookie and _DEVICE.fullmatch(cookie):
        return cookie, False
    return secrets.token_urlsafe(16), True


def rounded(value: str | None, lower: float, upper: float) -> float | None:
    """A coordinate from a form, rounded to 0.01° (about 1 km), or None when absent or bad."""
    if value is None or not value.strip() or len(value) > 32:
        return None
    try:
        number = round(float(value), 2)
    except ValueError:
        return None
    return number if lower <= number <= upper else None


__all__ = [
    "DEVICE_COOKIE",
    "LinkTypeError",
    "MalformedRequestError",
    "Representation",
    "ResolverRequest",
    "device_id",
    "negotiate",
    "pick_language",
    "read_request",
    "rounded",
]
