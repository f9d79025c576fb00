"""Words the scan page shows for stored keys: attribute labels, units, transaction types, places.

Catalog templates label their own attributes; events may carry more (an `lt:` extension such as
a plot's name or area): those get their labels here, so a buyer never reads a raw key. Pure data
and lookups, no database.
"""

from __future__ import annotations

from livetrace.identity.geo import PROVINCES
from livetrace.scans import places

# Attribute keys events carry that no built-in template declares: (zh, en, unit).
# fmt: off
EXTRA_LABELS: dict[str, tuple[str, str, str | None]] = {
    "plot_name": ("地块名称", "Plot name", None),
    "region_code": ("所在地区", "Region", None),
    "area_mu": ("地块面积", "Plot area", "mu"),
    "soil": ("土壤", "Soil", None),
    "irrigation": ("灌溉水源", "Irrigation", None),
    "herd": ("牛群", "Herd", None),
    "farm_coordinates": ("牧场坐标", "Farm coordinates", None),
    "fat_percent": ("乳脂率", "Fat", "%"),
    "protein_percent": ("蛋白质含量", "Protein", "%"),
    "milling_yield": ("出米率", "Milling yield", "ratio"),
    "heat_treatment": ("杀菌条件", "Heat treatment", None),
    "production_date": ("生产日期", "Production date", None),
    "inspector": ("检验员", "Inspector", None),
    "accreditation": ("资质认定", "Accreditation", None),
    "live_session": ("直播场次", "Live session", None),
    "host": ("主播", "Host", None),
    # EPCIS instance/lot master data (ILMD) a commissioning event may carry
    "itemExpirationDate": ("保质期至", "Best before", None),
    "bestBeforeDate": ("最佳食用期至", "Best before", None),
    "sellByDate": ("销售截止", "Sell by", None),
    "productionDate": ("生产日期", "Production date", None),
    "countryOfOrigin": ("原产国", "Country of origin", None),
}

# Choice values the built-in templates store in one language, in both: (zh, en).
CHOICES: dict[str, tuple[str, str]] = {
    "pasteurised": ("巴氏杀菌", "pasteurised"), "UHT": ("超高温灭菌 (UHT)", "UHT"),
    "ESL": ("延长保质期 (ESL)", "ESL"),
    "一级": ("一级", "grade 1"), "二级": ("二级", "grade 2"), "三级": ("三级", "grade 3"),
    "green": ("绿茶", "green"), "black": ("红茶", "black"), "oolong": ("乌龙茶", "oolong"),
    "white": ("白茶", "white"), "yellow": ("黄茶", "yellow"), "dark": ("黑茶", "dark"),
}

# Units as written in templates and events, in words a buyer reads: (zh, en).
UNITS: dict[str, tuple[str, str]] = {
    "Cel": ("℃", "°C"), "CEL": ("℃", "°C"), "mu": ("亩", "mu"), "m": ("米", "m"),
    "%": ("%", "%"), "KGM": ("千克", "kg"), "LTR": ("升", "L"), "kg": ("千克", "kg"),
}

# CBV 2.0 business transaction types (`bizTransactionList[].type`): (zh, en).
TRANSACTION_TYPES: dict[str, tuple[str, str]] = {
    "bol": ("运单", "Waybill"),
    "desadv": ("发货通知", "Despatch advice"),
    "recadv": ("收货通知", "Receiving advice"),
    "po": ("采购订单", "Purchase order"),
    "poc": ("采购订单确认", "Purchase order confirmation"),
    "inv": ("发票", "Invoice"),
    "prodorder": ("生产订单", "Production order"),
    "rma": ("退货授权", "Return authorisation"),
    "pedigree": ("流向凭证", "Pedigree"),
    "testprd": ("检测流程", "Test procedure"),
    "testres": ("检测结果", "Test result"),
    "upevt": ("上游事件", "Upstream event"),
}
# Waybill-like types: the papers that travel with a consignment and name what a carrier moved
# (the carrier's bill of lading, the sender's despatch advice, the receiver's receiving advice).
# Orders, invoices and the rest are commercial or quality documents: the page lists them apart,
# as "orders and documents", so the "Waybills" list stays what a buyer would ask a courier about.
WAYBILL_TYPES = frozenset({"bol", "desadv", "recadv"})

PROVINCES_EN: dict[str, str] = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
    "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi",
    "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan",
    "54": "Tibet", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang", "71": "Taiwan", "81": "Hong Kong", "82": "Macao",
}
# fmt: on


def unit_text(unit: str | None) -> tuple[str, str]:
    """A unit in (zh, en) words; as written when unknown."""
    if not unit:
        return "", ""
    return UNITS.get(unit, (unit, unit))


def short_kind(kind: str) -> str:
    """A CBV type as its bare name, from `bol`, `https://ref.gs1.org/cbv/BTT-bol` or
    `urn:epcglobal:cbv:btt:bol`."""
    return kind.rsplit("/", 1)[-1].rsplit(":", 1)[-1].removeprefix("BTT-")


def transaction_type(kind: str | None) -> tuple[str, str]:
    """A transaction type in (zh, en) words; a generic word when the event named none."""
    if kind is None:
        return "单据", "Document"
    return TRANSACTION_TYPES.get(short_kind(kind), (kind, kind))


def region_name(code: str) -> tuple[str, str] | None:
    """A GB/T 2260 code as a place name (zh, en): the bundled city, else the province."""
    province = places.province_of(code)
    if province is None:
        return None
    city = places.city_for_region(code)
    zh_province, en_province = PROVINCES[province], PROVINCES_EN.get(province, "")
    if city is None:
        return zh_province, en_province or zh_province
    if places.is_municipality(code):
        return city.name_zh, city.name_en
    return f"{zh_province}{city.name_zh}", f"{city.name_en}, {en_province}".strip(", ")
