"""Pure template logic: attribute specifications and validation of attribute values."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from livetrace.catalog.errors import InvalidCatalogDataError, MissingAttributeError

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_URL = 500


class Layer(StrEnum):
    """The three data layers of a trace: where it grew, how it was made, how it travelled."""

    ORIGIN = "origin"
    PRODUCTION = "production"
    CIRCULATION = "circulation"


class Level(StrEnum):
    """Where a value is recorded: once per product, once per lot, or by events along the chain."""

    PRODUCT = "product"
    LOT = "lot"
    TRACE = "trace"


class AttrType(StrEnum):
    """Value types an attribute may have."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    COORDINATES = "coordinates"
    CHOICE = "choice"
    DOCUMENT = "document"
    URL = "url"  # an https link (a brand's follow or coupon page), at most 500 characters


class AttributeSpec(BaseModel):
    """One typed attribute a category template declares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: str
    label_zh: str = ""
    layer: Layer
    level: Level
    type: AttrType
    required: bool = False
    unit: str | None = None
    choices: tuple[str, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _check(self) -> AttributeSpec:
        if not _KEY_RE.match(self.key):
            raise ValueError(f"attribute key {self.key!r} must be snake_case ASCII")
        if self.type is AttrType.CHOICE and not self.choices:
            raise ValueError(f"choice attribute {self.key!r} needs choices")
        return self


class TemplateSpec(BaseModel):
    """A category template: a code, names and its attributes."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name: str = Field(min_length=1, max_length=200)
    name_zh: str = ""
    description: str = ""
    attributes: list[AttributeSpec]

    @model_validator(mode="after")
    def _unique_keys(self) -> TemplateSpec:
        keys = [a.key for a in self.attributes]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"attribute keys repeat: {', '.join(dupes)}")
        return self


def validate_values(
    specs: list[AttributeSpec], level: Level, values: dict[str, Any], *, field: str = "attributes"
) -> dict[str, Any]:
    """Check `values` against the specs of one level; return them normalised.

    Unknown keys are refused (a typo would otherwise silently lose data); every required
    attribute of the level must be present.
    """
    by_key = {s.key: s for s in specs if s.level is level}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        allowed = ", ".join(sorted(by_key)) or "none"
        raise InvalidCatalogDataError(
            f"unknown {level} attribute(s) {', '.join(unknown)}; this template allows: {allowed}",
            field=f"{field}.{unknown[0]}",
        )
    missing = [s.key for s in by_key.values() if s.required and _absent(values.get(s.key))]
    if missing:
        raise MissingAttributeError(
            f"required {level} attribute(s) missing: {', '.join(missing)}",
            field=f"{field}.{missing[0]}",
            details={"missing": missing},
        )
    return {k: _coerce(by_key[k], v, f"{field}.{k}") for k, v in values.items() if not _absent(v)}


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce(spec: AttributeSpec, value: Any, field: str) -> Any:  # noqa: PLR0911 - one branch per type
    t = spec.type
    if t in (AttrType.STRING, AttrType.DOCUMENT):
        return _expect(isinstance(value, str), value, "a string", field)
    if t is AttrType.INTEGER:
        return _expect(
            isinstance(value, int) and not isinstance(value, bool), value, "an integer", field
        )
    if t is AttrType.NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return _expect(ok, value, "a finite number", field)
    if t is AttrType.BOOLEAN:
        return _expect(isinstance(value, bool), value, "true or false", field)
    if t is AttrType.DATE:
        return _parse_iso(value, date.fromisoformat, "an ISO date (YYYY-MM-DD)", field)
    if t is AttrType.DATETIME:
        return _parse_datetime(value, field)
    if t is AttrType.COORDINATES:
        return _coordinates(value, field)
    if t is AttrType.URL:
        return _url(value, field)
    if value not in spec.choices:
        raise InvalidCatalogDataError(
            f"{value!r} is not one of {', '.join(spec.choices)}", field=field
        )
    return value


def _expect(ok: bool, value: Any, what: str, field: str) -> Any:
    if not ok:
        raise InvalidCatalogDataError(f"expected {what}, got {value!r}", field=field)
    return value


def _parse_iso(value: Any, parse: Any, what: str, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidCatalogDataError(f"expected {what}, got {value!r}", field=field)
    try:
        parse(value)
    except ValueError as exc:
        raise InvalidCatalogDataError(f"expected {what}, got {value!r}", field=field) from exc
    return value


def _parse_datetime(value: Any, field: str) -> str:
    what = "an ISO date-time with offset"
    _parse_iso(value, datetime.fromisoformat, what, field)
    if datetime.fromisoformat(value).tzinfo is None:
        raise InvalidCatalogDataError(f"expected {what}; {value!r} has no offset", field=field)
    return str(value)


def _coordinates(value: Any, field: str) -> dict[str, float]:
    if not (isinstance(value, dict) and set(value) == {"lat", "lon"}):
        raise InvalidCatalogDataError('expected {"lat": …, "lon": …}', field=field)
    lat, lon = value["lat"], value["lon"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        raise InvalidCatalogDataError("coordinates must be numbers", field=field)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidCatalogDataError(f"coordinates {lat},{lon} are out of range", field=field)
    return {"lat": float(lat), "lon": float(lon)}


def _url(value: Any, field: str) -> str:
    """An absolute https URL with a host: pages link to it, so nothing else may pass."""
    what = f"an https URL of at most {MAX_URL} characters"
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise InvalidCatalogDataError(f"expected {what}, got {value!r:.80}", field=field)
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise InvalidCatalogDataError(f"expected {what}, got {value!r:.80}", field=field)
    return value
