"""The demo's parties, locations, products, lots, code runs and scan places (plain data).

Dates are relative to the day the demo is loaded, so a fresh load always tells the same story:
rice milled three weeks ago and good for a year, milk a few days old, one milk lot long expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from livetrace.gs1.keys import with_check_digit


def gln(body12: str) -> str:
    """A GLN from its first 12 digits."""
    return with_check_digit(body12)


def gtin(body13: str) -> str:
    """A GTIN-14 from its first 13 digits."""
    return with_check_digit(body13)


PLATFORM = "livetrace 联盟平台"
REGULATOR = "哈尔滨市市场监督管理局"
COOP = "五常市稻花香水稻种植合作社"
MILL = "五常金禾米业有限公司"
RANCH = "呼伦贝尔绿源牧场"
DAIRY = "鲜享乳业股份有限公司"
COSMETICS = "华美生物化妆品有限公司"
LAB = "广州质量检测研究院"
CARRIER = "顺达冷链物流"
STREAMER = "小杨甄选直播间"

PARTIES: list[dict[str, Any]] = [
    {"name": PLATFORM, "roles": ["platform"], "region_code": "110105"},
    {"name": REGULATOR, "roles": ["regulator"], "region_code": "230100"},
    {"name": COOP, "roles": ["farm", "supplier"], "company_prefix": "6970001",
     "gln": gln("697000100001"), "region_code": "230184", "latitude": 44.9319, "longitude": 127.1672},
    {"name": MILL, "roles": ["brand", "manufacturer"], "company_prefix": "6970002",
     "gln": gln("697000200001"), "region_code": "230184", "latitude": 44.9187, "longitude": 127.1480},
    {"name": RANCH, "roles": ["farm", "supplier"], "company_prefix": "6970003",
     "gln": gln("697000300001"), "region_code": "150700", "latitude": 49.2116, "longitude": 119.7658},
    {"name": DAIRY, "roles": ["brand", "manufacturer"], "company_prefix": "6970004",
     "gln": gln("697000400001"), "region_code": "310115", "latitude": 31.2214, "longitude": 121.5440},
    {"name": COSMETICS, "roles": ["brand", "manufacturer"], "company_prefix": "6970005",
     "gln": gln("697000500001"), "region_code": "440112", "latitude": 23.1579, "longitude": 113.4810},
    {"name": LAB, "roles": ["lab"], "gln": gln("697000600001"), "region_code": "440106"},
    {"name": CARRIER, "roles": ["carrier", "warehouse"], "company_prefix": "6970007",
     "gln": gln("697000700001"), "region_code": "310112"},
    {"name": STREAMER, "roles": ["streamer", "retailer"], "gln": gln("697000800001"),
     "region_code": "330106", "latitude": 30.2590, "longitude": 120.1302},
]  # fmt: skip

# Location keys (GLN, extension) used by the chains.
PLOT_A07 = (gln("697000100001"), "PLOT-A07")
PLOT_B12 = (gln("697000100001"), "PLOT-B12")
MILL_LINE = (gln("697000200001"), "MILL-1")
RICE_STORE = (gln("697000200018"), "0")
RANCH_SITE = (gln("697000300001"), "0")
DAIRY_LINE = (gln("697000400001"), "LINE-3")
FILLING = (gln("697000500001"), "FILL-2")
LAB_SITE = (gln("697000600001"), "0")
COLD_STORE = (gln("697000700001"), "0")
HUB = (gln("697000700018"), "0")
LIVE_BASE = (gln("697000800001"), "0")

LOCATIONS: list[tuple[str, dict[str, Any]]] = [
    (COOP, {"gln": PLOT_A07[0], "extension": "PLOT-A07", "name": "民乐乡 A07 地块",
     "kind": "farm-plot", "region_code": "230184", "latitude": 44.9412, "longitude": 127.1803,
     "attributes": {"area_mu": 86, "soil": "黑土", "irrigation": "拉林河"}}),
    (COOP, {"gln": PLOT_B12[0], "extension": "PLOT-B12", "name": "龙凤山 B12 地块",
     "kind": "farm-plot", "region_code": "230184", "latitude": 44.8701, "longitude": 127.3012,
     "attributes": {"area_mu": 54, "soil": "黑土", "irrigation": "龙凤山水库"}}),
    (MILL, {"gln": MILL_LINE[0], "extension": "MILL-1", "name": "五常加工厂 1 号线",
     "kind": "factory", "region_code": "230184", "latitude": 44.9187, "longitude": 127.1480}),
    (MILL, {"gln": RICE_STORE[0], "name": "五常成品仓", "kind": "warehouse",
     "region_code": "230184", "latitude": 44.9201, "longitude": 127.1523}),
    (RANCH, {"gln": RANCH_SITE[0], "name": "绿源一号牧场", "kind": "farm",
     "region_code": "150700", "latitude": 49.2116, "longitude": 119.7658}),
    (DAIRY, {"gln": DAIRY_LINE[0], "extension": "LINE-3", "name": "浦东乳品厂 3 号线",
     "kind": "factory", "region_code": "310115", "latitude": 31.2214, "longitude": 121.5440}),
    (COSMETICS, {"gln": FILLING[0], "extension": "FILL-2", "name": "黄埔灌装车间 2 线",
     "kind": "factory", "region_code": "440112", "latitude": 23.1579, "longitude": 113.4810}),
    (LAB, {"gln": LAB_SITE[0], "name": "广州质检院 化妆品实验室", "kind": "lab",
     "region_code": "440106", "latitude": 23.1356, "longitude": 113.3610}),
    (CARRIER, {"gln": COLD_STORE[0], "name": "上海嘉定冷库", "kind": "warehouse",
     "region_code": "310114", "latitude": 31.3756, "longitude": 121.2655}),
    (CARRIER, {"gln": HUB[0], "name": "顺达 杭州余杭分拨仓", "kind": "warehouse",
     "region_code": "330110", "latitude": 30.4187, "longitude": 120.2995}),
    (STREAMER, {"gln": LIVE_BASE[0], "name": "小杨甄选 杭州直播基地", "kind": "live-room",
     "region_code": "330106", "latitude": 30.2590, "longitude": 120.1302}),
]  # fmt: skip

RICE_GTIN = gtin("0697000200002")
MILK_GTIN = gtin("0697000400003")
SERUM_GTIN = gtin("0697000500004")
# Bulk raw materials: trade items of the cooperative and the ranch, not sold to consumers.
PADDY_GTIN = gtin("0697000100005")
RAW_MILK_GTIN = gtin("0697000300006")

PRODUCTS: list[dict[str, Any]] = [
    {"gtin": RICE_GTIN, "brand": MILL, "template": "rice",
     "name": "五常大米 稻花香2号 5kg", "net_content": "5 kg",
     "description": "黑龙江五常核心产区，一年一季，现磨现发。",
     "attributes": {"variety": "稻花香2号", "geographical_indication": "五常大米 (国家地理标志产品)",
                    "grade": "一级", "storage_conditions": "阴凉干燥处",
                    "follow_url": "https://jinhe-rice.example/follow",
                    "coupon_url": "https://jinhe-rice.example/coupons/new-harvest"}},
    {"gtin": MILK_GTIN, "brand": DAIRY, "template": "dairy",
     "name": "鲜享 巴氏杀菌鲜牛奶 950ml", "net_content": "950 ml",
     "attributes": {"pasteurisation": "pasteurised", "storage_min_c": 2, "storage_max_c": 6,
                    "storage_conditions": "2–6 ℃ 冷藏",
                    "follow_url": "https://xianxiang-dairy.example/follow"}},
    {"gtin": SERUM_GTIN, "brand": COSMETICS, "template": "cosmetics",
     "name": "华美 玻尿酸修护精华 30ml", "net_content": "30 ml",
     "attributes": {"filing_number": "粤G妆网备字2026012345", "ingredient_origin": "山东 透明质酸钠",
                    "follow_url": "https://huamei-bio.example/follow",
                    "coupon_url": "https://huamei-bio.example/coupons/live"}},
]  # fmt: skip

RICE_LOT = "WC2026A07"
RICE_LOT_B = "WC2026B12"
PADDY_A07 = "PADDY-2026-A07"
PADDY_B12 = "PADDY-2026-B12"
MILK_LOT = "ML3-A0418"  # the cold-chain lot that is recalled
MILK_OLD_LOT = "ML3-A0391"  # an older lot, long past its date
RAW_MILK_LOT = "RAW-A0418"
SERUM_LOT = "HM26K0915"


def lots(today: date) -> list[tuple[str, dict[str, Any]]]:
    """The demo lots, dated back from `today`."""

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    return [
        (RICE_GTIN, {"lot_number": RICE_LOT, "production_date": ago(24),
         "expiry_date": ago(24 - 365), "attributes": {"plot_code": "PLOT-A07",
         "plot_coordinates": {"lat": 44.9412, "lon": 127.1803}, "grower": "王建国",
         "harvest_date": ago(50), "paddy_lot": PADDY_A07, "mill_line": "MILL-1", "shift": "早班"}}),
        (RICE_GTIN, {"lot_number": RICE_LOT_B, "production_date": ago(18),
         "expiry_date": ago(18 - 365), "attributes": {"plot_code": "PLOT-B12",
         "plot_coordinates": {"lat": 44.8701, "lon": 127.3012}, "grower": "李春花",
         "harvest_date": ago(47), "paddy_lot": PADDY_B12, "mill_line": "MILL-1", "shift": "晚班"}}),
        (MILK_GTIN, {"lot_number": MILK_LOT, "production_date": ago(3),
         "expiry_date": ago(3 - 15), "attributes": {"milk_source_farms": "绿源一号牧场",
         "milking_date": ago(4), "raw_milk_lot": RAW_MILK_LOT, "processing_line": "LINE-3",
         "shift": "夜班"}}),
        (MILK_GTIN, {"lot_number": MILK_OLD_LOT, "production_date": ago(30),
         "expiry_date": ago(30 - 7), "attributes": {"milk_source_farms": "绿源一号牧场",
         "milking_date": ago(31), "raw_milk_lot": "RAW-A0391", "processing_line": "LINE-3",
         "shift": "白班"}}),
        (SERUM_GTIN, {"lot_number": SERUM_LOT, "production_date": ago(68),
         "expiry_date": ago(68 - 3 * 365), "attributes": {
         "ingredient_lots": "HA-2608-221, GLY-2607-118", "filling_line": "FILL-2",
         "equipment": "灌装机 GZ-04", "shift": "白班"}}),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class RunSpec:
    """A run of item codes the demo issues: its serials are random, drawn by the code service.

    No demo serial is fixed: each load issues fresh ones (64 bits of randomness each, like any
    run), and the chains, scans and cases refer to items by run and position instead. A run is
    found again by its product, lot, size and pairing, which tell the demo's runs apart.
    """

    key: str
    gtin: str
    lot: str
    count: int
    pairs: bool = False


RICE_RUN = RunSpec("rice", RICE_GTIN, RICE_LOT, 12)  # three cases of four bags on one pallet
RICE_SPARE = RunSpec("rice-spare", RICE_GTIN, RICE_LOT, 4)  # printed, never put on a bag
MILK_RUN = RunSpec("milk", MILK_GTIN, MILK_LOT, 8)  # two crates of four bottles
MILK_OLD_RUN = RunSpec("milk-old", MILK_GTIN, MILK_OLD_LOT, 4)
SERUM_PAIRED = RunSpec("serum-paired", SERUM_GTIN, SERUM_LOT, 6, pairs=True)  # for the stream
SERUM_CHANNEL = RunSpec("serum-channel", SERUM_GTIN, SERUM_LOT, 6)  # the distribution channel
SERUM_NFC = RunSpec("serum-nfc", SERUM_GTIN, SERUM_LOT, 2)  # the gift boxes with an NFC tag
RUNS = (RICE_RUN, RICE_SPARE, MILK_RUN, MILK_OLD_RUN, SERUM_PAIRED, SERUM_CHANNEL, SERUM_NFC)

NFC_UID = "04A7C3B2D9E611"  # NXP UIDs start with 04
NFC_PADDING = bytes.fromhex("5A17C0DE42")  # the random padding a real tag would draw

# Coarse places for simulated scans: (city zh, city en, GB/T 2260 code, latitude, longitude).
CITIES: dict[str, tuple[str, str, str, float, float]] = {
    "harbin": ("哈尔滨", "Harbin", "230102", 45.7732, 126.6177),
    "beijing": ("北京", "Beijing", "110105", 39.9219, 116.4436),
    "shanghai": ("上海", "Shanghai", "310115", 31.2214, 121.5440),
    "hangzhou": ("杭州", "Hangzhou", "330106", 30.2590, 120.1302),
    "guangzhou": ("广州", "Guangzhou", "440106", 23.1291, 113.3532),
    "shenzhen": ("深圳", "Shenzhen", "440305", 22.5333, 113.9304),
    "chengdu": ("成都", "Chengdu", "510104", 30.6570, 104.0817),
    "wuhan": ("武汉", "Wuhan", "420106", 30.5460, 114.3420),
    "xian": ("西安", "Xi'an", "610113", 34.2304, 108.9402),
    "urumqi": ("乌鲁木齐", "Ürümqi", "650102", 43.7930, 87.6271),
}
