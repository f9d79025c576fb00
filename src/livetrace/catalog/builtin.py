"""Category templates shipped with livetrace (the seeds' "product templates")."""

from __future__ import annotations

from livetrace.catalog.attributes import AttributeSpec, AttrType, Layer, Level, TemplateSpec

ORI, P, C = Layer.ORIGIN, Layer.PRODUCTION, Layer.CIRCULATION
PR, LT, TR = Level.PRODUCT, Level.LOT, Level.TRACE
S, N, D, DT, G, DOC, CH, B, INT, URL = (
    AttrType.STRING, AttrType.NUMBER, AttrType.DATE, AttrType.DATETIME, AttrType.COORDINATES,
    AttrType.DOCUMENT, AttrType.CHOICE, AttrType.BOOLEAN, AttrType.INTEGER, AttrType.URL,
)  # fmt: skip


def _a(  # noqa: PLR0917 - a compact table row builder
    key: str, label: str, zh: str, layer: Layer, level: Level, typ: AttrType, *,
    required: bool = False, unit: str | None = None, choices: tuple[str, ...] = (),
) -> AttributeSpec:  # fmt: skip
    return AttributeSpec(
        key=key, label=label, label_zh=zh, layer=layer, level=level, type=typ,
        required=required, unit=unit, choices=choices,
    )  # fmt: skip


def _circulation() -> list[AttributeSpec]:
    """Every category travels: QC certificate and waybill are judged for completeness.

    The brand's follow and coupon pages are optional links the scan page offers its buyers.
    """
    return [
        _a("qc_certificate_no", "QC certificate number", "质检证书编号", C, TR, DOC, required=True),
        _a("waybill_no", "Waybill number", "物流运单号", C, TR, S, required=True),
        _a("storage_conditions", "Storage conditions", "储存条件", C, PR, S),
        _a("follow_url", "Follow the brand (https link)", "关注品牌链接", C, PR, URL),
        _a("coupon_url", "Coupon page (https link)", "优惠券链接", C, PR, URL),
    ]


RICE = TemplateSpec(
    code="rice", name="Rice", name_zh="大米",
    description="Paddy grown on registered plots, milled and packed.",
    attributes=[
        _a("variety", "Variety", "品种", ORI, PR, S, required=True),
        _a("geographical_indication", "Geographical indication", "地理标志", ORI, PR, S),
        _a("plot_code", "Plot code", "地块编号", ORI, LT, S, required=True),
        _a("plot_coordinates", "Plot coordinates", "地块坐标", ORI, LT, G, required=True),
        _a("grower", "Grower", "种植户", ORI, LT, S, required=True),
        _a("harvest_date", "Harvest date", "收获日期", ORI, LT, D, required=True),
        _a("paddy_lot", "Paddy lot", "稻谷批次", P, LT, S, required=True),
        _a("mill_line", "Milling line", "加工线", P, LT, S),
        _a("shift", "Shift", "班次", P, LT, S),
        _a("grade", "Grade", "等级", P, PR, CH, choices=("一级", "二级", "三级")),
        *_circulation(),
    ],
)  # fmt: skip

DAIRY = TemplateSpec(
    code="dairy", name="Dairy", name_zh="乳制品",
    description="Raw milk from farms, processed, kept cold.",
    attributes=[
        _a("milk_source_farms", "Source farms", "奶源牧场", ORI, LT, S, required=True),
        _a("milking_date", "Milking date", "挤奶日期", ORI, LT, D, required=True),
        _a("raw_milk_lot", "Raw-milk lot", "生乳批次", P, LT, S, required=True),
        _a("processing_line", "Processing line", "生产线", P, LT, S, required=True),
        _a("pasteurisation", "Heat treatment", "杀菌工艺", P, PR, CH,
           choices=("pasteurised", "UHT", "ESL")),
        _a("shift", "Shift", "班次", P, LT, S),
        _a("storage_min_c", "Storage minimum", "储存最低温度", C, PR, N, unit="Cel", required=True),
        _a("storage_max_c", "Storage maximum", "储存最高温度", C, PR, N, unit="Cel", required=True),
        *_circulation(),
    ],
)  # fmt: skip

COSMETICS = TemplateSpec(
    code="cosmetics", name="Cosmetics", name_zh="化妆品",
    description="Ingredient lots into a filled batch, with a lab report and filing number.",
    attributes=[
        _a("filing_number", "NMPA filing/registration no.", "备案/注册编号", P, PR, S,
           required=True),
        _a("ingredient_lots", "Ingredient lots", "原料批次", ORI, LT, S, required=True),
        _a("ingredient_origin", "Key ingredient origin", "核心原料产地", ORI, PR, S),
        _a("filling_line", "Filling line", "灌装线", P, LT, S, required=True),
        _a("equipment", "Equipment", "设备", P, LT, S),
        _a("shift", "Shift", "班次", P, LT, S),
        _a("lab_report_no", "Lab report number", "检测报告编号", C, TR, DOC, required=True),
        *_circulation(),
    ],
)  # fmt: skip

APPAREL = TemplateSpec(
    code="apparel", name="Apparel", name_zh="服装",
    description="Fibre to garment; RFID care data travels with the item.",
    attributes=[
        _a("fibre_content", "Fibre content", "纤维成分", ORI, PR, S, required=True),
        _a("fibre_origin", "Fibre origin", "原料产地", ORI, LT, S),
        _a("fabric_lot", "Fabric lot", "面料批次", P, LT, S, required=True),
        _a("factory_line", "Sewing line", "缝制线", P, LT, S),
        _a("safety_category", "GB 18401 safety category", "安全技术类别", P, PR, CH,
           choices=("A", "B", "C"), required=True),
        _a("care_instructions", "Care instructions", "洗涤说明", C, PR, S),
        *_circulation(),
    ],
)  # fmt: skip

TEA = TemplateSpec(
    code="tea", name="Tea", name_zh="茶叶",
    description="Leaves picked on a garden plot, processed into a batch.",
    attributes=[
        _a("tea_type", "Tea type", "茶类", ORI, PR, CH,
           choices=("green", "black", "oolong", "white", "yellow", "dark"), required=True),
        _a("garden_plot", "Garden plot", "茶园地块", ORI, LT, S, required=True),
        _a("plot_coordinates", "Plot coordinates", "地块坐标", ORI, LT, G),
        _a("picking_date", "Picking date", "采摘日期", ORI, LT, D, required=True),
        _a("grower", "Grower", "茶农", ORI, LT, S),
        _a("processing_workshop", "Processing workshop", "加工车间", P, LT, S, required=True),
        _a("pesticide_test_passed", "Pesticide residue test passed", "农残检测合格", P, LT, B),
        _a("altitude_m", "Garden altitude", "茶园海拔", ORI, PR, INT, unit="m"),
        *_circulation(),
    ],
)  # fmt: skip

BUILTIN_TEMPLATES: tuple[TemplateSpec, ...] = (RICE, DAIRY, COSMETICS, APPAREL, TEA)
