"""Chilled milk (巴氏鲜奶): ranch to dairy to cold store to buyers, kept at 2–6 ℃ all the way.

The fresh lot is later recalled by the dairy (a third-party sample failed); an older lot of the
same milk was sold a month ago and is long past its date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from livetrace.codes.states import CodeState
from livetrace.demo import data as d
from livetrace.demo import events as e
from livetrace.demo.context import Demo
from livetrace.epcis.documents import Upload
from livetrace.identity.policy import SYSTEM
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin

RAW = e.lot_class(d.RAW_MILK_GTIN, d.RAW_MILK_LOT)
MILK = e.lot_class(d.MILK_GTIN, d.MILK_LOT)
CRATES = [e.sscc("6970004", n) for n in (1, 2)]
SOLD = {0: "ZB-XY-880231", 1: "ZB-XY-880236", 4: "ZB-XY-880240"}  # bottle (issue order): order
RECALL_REASON = (
    "第三方抽检：本批次菌落总数超出 GB 19645-2010 限量，召回同批次全部产品 / "
    "A third-party sample of this lot exceeded the GB 19645-2010 aerobic plate count limit"
)


def load(demo: Demo) -> None:
    """The fresh lot's cold chain and sale, its recall, and the old lot's short story."""
    _produce(demo)
    _cold_chain(demo)
    _sell(demo)
    _old_lot(demo)
    _recall(demo)


def _produce(demo: Demo) -> None:
    t, ranch, dairy = demo.clock, demo.glns[d.RANCH], demo.glns[d.DAIRY]
    move = e.Move(ranch, d.RANCH_SITE, dairy, d.DAIRY_LINE,
                  (("desadv", e.bt(ranch, "LY-RAW-1117")),))  # fmt: skip
    raw = [(RAW, 12000.0, "LTR")]
    demo.state(
        d.RANCH,
        e.commission_bulk(t.at(4, "05:00"), d.RANCH_SITE, RAW, 12000, "LTR",
                          milk_source_farms="绿源一号牧场", herd="荷斯坦奶牛 320 头",
                          milking_date=t.day(4), region_code="150700",
                          farm_coordinates={"lat": 49.2116, "lon": 119.7658},
                          fat_percent=3.9, protein_percent=3.3),
        e.ship(t.at(4, "06:30"), d.RANCH_SITE, [], move, raw),
    )  # fmt: skip
    run = demo.issue(d.MILK_RUN)
    items = [e.item(d.MILK_GTIN, s) for s in demo.items(d.MILK_RUN)]
    demo.state(
        d.DAIRY,
        e.receive(t.at(3, "01:40"), d.DAIRY_LINE, [], move, raw),
        e.transform(t.at(3, "03:00"), d.DAIRY_LINE, [(RAW, 12000)], [(MILK, 11400)], "LTR",
                    lotNumber=d.MILK_LOT, processing_line="LINE-3", shift="夜班",
                    heat_treatment="75 ℃ / 15 s", production_date=t.day(3)),
        e.commission_items(t.at(3, "05:00"), d.DAIRY_LINE, items, d.MILK_LOT, t.day(3 - 15),
                           processing_line="LINE-3", shift="夜班"),
        *[e.pack(t.at(3, "05:20"), d.DAIRY_LINE, crate, items[4 * i : 4 * i + 4])
          for i, crate in enumerate(CRATES)],
    )  # fmt: skip
    demo.activate(run)
    _release(demo)


def _release(demo: Demo) -> None:
    """The dairy's own release test, signed as a QC report (the later third-party sample fails)."""
    t = demo.clock
    report = "\n".join([
        "鲜享乳业股份有限公司 出厂检验报告 / Release test report",
        f"产品 Product: 鲜享 巴氏杀菌鲜牛奶 950ml  GTIN {d.MILK_GTIN}  批次 Lot {d.MILK_LOT}",
        f"生乳 Raw milk: {d.RAW_MILK_LOT} (绿源一号牧场)  杀菌 Heat treatment: 75 ℃ / 15 s",
        "依据 Standard: GB 19645-2010 巴氏杀菌乳",
        "蛋白质 Protein 3.2 g/100g (≥ 2.9)  脂肪 Fat 3.8 g/100g (≥ 3.1)  酸度 Acidity 14 °T",
        "菌落总数 Aerobic count 2.1×10³ CFU/g (≤ 1×10⁵)  大肠菌群 Coliforms < 1 CFU/g",
        "结论 Verdict: 合格 conformant",
    ])  # fmt: skip
    url = demo.document(d.DAIRY, Upload(
        data=report.encode("utf-8"), kind="qc_report", title=f"出厂检验报告 {d.MILK_LOT}",
        filename=f"QC-{d.MILK_LOT}.txt", media_type="text/plain; charset=utf-8",
        links=[("lot", str(demo.lots[d.MILK_GTIN, d.MILK_LOT]))],
    ))  # fmt: skip
    demo.state(d.DAIRY, e.inspect(t.at(3, "06:20"), d.DAIRY_LINE, MILK, 6, url,
                                  qc_certificate_no=f"QC-{d.MILK_LOT}"))  # fmt: skip


def _readings(start: datetime, values: list[float]) -> list[tuple[datetime, float]]:
    return [(start + timedelta(minutes=30 * i), v) for i, v in enumerate(values)]


def _cold_chain(demo: Demo) -> None:
    t = demo.clock
    dairy, carrier, streamer = demo.glns[d.DAIRY], demo.glns[d.CARRIER], demo.glns[d.STREAMER]
    order = e.bt(streamer, "PO-XY-2611-044")
    to_store = e.Move(dairy, d.DAIRY_LINE, streamer, d.COLD_STORE,
                      (("po", order), ("bol", e.bt(carrier, "SD2611000688"))))  # fmt: skip
    to_base = e.Move(carrier, d.COLD_STORE, streamer, d.LIVE_BASE,
                     (("po", order), ("bol", e.bt(carrier, "SD2611000702"))))  # fmt: skip
    leg1 = _readings(t.at(3, "07:00"), [3.4, 3.6, 3.9, 4.1, 4.4, 4.2, 3.8])
    leg2 = _readings(t.at(2, "06:00"), [3.2, 3.5, 3.9, 4.6, 5.1, 4.7, 4.3, 4.0, 3.7, 3.6])
    demo.state(d.DAIRY, e.ship(t.at(3, "06:50"), d.DAIRY_LINE, CRATES, to_store))
    demo.state(
        d.CARRIER,
        e.sensor_report(t.at(3, "10:00"), CRATES, "urn:epc:id:giai:6970007.TL-0231", leg1,
                        low=2, high=6),
        e.receive(t.at(3, "10:10"), d.COLD_STORE, CRATES, to_store),
        e.store(t.at(3, "10:25"), d.COLD_STORE, CRATES),
        e.ship(t.at(2, "05:50"), d.COLD_STORE, CRATES, to_base),
        e.sensor_report(t.at(2, "10:30"), CRATES, "urn:epc:id:giai:6970007.TL-0187", leg2,
                        low=2, high=6),
    )  # fmt: skip
    demo.state(d.STREAMER, e.receive(t.at(2, "10:40"), d.LIVE_BASE, CRATES, to_base))


def _sell(demo: Demo) -> None:
    t, streamer, carrier = demo.clock, demo.glns[d.STREAMER], demo.glns[d.CARRIER]
    items = [e.item(d.MILK_GTIN, s) for s in demo.items(d.MILK_RUN)]
    sold = [items[i] for i in SOLD]
    demo.state(
        d.STREAMER,
        e.unpack(t.at(1, "19:50"), d.LIVE_BASE, CRATES[0], items[0:4]),
        e.unpack(t.at(1, "19:51"), d.LIVE_BASE, CRATES[1], items[4:8]),
        *[e.sell(t.at(1, f"20:{20 + 4 * i:02d}"), d.LIVE_BASE, [epc], e.bt(streamer, order),
                 live_session="小杨甄选 · 早餐牛奶节", host="小杨")
          for i, (epc, order) in enumerate(zip(sold, SOLD.values(), strict=True))],
        *[e.parcel(t.at(1, f"21:{10 + 3 * i:02d}"), d.LIVE_BASE, [epc], sender=streamer,
                   courier=carrier,
                   waybill=e.bt(carrier, f"SD26C{i + 71}1204"))
          for i, epc in enumerate(sold)],
    )  # fmt: skip
    demo.set_state(d.MILK_GTIN, [demo.serial(d.MILK_RUN, i) for i in SOLD], CodeState.SOLD)


def _old_lot(demo: Demo) -> None:
    t, dairy, streamer = demo.clock, demo.glns[d.DAIRY], demo.glns[d.STREAMER]
    move = e.Move(dairy, d.DAIRY_LINE, streamer, d.LIVE_BASE,
                  (("bol", e.bt(demo.glns[d.CARRIER], "SD2610000311")),))  # fmt: skip
    run = demo.issue(d.MILK_OLD_RUN)
    old_items = [e.item(d.MILK_GTIN, s) for s in demo.items(d.MILK_OLD_RUN)]
    demo.state(
        d.DAIRY,
        e.commission_items(t.at(30, "05:00"), d.DAIRY_LINE, old_items, d.MILK_OLD_LOT,
                           t.day(30 - 7), processing_line="LINE-3", shift="白班"),
        e.ship(t.at(30, "07:00"), d.DAIRY_LINE, old_items, move),
    )  # fmt: skip
    demo.activate(run)
    demo.state(
        d.STREAMER,
        e.receive(t.at(29, "11:00"), d.LIVE_BASE, old_items, move),
        e.sell(t.at(28, "20:30"), d.LIVE_BASE, old_items[:1], e.bt(streamer, "ZB-XY-870912"),
               live_session="小杨甄选 · 十月鲜奶周", host="小杨"),
    )  # fmt: skip
    demo.set_state(d.MILK_GTIN, demo.items(d.MILK_OLD_RUN)[:1], CodeState.SOLD)


def _recall(demo: Demo) -> None:
    scope = TraceOrigin(kind=OriginKind.LOT, gtin=d.MILK_GTIN, lot=d.MILK_LOT)
    RecallService(demo.session, demo.encryptor, demo.settings.log_origin).open(
        SYSTEM, demo.parties[d.DAIRY], RecallOpen(scope=scope, reason=RECALL_REASON)
    )
    demo.set_state(d.MILK_GTIN, demo.items(d.MILK_RUN), CodeState.RECALLED)
