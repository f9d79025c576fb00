"""Scan rules as composable policies, pure: each looks at a `ScanContext` and yields reasons.

Every rule is independent of the others and of the database: the service gathers the facts
(authenticator result, code record, recalls, shipments, earlier scans) into one `ScanContext`
and `AllOf(*rules)` collects what each rule finds. The verdict is the heaviest reason's
(`verdict.verdict_for`). Rules that need a code record stay silent without one, so a forged link
yields exactly one reason.

Public display codes of paired runs are shown on camera during live streams, so many devices and
far-apart scans are expected for them: those signs are capped at a warning that points to the
hidden verification code, which is the one that must not be seen twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from livetrace.codes.states import CodeState
from livetrace.scans.errors import ScanPolicyError
from livetrace.scans.places import haversine_km
from livetrace.scans.verdict import Place, Reason, Severity

DEFAULT_WARN_DEVICES = 3
DEFAULT_ALARM_DEVICES = 10
DEFAULT_TRAVEL_KMH = 900.0
TRAVEL_MIN_KM = 50.0  # closer scans are within the rounding of coarse places


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-product rule thresholds (defaults: warn at 3 devices, alarm at 10, 900 km/h)."""

    warn_devices: int = DEFAULT_WARN_DEVICES
    alarm_devices: int = DEFAULT_ALARM_DEVICES
    travel_kmh: float = DEFAULT_TRAVEL_KMH
    travel_min_km: float = TRAVEL_MIN_KM


class AuthStatus(StrEnum):
    """What the authenticator check of the scanned link found."""

    OK = "ok"
    MISSING = "missing"  # no `auth` parameter
    MALFORMED = "malformed"  # not a Digital Link, or an `auth` value of the wrong shape
    TRUNCATED = "truncated"  # an `auth` tag shorter than 80 bits
    RETIRED = "retired"  # a key version that is retired or unknown
    FORGED = "forged"  # a well-formed tag that does not match the data


class HiddenStatus(StrEnum):
    """What became of a hidden verification code the buyer typed."""

    NOT_GIVEN = "not-given"
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    NOT_PAIRED = "not-paired"  # the item was issued without a hidden code


class NfcStatus(StrEnum):
    """What the SUN check of an NFC tap found."""

    OK = "ok"
    REPLAY = "replay"  # authentic tap whose counter did not rise: a copied URL or a clone
    FORGED = "forged"  # no registered tag produces this data, or the MAC is wrong
    MALFORMED = "malformed"
    MISMATCH = "mismatch"  # a genuine tap of a tag bound to another code than the link's
    RETIRED = "retired"  # a tag under a key set its brand retired: the tap proves nothing now


@dataclass(frozen=True, slots=True)
class RecallRef:
    """An open recall campaign covering the scanned code."""

    number: str
    reason: str


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """What the registry and the trace projections say about the scanned code."""

    state: str
    display: bool  # a public display code of a paired run
    expiry: date | None = None
    recalls: tuple[RecallRef, ...] = ()
    shipped: bool | None = None  # None when not looked up
    shipped_region: str | None = None  # GB/T 2260 code of the last shipping destination


@dataclass(frozen=True, slots=True)
class PriorScan:
    """The latest earlier scan of the code that had phone coordinates."""

    at: datetime
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class ScanContext:
    """Everything the rules judge one scan by."""

    at: datetime
    auth: AuthStatus
    auth_message: str = ""
    code: CodeFacts | None = None
    place: Place | None = None
    placed: bool = False  # the place comes from the phone's coordinates
    previous_placed: PriorScan | None = None
    devices: int = 0  # distinct devices that scanned the code, this one included
    hidden: HiddenStatus = HiddenStatus.NOT_GIVEN
    hidden_devices: int = 0  # distinct devices that verified the hidden code, this one included
    nfc: NfcStatus | None = None
    # The item is known only from its tag (the link carried no authenticator of its own).
    tag_only: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)


class Rule(Protocol):
    """One scan rule."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """The reasons this rule finds in the scan (none when all is well)."""
        ...


class AllOf:
    """Every child rule's reasons; an `AllOf` with no rules judges nothing and is refused."""

    def __init__(self, *rules: Rule) -> None:
        if not rules:
            raise ScanPolicyError("an AllOf policy needs at least one rule", field="rules")
        self.rules = rules

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """The reasons of every rule, in rule order."""
        for rule in self.rules:
            yield from rule.check(ctx)


def _r(
    code: str, severity: Severity, zh: str, en: str, *, public: bool = True, **details: object
) -> Reason:
    return Reason(code, severity, zh, en, dict(details), public)


# -- authenticity ---------------------------------------------------------------------------------

_AUTH_REASONS: dict[AuthStatus, tuple[str, str, str]] = {
    AuthStatus.MISSING: (
        "authenticator.missing",
        "该码没有防伪校验值，不是本平台发出的商品码。",
        "The code carries no authenticator: it was not issued here.",
    ),
    AuthStatus.MALFORMED: (
        "authenticator.malformed",
        "该码格式错误，无法识别，可能被篡改或伪造。",
        "The code is malformed and cannot be read: it may be altered or forged.",
    ),
    AuthStatus.TRUNCATED: (
        "authenticator.truncated",
        "该码的防伪校验值不完整，可能被截断或伪造。",
        "The code's authenticator is truncated: the code is incomplete or forged.",
    ),
    AuthStatus.RETIRED: (
        "authenticator.retired_key",
        "该码使用的密钥版本已停用或不存在。",
        "The code was made with a key version that is retired or unknown.",
    ),
    AuthStatus.FORGED: (
        "authenticator.forged",
        "防伪校验失败：该码不是本平台发出的，或其数据被改动过。",
        "The authenticator does not match: the code was not issued here or was altered.",
    ),
}


class AuthenticatorRule:
    """A link whose authenticator is missing, malformed, truncated or wrong is counterfeit."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """One FAIL reason unless the authenticator verified."""
        if ctx.auth is AuthStatus.OK:
            return
        code, zh, en = _AUTH_REASONS[ctx.auth]
        yield _r(code, Severity.FAIL, zh, en, detail=ctx.auth_message[:200])


class RecordRule:
    """An authentic link with no code record: the run was never issued here."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """FAIL when the authenticator held but the registry has no such code."""
        if ctx.auth is AuthStatus.OK and ctx.code is None:
            yield _r("code.unknown", Severity.FAIL, "该码没有发放记录，无法确认为正品。",
                     "The code has no issuance record: it cannot be confirmed as genuine.")  # fmt: skip


class StateRule:
    """Never-activated codes are suspect; void or destroyed codes are counterfeit."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """A reason for codes in a state no genuine item on sale can be in."""
        if ctx.code is None:
            return
        state = ctx.code.state
        if state in (CodeState.ISSUED, CodeState.PRINTED):
            yield _r("code.not_activated", Severity.ALARM,
                     "该码从未激活（未与商品关联），不应出现在在售商品上。",
                     "The code was never activated on an item: it should not be on goods for "
                     "sale.", state=state)  # fmt: skip
        elif state == CodeState.VOID:
            yield _r("code.void", Severity.FAIL, "该码已作废，不属于任何商品。",
                     "The code was voided and belongs to no item.")  # fmt: skip
        elif state == CodeState.DESTROYED:
            yield _r("code.destroyed", Severity.FAIL, "该码对应的商品已登记销毁，不应再流通。",
                     "The item with this code was recorded as destroyed.")  # fmt: skip


class RecallRule:
    """A recalled code, or a lot or item under an open recall campaign."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """RECALL reasons: the code's own state and each open campaign."""
        if ctx.code is None:
            return
        if ctx.code.state == CodeState.RECALLED and not ctx.code.recalls:
            yield _r("recall.code", Severity.RECALL, "该商品已被召回，请停止使用并联系品牌方。",
                     "This item has been recalled: stop using it and contact the brand.")  # fmt: skip
        for recall in ctx.code.recalls:
            yield _r("recall.open", Severity.RECALL,
                     f"该商品所在批次正在召回（{recall.number}）：{recall.reason}",
                     f"This item is under recall {recall.number}: {recall.reason}",
                     number=recall.number)  # fmt: skip


class ShippedRule:
    """An active code with no shipping event for it or its containers: never left the maker."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """WARN when the trace shows no shipment of an active code."""
        if (
            ctx.code is not None
            and ctx.code.state == CodeState.ACTIVE
            and ctx.code.shipped is False
        ):
            yield _r("code.never_shipped", Severity.WARN, "没有该商品的发货记录，请留意来源。",
                     "There is no record of this item being shipped: check where it came from.")  # fmt: skip


class ExpiryRule:
    """A lot whose expiry date is before the scan date."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """WARN for an expired lot."""
        expiry = ctx.code.expiry if ctx.code is not None else None
        if expiry is not None and expiry < ctx.at.date():
            yield _r("lot.expired", Severity.WARN, f"该批次已于 {expiry.isoformat()} 过期。",
                     f"This lot expired on {expiry.isoformat()}.", expiry=expiry.isoformat())  # fmt: skip


class RepeatDevicesRule:
    """Scans by many distinct devices: a copied code, unless it is a public display code."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """WARN from the warn threshold, ALARM from the alarm one; display codes cap at WARN.

        A display-code scan that verified the hidden code is left to `HiddenCodeRule`.
        """
        if ctx.code is None or ctx.devices < ctx.thresholds.warn_devices:
            return
        n = ctx.devices
        if ctx.code.display and ctx.hidden is HiddenStatus.VERIFIED:
            return  # the hidden code was checked: the hidden-code rule judges this scan
        if ctx.code.display:
            yield _r("scans.display_code", Severity.WARN,
                     f"此展示码已被 {n} 台设备扫描，它可能在直播中展示过；请刮开包装内的隐藏验证码核验。",
                     f"This display code was scanned by {n} devices; it may have been shown on "
                     "camera. Check the hidden verification code inside the pack.",
                     devices=n)  # fmt: skip
            return
        alarm = n >= ctx.thresholds.alarm_devices
        yield _r("scans.repeat_devices", Severity.ALARM if alarm else Severity.WARN,
                 f"该码已被 {n} 台不同设备扫描，{'极可能被复制' if alarm else '请留意是否被复制'}。",
                 f"This code was scanned by {n} different devices: "
                 f"{'it is very likely copied' if alarm else 'it may have been copied'}.",
                 devices=n)  # fmt: skip


class HiddenCodeRule:
    """A hidden verification code seen by a second device, or one that does not match."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """ALARM for a reused or wrong hidden code; INFO when the item has none."""
        if ctx.code is None:
            return
        if ctx.hidden is HiddenStatus.MISMATCH:
            yield _r("hidden.mismatch", Severity.ALARM, "隐藏验证码不正确，请核对输入；若无误，该商品可疑。",
                     "The hidden verification code does not match. Check what you typed; if it "
                     "is right, the item is suspect.")  # fmt: skip
        elif ctx.hidden is HiddenStatus.NOT_PAIRED:
            yield _r("hidden.not_paired", Severity.INFO, "该商品没有隐藏验证码。",
                     "This item was issued without a hidden verification code.")  # fmt: skip
        elif ctx.hidden is HiddenStatus.VERIFIED and ctx.hidden_devices >= 2:
            yield _r("hidden.reused", Severity.ALARM,
                     "此验证码已被使用过（另一台设备已核验），该商品可能是仿冒品。",
                     "This verification code was already used on another device: the item may "
                     "be a copy.", devices=ctx.hidden_devices)  # fmt: skip


class TravelRule:
    """Consecutive placed scans further apart than any trip could take in the time between."""

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """ALARM above the speed threshold (WARN for display codes, shown on camera)."""
        prior, place = ctx.previous_placed, ctx.place
        if ctx.code is None or prior is None or not ctx.placed or place is None:
            return
        if place.latitude is None or place.longitude is None:
            return
        km = haversine_km(prior.latitude, prior.longitude, place.latitude, place.longitude)
        if km < ctx.thresholds.travel_min_km:
            return
        hours = (ctx.at - prior.at).total_seconds() / 3600
        speed = km / hours if hours > 0 else math.inf
        if speed <= ctx.thresholds.travel_kmh:
            return
        severity = Severity.WARN if ctx.code.display else Severity.ALARM
        yield _r("travel.impossible", severity,
                 f"该码在 {hours * 60:.0f} 分钟内于相距 {km:.0f} 公里的两地被扫描，同一件商品不可能如此移动。",
                 f"This code was scanned {km:.0f} km apart within {hours * 60:.0f} minutes: "
                 "one item cannot travel that fast.",
                 km=round(km), minutes=round(hours * 60))  # fmt: skip


class DiversionRule:
    """A scan outside the province the item was shipped to (窜货): for the brand only.

    A public display code is shown on camera and scanned by viewers everywhere, so where it was
    scanned says nothing about where the item went: its scans are left out, unless the scan
    also verified the hidden code, which only the holder of the pack can read.
    """

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """An INFO reason the page may hide; never a worse verdict."""
        if ctx.code is None or ctx.place is None or ctx.place.region is None:
            return
        if ctx.code.display and ctx.hidden is not HiddenStatus.VERIFIED:
            return
        shipped_to = ctx.code.shipped_region
        if shipped_to is None or shipped_to[:2] == ctx.place.region[:2]:
            return
        yield _r("diversion.outside_region", Severity.INFO,
                 "扫码地点不在该商品发往的销售区域内。",
                 "The scan happened outside the region this item was shipped to.",
                 public=False, shipped_region=shipped_to, scan_region=ctx.place.region)  # fmt: skip


_NFC_REASONS: dict[NfcStatus, tuple[str, Severity, str, str]] = {
    NfcStatus.REPLAY: ("nfc.replay", Severity.ALARM,
                       "NFC 标签的计数器没有增加：这是一次重放的旧链接或被复制的标签。",
                       "The NFC tag's counter did not rise: a replayed link or a cloned tag."),
    NfcStatus.FORGED: ("nfc.forged", Severity.FAIL, "NFC 标签校验失败：不是本平台登记的标签。",
                       "The NFC tap does not verify: it is not a tag registered here."),
    NfcStatus.MALFORMED: ("nfc.malformed", Severity.FAIL, "NFC 标签数据格式错误。",
                          "The NFC tap data is malformed."),
    NfcStatus.MISMATCH: ("nfc.mismatch", Severity.FAIL, "NFC 标签与所扫的码不属于同一件商品。",
                         "The NFC tag belongs to another item than the scanned code."),
    NfcStatus.RETIRED: ("nfc.key_retired", Severity.WARN,
                        "这个 NFC 标签的密钥已被品牌方停用，触碰无法再证明商品真伪；请核对包装上的码，或联系品牌方。",
                        "This tag's keys were retired by the brand, so a tap can no longer prove "
                        "the item genuine. Check the printed code or contact the brand."),
}  # fmt: skip


class NfcRule:
    """An NFC tap that is replayed, forged, malformed, bound to another code, or under retired keys.

    A tap under retired keys is a caution when the printed code's own authenticator holds; when
    the tag is all that names the item, nothing vouches for it and it is suspect.
    """

    def check(self, ctx: ScanContext) -> Iterator[Reason]:
        """One reason unless the tap verified (or there was none)."""
        if ctx.nfc is None or ctx.nfc is NfcStatus.OK:
            return
        code, severity, zh, en = _NFC_REASONS[ctx.nfc]
        if ctx.nfc is NfcStatus.RETIRED and ctx.tag_only:
            severity = Severity.ALARM
        yield _r(code, severity, zh, en)


def default_policy() -> AllOf:
    """Every scan rule, in the order the page lists their reasons."""
    return AllOf(
        AuthenticatorRule(),
        NfcRule(),
        RecordRule(),
        StateRule(),
        RecallRule(),
        HiddenCodeRule(),
        RepeatDevicesRule(),
        TravelRule(),
        ShippedRule(),
        ExpiryRule(),
        DiversionRule(),
    )


# Reason codes that raise an alert to the brand, by alert kind.
ALERT_KIND_BY_REASON: dict[str, str] = {
    "scans.repeat_devices": "clone",
    "hidden.reused": "clone",
    "hidden.mismatch": "clone",
    "travel.impossible": "travel",
    "diversion.outside_region": "diversion",
    "nfc.replay": "replay",
    "nfc.key_retired": "retired_key",
}


def alerts_for(reasons: tuple[Reason, ...] | list[Reason]) -> dict[str, Severity]:
    """The alert kinds these reasons call for, each with its heaviest severity.

    Display-code warnings (capped signs) raise nothing: many devices are expected there.
    """
    out: dict[str, Severity] = {}
    for reason in reasons:
        kind = ALERT_KIND_BY_REASON.get(reason.code)
        if kind is None or (kind == "travel" and reason.severity < Severity.ALARM):
            continue
        severity = max(reason.severity, Severity.WARN)
        out[kind] = max(out.get(kind, severity), severity)
    return out
