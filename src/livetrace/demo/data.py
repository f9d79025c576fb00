"""The demo's parties, locations, products and lots (plain data; check digits computed)."""

from __future__ import annotations

from typing import Any

from livetrace.gs1.keys import with_check_digit


def gln(body12: str) -> str:
    """A GLN from its first 12 digits."""
    return with_check_digit(body12)


def gtin(body13: str) -> str:
    """A GTIN-14 from its first 13 digits."""
    return with_check_digit(body13)


PARTIES: list[dict[str, Any]] = [
    {"name": "livetrace 联盟平台", "roles": ["platform"], "region_code": "110105"},
    {"name": "哈尔滨市市场监督管理局", "roles": ["regulator"], "region_code": "230100"},
    {"name": "五常市稻花香水稻种植合作社", "roles": ["farm", "supplier"], "company_prefix": "6970001",
     "gln": gln("697000100001"), "region_code": "230184", "latitude": 44.9319, "longitude": 127.1672},
    {"name": "五常金禾米业有限公司", "roles": ["brand", "manufacturer"], "company_prefix": "6970002",
     "gln": gln("697000200001"), "region_code": "230184", "latitude": 44.9187, "longitude": 127.1480},
    {"name": "呼伦贝尔绿源牧场", "roles": ["farm", "supplier"], "company_prefix": "6970003",
     "gln": gln("697000300001"), "region_code": "150700", "latitude": 49.2116, "longitude": 119.7658},
    {"name": "鲜享乳业股份有限公司", "roles": ["brand", "manufacturer"], "company_prefix": "6970004",
     "gln": gln("697000400001"), "region_code": "310115", "latitude": 31.2214, "longitude": 121.5440},
    {"name": "华美生物化妆品有限公司", "roles": ["brand", "manufacturer"], "company_prefix": "6970005",
     "gln": gln("697000500001"), "region_code": "440112", "latitude": 23.1579, "longitude": 113.4810},
    {"name": "广州质量检测研究院", "roles": ["lab"], "gln": gln("697000600001"), "region_code": "440106"},
    {"name": "顺达冷链物流", "roles": ["carrier", "warehouse"], "company_prefix": "6970007",
     "gln": gln("697000700001"), "region_code": "310112"},
    {"name": "小杨甄选直播间", "roles": ["streamer", "retailer"], "region_code": "330106"},
]  # fmt: skip

LOCATIONS: list[tuple[str, dict[str, Any]]] = [
    ("五常市稻花香水稻种植合作社", {"gln": gln("697000100001"), "extension": "PLOT-A07", "name": "民乐乡 A07 地块",
     "kind": "farm-plot", "region_code": "230184", "latitude": 44.9412, "longitude": 127.1803,
     "attributes": {"area_mu": 86, "soil": "黑土", "irrigation": "拉林河"}}),
    ("五常市稻花香水稻种植合作社", {"gln": gln("697000100001"), "extension": "PLOT-B12", "name": "龙凤山 B12 地块",
     "kind": "farm-plot", "region_code": "230184", "latitude": 44.8701, "longitude": 127.3012}),
    ("五常金禾米业有限公司", {"gln": gln("697000200001"), "extension": "MILL-1", "name": "五常加工厂 1 号线",
     "kind": "factory", "region_code": "230184", "latitude": 44.9187, "longitude": 127.1480}),
    ("五常金禾米业有限公司", {"gln": gln("697000200018"), "name": "五常成品仓", "kind": "warehouse",
     "region_code": "230184"}),
    ("呼伦贝尔绿源牧场", {"gln": gln("697000300001"), "name": "绿源一号牧场", "kind": "farm",
     "region_code": "150700", "latitude": 49.2116, "longitude": 119.7658}),
    ("鲜享乳业股份有限公司", {"gln": gln("697000400001"), "extension": "LINE-3", "name": "浦东乳品厂 3 号线",
     "kind": "factory", "region_code": "310115", "latitude": 31.2214, "longitude": 121.5440}),
    ("华美生物化妆品有限公司", {"gln": gln("697000500001"), "extension": "FILL-2", "name": "黄埔灌装车间 2 线",
     "kind": "factory", "region_code": "440112"}),
    ("顺达冷链物流", {"gln": gln("697000700001"), "name": "上海嘉定冷库", "kind": "warehouse",
     "region_code": "310114", "latitude": 31.3756, "longitude": 121.2655}),
]  # fmt: skip

PRODUCTS: list[dict[str, Any]] = [
    {"gtin": gtin("0697000200002"), "brand": "五常金禾米业有限公司", "template": "rice",
     "name": "五常大米 稻花香2号 5kg", "net_content": "5 kg",
     "description": "黑龙江五常核心产区，一年一季，现磨现发。",
     "attributes": {"variety": "稻花香2号", "geographical_indication": "五常大米 (国家地理标志产品)",
                    "grade": "一级", "storage_conditions": "阴凉干燥处"}},
    {"gtin": gtin("0697000400003"), "brand": "鲜享乳业股份有限公司", "template": "dairy",
     "name": "鲜享 巴氏杀菌鲜牛奶 950ml", "net_content": "950 ml",
     "attributes": {"pasteurisation": "pasteurised", "storage_min_c": 2, "storage_max_c": 6,
                    "storage_conditions": "2–6 ℃ 冷藏"}},
    {"gtin": gtin("0697000500004"), "brand": "华美生物化妆品有限公司", "template": "cosmetics",
     "name": "华美 玻尿酸修护精华 30ml", "net_content": "30 ml",
     "attributes": {"filing_number": "粤G妆网备字2026012345", "ingredient_origin": "山东 透明质酸钠"}},
]  # fmt: skip

LOTS: list[tuple[str, dict[str, Any]]] = [
    (PRODUCTS[0]["gtin"], {"lot_number": "WC2026A07", "production_date": "2026-10-28",
     "expiry_date": "2027-10-27", "attributes": {"plot_code": "PLOT-A07",
     "plot_coordinates": {"lat": 44.9412, "lon": 127.1803}, "grower": "王建国",
     "harvest_date": "2026-10-02", "paddy_lot": "PADDY-2026-A07", "mill_line": "MILL-1", "shift": "早班"}}),
    (PRODUCTS[0]["gtin"], {"lot_number": "WC2026B12", "production_date": "2026-11-03",
     "expiry_date": "2027-11-02", "attributes": {"plot_code": "PLOT-B12",
     "plot_coordinates": {"lat": 44.8701, "lon": 127.3012}, "grower": "李春花",
     "harvest_date": "2026-10-05", "paddy_lot": "PADDY-2026-B12", "mill_line": "MILL-1", "shift": "晚班"}}),
    (PRODUCTS[1]["gtin"], {"lot_number": "M20261118L3", "production_date": "2026-11-18",
     "expiry_date": "2026-11-25", "attributes": {"milk_source_farms": "绿源一号牧场",
     "milking_date": "2026-11-17", "raw_milk_lot": "RAW-20261117-01", "processing_line": "LINE-3",
     "shift": "夜班"}}),
    (PRODUCTS[2]["gtin"], {"lot_number": "HM26K0915", "production_date": "2026-09-15",
     "expiry_date": "2029-09-14", "attributes": {"ingredient_lots": "HA-2608-221, GLY-2607-118",
     "filling_line": "FILL-2", "equipment": "灌装机 GZ-04", "shift": "白班"}}),
]  # fmt: skip
