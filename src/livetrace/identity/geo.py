"""Pure checks for coordinates and China administrative division codes (GB/T 2260)."""

from __future__ import annotations

import re

from livetrace.identity.errors import InvalidPartyDataError

# Province-level prefixes of GB/T 2260 codes (the first two of the six digits).
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

_REGION_RE = re.compile(r"^\d{6}$")


def validate_region_code(code: str, *, field: str = "region_code") -> str:
    """Accept a six-digit division code whose province part exists; return it unchanged."""
    if not _REGION_RE.match(code):
        raise InvalidPartyDataError(
            f"region code {code!r} must be six digits (GB/T 2260, e.g. 230184)", field=field
        )
    if code[:2] not in PROVINCES:
        raise InvalidPartyDataError(
            f"region code {code!r} names no province: {code[:2]!r} is not a GB/T 2260 prefix",
            field=field,
        )
    return code


def province_of(code: str) -> str:
    """The province name for a valid region code."""
    return PROVINCES[code[:2]]


def validate_coordinates(latitude: float | None, longitude: float | None) -> None:
    """Both or neither; WGS-84 degrees within range."""
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise InvalidPartyDataError("latitude and longitude go together", field=missing)
    if latitude is not None and not -90.0 <= latitude <= 90.0:
        raise InvalidPartyDataError(f"latitude {latitude} is outside -90..90", field="latitude")
    if longitude is not None and not -180.0 <= longitude <= 180.0:
        raise InvalidPartyDataError(
            f"longitude {longitude} is outside -180..180", field="longitude"
        )
