"""A cosmetics batch (玻尿酸精华): filled, certified by an independent lab, sold on a live stream.

The boxes for the live stream carry a paired code (a public code the host may show on camera, and
a hidden code under a scratch-off layer); two gift boxes carry an NFC tag. The second case holds
boxes for the distribution channel: shipped to the live-stream base in Zhejiang, they turn up far
away (diversion, 窜货).
"""

from __future__ import annotations

from livetrace.codes.nfc import NfcService
from livetrace.codes.states import CodeState
from livetrace.demo import data as d
from livetrace.demo import events as e
from livetrace.demo.context import Demo
from livetrace.epcis.documents import Upload
from livetrace.identity.policy import SYSTEM

SERUM = e.lot_class(d.SERUM_GTIN, d.SERUM_LOT)
CASES = [e.sscc("6970005", n) for n in (1, 2)]
# Sold boxes: (run, position in issue order) and the order number.
SOLD = ((d.SERUM_PAIRED, 0, "ZB-XY-860520"), (d.SERUM_PAIRED, 1, "ZB-XY-860533"),
        (d.SERUM_NFC, 0, "ZB-XY-860547"))  # fmt: skip
REPORT_NO = "GZQT-2026-HZ-0915"


def load(demo: Demo) -> None:
    """Filling, the lab's certificate, packing, shipping, the sale, and the NFC tag."""
    _fill(demo)
    _certify(demo)
    _ship(demo)
    _sell(demo)
    _tag(demo)


def _epcs(demo: Demo, spec: d.RunSpec) -> list[str]:
    return [e.item(d.SERUM_GTIN, s) for s in demo.items(spec)]


def _case_contents(demo: Demo) -> list[list[str]]:
    """The first case holds the live-stream boxes (paired and tagged), the second the channel's."""
    return [_epcs(demo, d.SERUM_PAIRED) + _epcs(demo, d.SERUM_NFC), _epcs(demo, d.SERUM_CHANNEL)]


def _fill(demo: Demo) -> None:
    t = demo.clock
    paired = demo.issue(d.SERUM_PAIRED)
    tagged = demo.issue(d.SERUM_NFC)
    channel = demo.issue(d.SERUM_CHANNEL)
    contents = _case_contents(demo)
    demo.state(
        d.COSMETICS,
        e.commission_items(t.at(68, "10:00"), d.FILLING, contents[0] + contents[1],
                           d.SERUM_LOT,
                           t.day(68 - 3 * 365), filling_line="FILL-2", equipment="灌装机 GZ-04",
                           shift="白班", ingredient_lots="HA-2608-221, GLY-2607-118"),
        *[e.pack(t.at(68, "15:00"), d.FILLING, case, contents)
          for case, contents in zip(CASES, contents, strict=True)],
    )  # fmt: skip
    demo.activate(paired)
    demo.activate(tagged)
    demo.activate(channel)


def _certify(demo: Demo) -> None:
    t = demo.clock
    url = demo.document(d.LAB, Upload(
        data=_report(demo).encode("utf-8"), kind="certificate",
        title=f"检验检测报告 {REPORT_NO}", filename=f"{REPORT_NO}.txt",
        media_type="text/plain; charset=utf-8",
        links=[("lot", str(demo.lots[d.SERUM_GTIN, d.SERUM_LOT])),
               ("party", str(demo.parties[d.COSMETICS]))],
    ))  # fmt: skip
    demo.state(d.LAB, e.inspect(t.at(62, "16:00"), d.LAB_SITE, SERUM, 12, url,
                                lab_report_no=REPORT_NO, accreditation="CMA 2019190123U"))  # fmt: skip


def _report(demo: Demo) -> str:
    return "\n".join([
        "广州质量检测研究院 检验检测报告 / Test report",
        f"报告编号 Report no.: {REPORT_NO}   CMA 2019190123U",
        f"委托方 Client: {d.COSMETICS}",
        f"样品 Sample: 华美 玻尿酸修护精华 30ml  批号 Lot {d.SERUM_LOT}  GTIN {d.SERUM_GTIN}",
        f"抽样 Sampled: {demo.clock.day(67)}  报告 Issued: {demo.clock.day(62)}",
        "依据 Standard: 《化妆品安全技术规范》(2015 年版)",
        "菌落总数 Aerobic count < 10 CFU/g (≤ 1000)  霉菌和酵母菌 Moulds and yeasts < 10 CFU/g (≤ 100)",
        "铅 Pb < 0.5 mg/kg (≤ 10)  汞 Hg < 0.002 mg/kg (≤ 1)  砷 As < 0.1 mg/kg (≤ 2)",
        "结论 Conclusion: 所检项目符合标准要求 / all items tested conform",
    ])  # fmt: skip


def _ship(demo: Demo) -> None:
    t = demo.clock
    brand, carrier, streamer = demo.glns[d.COSMETICS], demo.glns[d.CARRIER], demo.glns[d.STREAMER]
    order = e.bt(streamer, "PO-XY-2609-118")
    to_hub = e.Move(brand, d.FILLING, streamer, d.HUB,
                    (("po", order), ("bol", e.bt(carrier, "SD2609001950"))))  # fmt: skip
    to_base = e.Move(carrier, d.HUB, streamer, d.LIVE_BASE,
                     (("po", order), ("bol", e.bt(carrier, "SD2609002033"))))  # fmt: skip
    demo.state(d.COSMETICS, e.ship(t.at(60, "09:00"), d.FILLING, CASES, to_hub))
    demo.state(
        d.CARRIER,
        e.receive(t.at(58, "15:30"), d.HUB, CASES, to_hub),
        e.ship(t.at(57, "08:00"), d.HUB, CASES, to_base),
    )
    demo.state(d.STREAMER, e.receive(t.at(57, "13:20"), d.LIVE_BASE, CASES, to_base))


def _sell(demo: Demo) -> None:
    t, streamer, carrier = demo.clock, demo.glns[d.STREAMER], demo.glns[d.CARRIER]
    serials = [demo.serial(spec, index) for spec, index, _ in SOLD]
    sold = [e.item(d.SERUM_GTIN, s) for s in serials]
    demo.state(
        d.STREAMER,
        e.unpack(t.at(5, "19:40"), d.LIVE_BASE, CASES[0], _case_contents(demo)[0]),
        *[e.sell(t.at(5, f"20:{30 + 6 * i:02d}"), d.LIVE_BASE, [epc], e.bt(streamer, order),
                 live_session="小杨甄选 · 秋冬修护专场", host="小杨")
          for i, (epc, (_, _, order)) in enumerate(zip(sold, SOLD, strict=True))],
        *[e.parcel(t.at(4, f"11:{5 + 4 * i:02d}"), d.LIVE_BASE, [epc], sender=streamer,
                   courier=carrier,
                   waybill=e.bt(carrier, f"SD26F{i + 33}0871"))
          for i, epc in enumerate(sold)],
    )  # fmt: skip
    demo.set_state(d.SERUM_GTIN, serials, CodeState.SOLD)


def _tag(demo: Demo) -> None:
    """An NFC key set for the brand and a tag on the first gift box."""
    nfc = NfcService(demo.session, demo.encryptor, demo.codes)
    nfc.create_key_set(SYSTEM, demo.parties[d.COSMETICS])
    code = demo.code(d.SERUM_GTIN, demo.serial(d.SERUM_NFC, 0))
    nfc.register_tag(SYSTEM, d.NFC_UID, code.id)
