"""Wuchang rice (五常大米): from two plots to a live-stream sale, each step stated by its party."""

from __future__ import annotations

from livetrace.codes.states import CodeState
from livetrace.demo import data as d
from livetrace.demo import events as e
from livetrace.demo.context import Demo
from livetrace.epcis.documents import Upload

CASES = [e.sscc("6970002", n) for n in (1, 2, 3)]
PALLET = e.sscc("6970002", 100)
PADDY_A07 = e.lot_class(d.PADDY_GTIN, d.PADDY_A07)
PADDY_B12 = e.lot_class(d.PADDY_GTIN, d.PADDY_B12)
RICE_A07 = e.lot_class(d.RICE_GTIN, d.RICE_LOT)
RICE_B12 = e.lot_class(d.RICE_GTIN, d.RICE_LOT_B)
SOLD = {0: "ZB-XY-880101", 1: "ZB-XY-880102", 4: "ZB-XY-880117"}  # bag (in issue order): order
SESSION = "小杨甄选 · 五常新米专场"


def load(demo: Demo) -> None:
    """Harvest, milling, QC, packing, shipping and the live-stream sale of the rice lots."""
    _harvest(demo)
    _mill(demo)
    _pack(demo)
    _ship(demo)
    _sell(demo)


def _harvest(demo: Demo) -> None:
    t, coop, mill = demo.clock, demo.glns[d.COOP], demo.glns[d.MILL]
    # Keys follow the rice template's origin attributes, so pages label them.
    plot_a = {"plot_code": "PLOT-A07", "plot_name": "民乐乡 A07 地块", "grower": "王建国",
              "plot_coordinates": {"lat": 44.9412, "lon": 127.1803}, "region_code": "230184",
              "variety": "稻花香2号", "harvest_date": t.day(50), "area_mu": 86}  # fmt: skip
    plot_b = {"plot_code": "PLOT-B12", "plot_name": "龙凤山 B12 地块", "grower": "李春花",
              "plot_coordinates": {"lat": 44.8701, "lon": 127.3012}, "region_code": "230184",
              "variety": "稻花香2号", "harvest_date": t.day(47), "area_mu": 54}  # fmt: skip
    move = e.Move(coop, d.PLOT_A07, mill, d.MILL_LINE,
                  (("desadv", e.bt(coop, "FH-2610-017")),))  # fmt: skip
    paddy = [(PADDY_A07, 20000.0, "KGM"), (PADDY_B12, 12000.0, "KGM")]
    demo.state(
        d.COOP,
        e.commission_bulk(t.at(50, "07:30"), d.PLOT_A07, PADDY_A07, 52000, "KGM", **plot_a),
        e.commission_bulk(t.at(47, "07:10"), d.PLOT_B12, PADDY_B12, 31000, "KGM", **plot_b),
        e.ship(t.at(30, "06:40"), d.PLOT_A07, [], move, paddy),
    )
    demo.state(d.MILL, e.receive(t.at(30, "10:15"), d.MILL_LINE, [], move, paddy))


def _mill(demo: Demo) -> None:
    t = demo.clock
    report = _qc_report(demo)
    url = demo.document(d.MILL, Upload(
        data=report.encode("utf-8"), kind="qc_report", title=f"出厂检验报告 {d.RICE_LOT}",
        filename=f"QC-{d.RICE_LOT}.txt", media_type="text/plain; charset=utf-8",
        links=[("lot", str(demo.lots[d.RICE_GTIN, d.RICE_LOT])),
               ("product", str(demo.products[d.RICE_GTIN]))],
    ))  # fmt: skip
    demo.state(
        d.MILL,
        e.transform(t.at(24, "08:00"), d.MILL_LINE, [(PADDY_A07, 20000)], [(RICE_A07, 13000)],
                    "KGM", lotNumber=d.RICE_LOT, mill_line="MILL-1", shift="早班",
                    production_date=t.day(24), milling_yield=0.65),
        e.inspect(t.at(24, "15:30"), d.MILL_LINE, RICE_A07, 2, url,
                  qc_certificate_no=f"QC-{d.RICE_LOT}", inspector="质检部 赵敏"),
        e.transform(t.at(18, "20:00"), d.MILL_LINE, [(PADDY_B12, 12000)], [(RICE_B12, 7800)],
                    "KGM", lotNumber=d.RICE_LOT_B, mill_line="MILL-1", shift="晚班",
                    production_date=t.day(18), milling_yield=0.65),
    )  # fmt: skip


def _qc_report(demo: Demo) -> str:
    return "\n".join([
        "五常金禾米业有限公司 出厂检验报告 / Factory QC report",
        f"产品 Product: 五常大米 稻花香2号 5kg  GTIN {d.RICE_GTIN}",
        f"批次 Lot: {d.RICE_LOT}  生产日期 Produced: {demo.clock.day(24)}",
        f"原粮 Paddy: {d.PADDY_A07} (民乐乡 A07 地块, 王建国)",
        "依据 Standard: GB/T 19266-2008 地理标志产品 五常大米",
        "水分 Moisture 14.6 % (≤ 15.5)  碎米 Broken 2.1 % (≤ 5.0)  杂质 Impurity 0.05 % (≤ 0.25)",
        "镉 Cd < 0.05 mg/kg (≤ 0.2)  黄曲霉毒素 B1 Aflatoxin B1 未检出 not detected",
        "结论 Verdict: 合格 conformant",
        "", "检验员 Inspector: 赵敏",
    ])  # fmt: skip


def _items(demo: Demo) -> list[str]:
    """The bags' EPCs, in issue order."""
    return [e.item(d.RICE_GTIN, s) for s in demo.items(d.RICE_RUN)]


def _pack(demo: Demo) -> None:
    t = demo.clock
    run = demo.issue(d.RICE_RUN)
    demo.issue(d.RICE_SPARE)  # spare labels: printed, never used
    expiry = t.day(24 - 365)
    items = _items(demo)
    demo.state(
        d.MILL,
        e.commission_items(t.at(23, "09:00"), d.MILL_LINE, items, d.RICE_LOT, expiry,
                           mill_line="MILL-1", shift="早班"),
        *[e.pack(t.at(23, "09:40"), d.MILL_LINE, case, items[4 * i : 4 * i + 4])
          for i, case in enumerate(CASES)],
        e.pack(t.at(23, "10:05"), d.MILL_LINE, PALLET, CASES),
        e.store(t.at(23, "11:00"), d.RICE_STORE, [PALLET]),
    )  # fmt: skip
    demo.activate(run)


def _ship(demo: Demo) -> None:
    t = demo.clock
    mill, carrier, streamer = demo.glns[d.MILL], demo.glns[d.CARRIER], demo.glns[d.STREAMER]
    order = e.bt(streamer, "PO-XY-2611-031")
    to_hub = e.Move(mill, d.RICE_STORE, streamer, d.HUB,
                    (("po", order), ("desadv", e.bt(mill, "DA-JH-0417")),
                     ("bol", e.bt(carrier, "SD2611000417"))))  # fmt: skip
    to_base = e.Move(carrier, d.HUB, streamer, d.LIVE_BASE,
                     (("po", order), ("bol", e.bt(carrier, "SD2611000522"))))  # fmt: skip
    demo.state(d.MILL, e.ship(t.at(20, "08:30"), d.RICE_STORE, [PALLET], to_hub))
    demo.state(
        d.CARRIER,
        e.receive(t.at(18, "16:20"), d.HUB, [PALLET], to_hub),
        e.store(t.at(18, "16:45"), d.HUB, [PALLET]),
        e.ship(t.at(16, "09:10"), d.HUB, [PALLET], to_base),
    )
    demo.state(d.STREAMER, e.receive(t.at(16, "14:00"), d.LIVE_BASE, [PALLET], to_base))


def _sell(demo: Demo) -> None:
    t, streamer = demo.clock, demo.glns[d.STREAMER]
    items = _items(demo)
    sold = [items[i] for i in SOLD]
    demo.state(
        d.STREAMER,
        e.unpack(t.at(3, "19:30"), d.LIVE_BASE, PALLET, CASES),
        e.unpack(t.at(3, "19:35"), d.LIVE_BASE, CASES[0], items[0:4]),
        e.unpack(t.at(3, "19:36"), d.LIVE_BASE, CASES[1], items[4:8]),
        *[e.sell(t.at(3, f"20:{12 + 7 * i:02d}"), d.LIVE_BASE, [epc],
                 e.bt(streamer, order), live_session=SESSION, host="小杨")
          for i, (epc, order) in enumerate(zip(sold, SOLD.values(), strict=True))],
        *[e.parcel(t.at(2, f"10:{10 + 5 * i:02d}"), d.LIVE_BASE, [epc], sender=streamer,
                   courier=demo.glns[d.CARRIER],
                   waybill=e.bt(demo.glns[d.CARRIER], f"SD26{i + 52}803911"))
          for i, epc in enumerate(sold)],
    )  # fmt: skip
    demo.set_state(d.RICE_GTIN, [demo.serial(d.RICE_RUN, i) for i in SOLD], CodeState.SOLD)
