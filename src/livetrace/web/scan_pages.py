"""The consumer scan page and the resolver's error page: server-rendered, zh/en, no JavaScript needed.

Everything shown is escaped by Jinja's autoescaping (stored text such as product names, grower
names or certificate titles included); the page loads only its own CSS and script, and its
Content-Security-Policy forbids anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from livetrace.kit.lru import Lru
from livetrace.scans import places
from livetrace.scans.resolver_views import Journey
from livetrace.scans.verdict import Place, ScanOutcome, Severity, Verdict
from livetrace.web.pages import templates

CHINA_TIME = timezone(timedelta(hours=8), "UTC+8")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

# fmt: off
TEXT: dict[str, tuple[str, str]] = {
    "title": ("扫码验真", "Scan check"),
    "verdict.genuine": ("正品", "Genuine"),
    "verdict.caution": ("请留意", "Genuine, with a caution"),
    "verdict.recalled": ("已召回", "Recalled"),
    "verdict.suspect": ("疑似仿冒", "Suspected clone"),
    "verdict.counterfeit": ("验证失败：疑似假冒", "Not genuine"),
    "lead.genuine": ("这件商品的防伪码有效，记录完整。", "This item's code is authentic and its record is sound."),
    "lead.caution": ("防伪码有效，但有需要留意的情况。", "The code is authentic, but something deserves a second look."),
    "lead.recalled": ("防伪码有效，但这批商品正在召回。请停止使用。", "The code is authentic, but this item is under recall. Stop using it."),
    "lead.suspect": ("防伪码有效，但扫码记录显示它可能被复制。", "The code is authentic, but its scans suggest it was copied."),
    "lead.counterfeit": ("这个码不是本平台签发的，或已被篡改。", "This code was not issued here, or it was altered."),
    "reasons": ("判断依据", "Why"),
    "advice.recalled": ("请停止食用或使用，按品牌方的召回说明退换。", "Stop using it and follow the brand's recall instructions for a refund or exchange."),
    "advice.suspect": ("请保留订单和包装，联系卖家、品牌方或平台核实。", "Keep the order and the pack, and ask the seller, the brand or the platform to check it."),
    "advice.counterfeit": ("请勿食用或使用；保留订单和包装，向平台或市场监管部门 (12315) 反映。", "Do not use it; keep the order and the pack, and report it to the platform or the market regulator (12315)."),
    "first_scan": ("首次验证", "First verified scan"),
    "first_scan.now": ("这是首次验证。", "This is the first verified scan."),
    "scans": ("扫码次数", "Scans"),
    "devices": ("台设备", "devices"),
    "device": ("台设备", "device"),
    "unknown_place": ("位置未知", "place unknown"),
    "product": ("商品", "Product"),
    "brand": ("品牌", "Brand"),
    "gtin": ("商品条码", "GTIN"),
    "lot": ("批号", "Lot"),
    "serial": ("序列号", "Serial"),
    "net_content": ("净含量", "Net content"),
    "origin": ("产地", "Origin"),
    "production": ("生产", "Production"),
    "circulation": ("流通", "Circulation"),
    "sources": ("原料来源", "Where it grew"),
    "supplier": ("供应方", "Supplier"),
    "coordinates": ("坐标", "Coordinates"),
    "line": ("产线", "Line"),
    "shift": ("班次", "Shift"),
    "made": ("生产时间", "Made"),
    "raw_materials": ("原料批次", "Raw-material lots"),
    "timeline": ("流转记录", "Custody timeline"),
    "certificates": ("证书与检测报告", "Certificates and reports"),
    "waybills": ("运单与发货单", "Waybills and despatch papers"),
    "documents": ("订单与单据", "Orders and documents"),
    "cold": ("冷链温度", "Cold chain"),
    "cold.lead": ("运输途中温度记录仪的读数。", "Readings of the temperature loggers on the way."),
    "cold.readings": ("读数", "Readings"),
    "cold.n": ("{n} 个读数", "{n} readings"),
    "cold.min": ("最低", "Lowest"),
    "cold.max": ("最高", "Highest"),
    "cold.range": ("要求温度", "Required range"),
    "cold.ok": ("全程在要求范围内", "Within the required range throughout"),
    "cold.excursion": ("次读数超出要求范围", "readings outside the required range"),
    "cold.leg": ("第 {n} 段", "Leg {n}"),
    "cold.device": ("记录仪", "Logger"),
    "cold.chart": ("温度曲线，浅色带为要求范围", "Temperature line; the shaded band is the required range"),
    "nothing": ("暂无记录", "Nothing recorded yet"),
    "not_traced": ("这件商品还没有供应链记录。", "No supply-chain events are recorded for this item yet."),
    "recall": ("召回通知", "Recall notice"),
    "recall.number": ("召回编号", "Recall number"),
    "recall.since": ("发布时间", "Issued"),
    "recall.by": ("发布方", "Issued by"),
    "proof": ("可验证证明", "Proof"),
    "proof.lead": ("以下记录已签名并写入可验证日志；见证方共同签署了日志检查点。",
                   "These records are signed statements on a verifiable log whose checkpoint "
                   "witnesses cosigned."),
    "proof.statement": ("签名声明", "Signed statement"),
    "proof.index": ("日志序号", "Log index"),
    "proof.leaf": ("叶子哈希", "Leaf hash"),
    "proof.path": ("包含证明", "Inclusion proof"),
    "proof.checkpoint": ("检查点", "Checkpoint"),
    "proof.witnesses": ("见证签名", "witness cosignatures"),
    "proof.witness": ("见证签名", "witness cosignature"),
    "proof.download": ("下载证明文件 (tlog-proof)", "Download the proof (tlog-proof)"),
    "proof.check": ("在浏览器中验证", "Check in this browser"),
    "proof.pending": ("尚未纳入已发布的检查点。", "Not yet under a published checkpoint."),
    "proof.nojs": ("未启用 JavaScript：请下载证明文件，用 `livetrace verify` 离线验证。",
                   "JavaScript is off: download the proof and check it offline with `livetrace verify`."),
    "proof.pass": ("通过：记录包含在检查点中", "Passed: the record is in the checkpoint"),
    "proof.fail": ("失败：证明与检查点不符", "Failed: the proof does not match the checkpoint"),
    "status.passed": ("检验合格", "passed"),
    "status.failed": ("检验不合格", "failed"),
    "status.inspected": ("已检验", "inspected"),
    "status.asserted": ("已声明", "stated"),
    "check.verified": ("文件已验证", "file verified"),
    "check.tampered": ("文件被篡改", "file tampered"),
    "check.missing": ("文件缺失", "file missing"),
    "check.pending": ("待发布", "pending"),
    "check.reference": ("仅编号", "reference only"),
    "follow": ("关注品牌", "Follow the brand"),
    "coupon": ("领取优惠券", "Get a coupon"),
    "follow.none": ("该品牌暂未开通关注或优惠券。", "This brand offers no follow or coupon page yet."),
    "external": ("将离开本站，前往", "leaves this site for"),
    "location": ("提供大致位置", "Share a rough location"),
    "location.lead": ("仅用于判断窜货与复制码，只保存到城市级别。",
                      "Used only to spot diverted or copied codes; kept at city level."),
    "location.city": ("选择城市", "Choose a city"),
    "location.gps": ("使用手机定位", "Use my phone's location"),
    "location.send": ("提交", "Send"),
    "hidden": ("输入刮开的验证码", "Enter the scratch-off code"),
    "hidden.send": ("验证", "Check"),
    "hidden.checked": ("隐藏验证码已核对。", "The hidden code was checked."),
    "switch": ("English", "中文"),
    "error.title": ("无法识别这个码", "This code cannot be read"),
    "error.limited": ("请求过于频繁", "Too many requests"),
    "error.notfound": ("找不到这件商品", "No such item"),
    "error.retry": ("请再碰一次", "Please tap again"),
    "error.retry_lead": ("同一时间有另一次触碰正在登记，这次没有记录。请把手机再靠近标签一次。",
                         "Another tap of this tag was being recorded at the same moment, so this "
                         "one was not. Hold your phone to the tag once more."),
    "error.back": ("请重新扫描商品上的二维码。", "Scan the QR code on the pack again."),
}
# fmt: on

LEADS = {"error.retry": "error.retry_lead"}  # what the error page advises, when not to rescan

STEP_TEXT: dict[str, tuple[str, str]] = {
    "commissioning": ("赋码", "coded"),
    "packing": ("装箱", "packed"),
    "unpacking": ("拆箱", "unpacked"),
    "shipping": ("发货", "shipped"),
    "receiving": ("收货", "received"),
    "departing": ("离开", "departed"),
    "arriving": ("到达", "arrived"),
    "storing": ("入库", "stored"),
    "retail_selling": ("售出", "sold"),
    "inspecting": ("检验", "inspected"),
    "holding": ("暂扣", "held"),
    "transforming": ("加工", "processed"),
    "transporting": ("运输", "in transit"),
}


@dataclass(frozen=True, slots=True)
class PageLinks:
    """Addresses the page links to, built by the resolver."""

    self_url: str  # this page (the scanned link with the current language)
    switch_url: str  # the same page in the other language
    linkset_url: str
    json_url: str

    @property
    def query_prefix(self) -> str:
        """This page's address, ready for more query parameters."""
        return self.self_url + ("&" if "?" in self.self_url else "?")


def _proof_query(index: int) -> str:
    return urlencode({"download": "proof", "index": index})


@dataclass(frozen=True, slots=True)
class OutLink:
    """A link the page offers to a brand page: where it goes and whether it leaves the site."""

    key: str  # follow, coupon
    href: str
    host: str
    external: bool


def out_links(request: Request, journey: Journey | None) -> list[OutLink]:
    """The brand's follow and coupon links; other origins are marked as leaving the site."""
    if journey is None:
        return []
    here = (request.url.scheme, request.url.netloc)
    found = [("follow", journey.follow_url), ("coupon", journey.coupon_url)]
    out = []
    for key, href in found:
        if href:
            parts = urlsplit(href)
            external = (parts.scheme, parts.netloc) != here
            out.append(OutLink(key, href, parts.hostname or "", external))
    return out


def texts(lang: str) -> dict[str, str]:
    """The page's strings in `lang`."""
    pick = 1 if lang == "en" else 0
    return {key: pair[pick] for key, pair in TEXT.items()}


def when(value: datetime | None) -> str:
    """A time as Beijing time, to the minute."""
    if value is None:
        return ""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"


def scan_page(
    request: Request,
    lang: str,
    outcome: ScanOutcome,
    journey: Journey | None,
    links: PageLinks,
    *,
    status: int = 200,
) -> HTMLResponse:
    """The page for one scan: verdict, reasons, first scan, layers, recall, proofs."""
    show = journey is not None and outcome.verdict is not Verdict.COUNTERFEIT
    context = _base(lang, links) | {
        "outcome": outcome,
        "verdict": outcome.verdict.value,
        "reasons": [r for r in outcome.reasons if r.public],
        "severity": {r.code: Severity(r.severity).name.lower() for r in outcome.reasons},
        "journey": journey,
        "first_place": _city(outcome.first_scan.place if outcome.first_scan else None, lang),
        "city_options": city_options(lang),
        "steps": steps(lang),
        "show_journey": show,
        "layers": layers(lang, journey, links) if show and journey is not None else "",
        "out_links": out_links(request, journey),
        # Only a paired run has a hidden code to type: the form is offered for its items only.
        "hidden_form": outcome.code is not None and outcome.code.display,
    }
    return _render(request, "scan/page.html", context, status)


def error_page(
    request: Request, lang: str, status: int, title_key: str, detail: str
) -> HTMLResponse:
    """A clear page for a request the resolver cannot answer (nothing about any item)."""
    context = _base(lang, None) | {"title_key": title_key, "detail": detail, "status": status,
                                   "lead_key": LEADS.get(title_key, "error.back")}  # fmt: skip
    return _render(request, "scan/error.html", context, status)


_LAYERS: Lru[tuple[object, ...], str] = Lru(2048)  # rendered sections by twin group, language
# Stands for the item's own page address in shared sections: the one thing in them that is not
# the same for every twin (the proof downloads link to the page that offers them).
_PAGE_MARK = "\x1fpage\x1f"


def layers(lang: str, journey: Journey, links: PageLinks) -> Markup:
    """The journey's origin, production, circulation, cold-chain and proof sections.

    Twins (`JourneyService`: items traced alike) share them word for word, so they are
    rendered once per twin group and language, and each page puts its own address into the
    proof links; a page without twins renders them afresh.
    """
    key = (journey.shared, lang) if journey.shared is not None else None
    html = _LAYERS.get(key) if key is not None else None
    if html is None:
        context = {"lang": lang, "t": texts(lang), "when": when, "journey": journey,
                   "steps": steps(lang), "proof_href": lambda i: _PAGE_MARK + _proof_query(i)}  # fmt: skip
        html = templates.env.get_template("scan/layers.html").render(context)
        if key is not None:
            _LAYERS.put(key, html)
    # The template's output, escaped by autoescaping as it was rendered; the address too.
    return Markup(html).replace(_PAGE_MARK, escape(links.query_prefix))  # noqa: S704


@cache
def steps(lang: str) -> dict[str, str]:
    """Business steps in words, in `lang`."""
    return {k: v[1 if lang == "en" else 0] for k, v in STEP_TEXT.items()}


@cache
def city_options(lang: str) -> Markup:
    """The location form's city list, rendered once per language: three hundred options
    escaped on every page were a third of the page's rendering."""
    name = "name_en" if lang == "en" else "name_zh"
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(c.code, getattr(c, name))
        for c in places.cities()
    )


def _base(lang: str, links: PageLinks | None) -> dict[str, Any]:
    return {"lang": lang, "html_lang": "en" if lang == "en" else "zh-CN", "t": texts(lang),
            "links": links, "when": when}  # fmt: skip


def _city(place: Place | None, lang: str) -> str | None:
    if place is None:
        return None
    return (place.city_en if lang == "en" else place.city_zh) or place.city_zh or place.region


def _render(request: Request, name: str, context: dict[str, Any], status: int) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
