"""The console's questions about scans: a code's history, heat by region, rule thresholds.

A brand sees its own codes and products; platform and regulators see everything
(`identity.policy`). Never commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from livetrace.catalog.models import Product
from livetrace.gs1.digital_link import parse_digital_link
from livetrace.identity import policy as access
from livetrace.identity.policy import Principal
from livetrace.identity.roles import Scope
from livetrace.kit.errors import LivetraceError
from livetrace.scans import places
from livetrace.scans.errors import InvalidThresholdsError, ScanCodeNotFoundError
from livetrace.scans.models import ScanRecord, ScanThreshold
from livetrace.scans.policy import Thresholds
from livetrace.scans.repository import ScanRepository

HISTORY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class RegionHeat:
    """Scans in one region, by verdict."""

    region: str | None
    city_zh: str | None
    city_en: str | None
    province: str | None
    total: int
    by_verdict: dict[str, int]


class ScanReads:
    """History, heat and thresholds, with access checks."""

    def __init__(self, repo: ScanRepository) -> None:
        self.repo = repo

    def history(self, principal: Principal, code_id: uuid.UUID) -> list[ScanRecord]:
        """A code's scans, oldest first (its brand, platform or regulators)."""
        owner = self.repo.code_owner(code_id)
        if owner is None or not access.can_read(principal, owner[1]):
            raise ScanCodeNotFoundError(f"no code {code_id}", field="code_id")
        access.require_scope(principal, Scope.READ)
        return list(self.repo.history(code_id, HISTORY_LIMIT))

    def find_code(self, principal: Principal, ref: str) -> uuid.UUID:
        """A code's id from its id or its Digital Link (authenticator not needed)."""
        access.require_scope(principal, Scope.READ)
        text = ref.strip()
        try:
            return uuid.UUID(text)
        except ValueError:
            pass
        gtin, lot, serial = link_data(text)
        record = self.repo.code(gtin, lot, serial) if gtin else None
        if record is None or not access.can_read(principal, record.brand_party_id):
            raise ScanCodeNotFoundError(
                "no code matches: give a code id or the code's Digital Link", field="code"
            )
        return record.id

    def heat(self, principal: Principal, *, since: datetime | None = None) -> list[RegionHeat]:
        """Scans per region, busiest first."""
        access.require_scope(principal, Scope.READ)
        brand = None if principal.is_overseer else principal.party_id
        regions: dict[str | None, dict[str, int]] = {}
        for region, verdict, count in self.repo.heat(brand=brand, since=since):
            regions.setdefault(region, {})[verdict] = count
        out = [_region_heat(region, counts) for region, counts in regions.items()]
        return sorted(out, key=lambda h: (-h.total, h.region or "~"))

    def get_thresholds(self, principal: Principal, gtin: str) -> Thresholds:
        """A product's thresholds (the defaults unless set)."""
        product = self._product(principal, gtin)
        access.require_read(principal, product.brand_party_id)
        row = self.repo.thresholds(product.id)
        if row is None:
            return Thresholds()
        return Thresholds(row.warn_devices, row.alarm_devices, row.travel_kmh)

    def set_thresholds(self, principal: Principal, gtin: str, values: Thresholds) -> Thresholds:
        """Set a product's thresholds (its brand's writers or the platform)."""
        product = self._product(principal, gtin)
        access.require_write(principal, product.brand_party_id)
        check_thresholds(values)
        row = self.repo.thresholds(product.id) or ScanThreshold(product_id=product.id)
        row.warn_devices, row.alarm_devices = values.warn_devices, values.alarm_devices
        row.travel_kmh = values.travel_kmh
        self.repo.save_thresholds(row)
        return Thresholds(row.warn_devices, row.alarm_devices, row.travel_kmh)

    def _product(self, principal: Principal, gtin: str) -> Product:
        product = self.repo.product_by_gtin(gtin)
        if product is None or not access.can_read(principal, product.brand_party_id):
            raise ScanCodeNotFoundError(f"no product with GTIN {gtin!r}", field="gtin")
        return product


def check_thresholds(values: Thresholds) -> None:
    """Raise unless the thresholds are in range and consistent."""
    if not 1 <= values.warn_devices <= 10_000:
        raise InvalidThresholdsError("warn_devices must be 1..10000", field="warn_devices")
    if not values.warn_devices <= values.alarm_devices <= 100_000:
        raise InvalidThresholdsError(
            "alarm_devices must be at least warn_devices (and at most 100000)",
            field="alarm_devices",
        )
    if not 50.0 <= values.travel_kmh <= 5_000.0:
        raise InvalidThresholdsError("travel_kmh must be 50..5000", field="travel_kmh")


def link_data(uri: str) -> tuple[str | None, str | None, str | None]:
    """GTIN, lot and serial of a Digital Link as far as it parses (no authenticator check)."""
    try:
        link = parse_digital_link(uri[:2048])
    except LivetraceError:
        return None, None, None
    data = dict(link.qualifiers)
    gtin = link.primary_key.value if link.primary_key.ai == "01" else None
    return gtin, data.get("10"), data.get("21")


def _region_heat(region: str | None, counts: dict[str, int]) -> RegionHeat:
    city = places.city_for_region(region)
    return RegionHeat(
        region=region,
        city_zh=city.name_zh if city else None,
        city_en=city.name_en if city else None,
        province=places.province_name(region),
        total=sum(counts.values()),
        by_verdict=counts,
    )
