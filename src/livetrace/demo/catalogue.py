"""The demo's cases: what each shows, the Digital Link to scan, and the verdict it gives.

The landing page lists them. Visiting a scan link records a scan, so every case is chosen to keep
its verdict when one browser opens it again and again: one browser is one device, and no case
sits just below a device threshold for a single extra device.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session

from livetrace.codes.authenticator import fast_link
from livetrace.codes.repository import CodeRepository
from livetrace.codes.service import CodeService, keyring_for
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import data as d
from livetrace.demo.data import RunSpec
from livetrace.demo.events import item
from livetrace.demo.loader import demo_loaded
from livetrace.demo.nfc import tap_url
from livetrace.demo.repository import DemoRepository
from livetrace.scans.verdict import Verdict

NFC_TAP_PATH = "/demo/nfc-tap"
# The one fixed serial: a forger's. It is in the issued serials' alphabet and length, so the link
# is well-formed, and it is fixed so the landing page offers the same forged link on every visit;
# with 64 bits of randomness per issued serial it names no issued code.
FORGED_SERIAL = "7KQ4WX9RBM2TD"
FORGED_TAG = "1.5A3C9E0F7B2D4168C0E1"  # a well-formed authenticator nobody computed


@dataclass(frozen=True, slots=True)
class DemoCase:
    """One case of the demo: a story, the code that tells it, and the verdict it gives."""

    key: str
    label_zh: str
    label_en: str
    story_zh: str
    story_en: str
    verdict: Verdict
    run: RunSpec  # the run whose item tells the story (the forgery names a serial of none)
    index: int  # the item's position in the run, in issue order
    hidden_code: bool = False  # show the pack's hidden code, for the buyer to type

    @property
    def gtin(self) -> str:
        """The GTIN of the case's code."""
        return self.run.gtin


@dataclass(frozen=True, slots=True)
class CaseLink:
    """A case with the links to follow: the scan (a path on this site) and the console trace."""

    case: DemoCase
    scan_path: str
    trace_path: str | None  # the console's backward trace of the item (none for a forgery)
    hidden_code: str | None = None
    history_path: str | None = None  # the console's scan history of the code


CASES: tuple[DemoCase, ...] = (
    DemoCase("genuine", "五常大米：直播间售出的正品", "Wuchang rice sold in a live stream",
             "从民乐乡 A07 地块收割、五常加工厂碾米、装箱上托，经顺达物流到杭州直播间，直播中售出。",
             "Harvested on plot A07, milled in Wuchang, packed and palletised, carried to the "
             "Hangzhou live-stream base and sold on air.",
             Verdict.GENUINE, d.RICE_RUN, 0),
    DemoCase("forged", "伪造的码", "A forged code",
             "格式完全正确，但防伪校验值不是平台算出的。",
             "Well-formed, but its authenticator was not computed by the platform.",
             Verdict.COUNTERFEIT, d.RICE_RUN, -1),
    DemoCase("not-activated", "从未激活的码", "A code never activated",
             "印好却从未贴到商品上的备用标签，不应出现在在售商品上。",
             "A spare label that was printed but never put on a bag.",
             Verdict.SUSPECT, d.RICE_SPARE, 0),
    DemoCase("cloned", "被复制的码", "A cloned code",
             "同一个码被 11 台设备在 9 个城市扫描，成都与广州两次扫描仅隔 40 分钟。",
             "One code scanned by 11 devices in 9 cities, Chengdu and Guangzhou 40 minutes apart.",
             Verdict.SUSPECT, d.RICE_RUN, 4),
    DemoCase("recalled", "召回批次的鲜牛奶", "Chilled milk from a recalled lot",
             "牧场到乳品厂到冷库全程 2–6 ℃ 冷链，之后因抽检不合格被品牌方召回。",
             "Kept at 2–6 °C from ranch to dairy to cold store, then recalled by the dairy "
             "after a failed sample.",
             Verdict.RECALLED, d.MILK_RUN, 0),
    DemoCase("expired", "已过期的鲜牛奶", "Milk past its date",
             "一个月前售出的一瓶鲜奶，保质期已过。",
             "A bottle sold a month ago, long past its date.",
             Verdict.CAUTION, d.MILK_OLD_RUN, 0),
    DemoCase("paired", "化妆品：展示码 + 隐藏验证码", "Serum with a display code and a hidden code",
             "直播可以展示外包装的码；刮开包装内的隐藏验证码才能最终核验。附第三方检测报告。",
             "The outer code may be shown on camera; the hidden code inside the pack settles it. "
             "With the independent lab's report.",
             Verdict.GENUINE, d.SERUM_PAIRED, 1, hidden_code=True),
    DemoCase("on-camera", "直播中展示过的展示码", "A display code shown on camera",
             "主播举到镜头前的一盒，被各地观众扫了 7 次：提示核验隐藏码，而不是判为仿冒。",
             "Held up to the camera and scanned by viewers across the country: a warning to "
             "check the hidden code, not a fake.",
             Verdict.CAUTION, d.SERUM_PAIRED, 2),
    DemoCase("diverted", "窜货：发往浙江、在新疆被扫", "Diverted: shipped to Zhejiang, scanned in Xinjiang",
             "整箱发往杭州直播基地，箱内商品却在乌鲁木齐被扫码：买家看到正品，品牌方收到窜货预警。",
             "The case went to the Hangzhou base, its boxes were scanned in Ürümqi: genuine to "
             "the buyer, a diversion alert to the brand.",
             Verdict.GENUINE, d.SERUM_CHANNEL, 0),
    DemoCase("nfc", "NFC 标签：一次真实的触碰", "NFC tag: a fresh tap",
             "每次点击都模拟一次新的触碰（计数器加一），服务端验证 SUN 报文。",
             "Each click simulates a new tap (the counter rises); the server checks the SUN message.",
             Verdict.GENUINE, d.SERUM_NFC, 0),
    DemoCase("nfc-replay", "NFC 标签：重放的旧链接", "NFC tag: a replayed link",
             "复制一次旧触碰的链接再打开：计数器没有增加。",
             "The link of an earlier tap, opened again: the counter did not rise.",
             Verdict.SUSPECT, d.SERUM_NFC, 0),
)  # fmt: skip


def case_links(session: Session, settings: Settings, encryptor: KeyEncryptor) -> list[CaseLink]:
    """Every case with its links, or nothing when the demo is not loaded."""
    if not demo_loaded(session):
        return []
    return [_link(session, settings, encryptor, c) for c in CASES]


def _link(session: Session, settings: Settings, encryptor: KeyEncryptor, c: DemoCase) -> CaseLink:
    keyring = keyring_for(settings)
    codes = CodeService(session, keyring, base_url=settings.base_url)
    if c.key == "forged":
        prefix = keyring.signer(c.gtin, c.run.lot).link_prefix(settings.base_url)
        return CaseLink(c, local_path(fast_link(prefix, FORGED_SERIAL, FORGED_TAG)), None)
    serials = DemoRepository(session).serials(c.run)
    if not 0 <= c.index < len(serials):
        return CaseLink(c, "/", None)
    trace = f"/console/trace?id={quote(item(c.gtin, serials[c.index]), safe='')}"
    if c.key == "nfc":
        return CaseLink(c, NFC_TAP_PATH, trace)
    if c.key == "nfc-replay":
        replay = local_path(tap_url(session, settings, encryptor, counter=1))
        return CaseLink(c, replay, trace)
    code = CodeRepository(session).code_by_data(c.gtin, None, serials[c.index])
    if code is None:
        return CaseLink(c, "/", trace)
    hidden = None
    if c.hidden_code:
        hidden = keyring.hidden_code(code.gtin, code.lot, code.serial, code.auth_version)
    history = f"/console/scans/codes/{code.id}"
    return CaseLink(c, local_path(codes.link(code)), trace, hidden, history)


def local_path(url: str) -> str:
    """The path and query of a link, so the landing page works on any host name."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
