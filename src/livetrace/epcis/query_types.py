"""Types of the EPCIS query engine: its errors, the parsed conditions and `EventQuery`. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from livetrace.epcis.errors import EpcisError
from livetrace.kit.errors import ConflictError, NotFoundError, ValidationError

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000


class QueryParameterError(EpcisError, ValidationError):
    """A query parameter that is not a standard one, or whose value is malformed."""

    code = "epcis-query-parameter"
    epcis_type = "epcisException:QueryParameterException"


class QueryTooLargeError(EpcisError, ValidationError):
    """More events match than `maxEventCount` allows."""

    code = "epcis-query-too-large"
    epcis_type = "epcisException:QueryTooLargeException"


class NoSuchNameError(EpcisError, NotFoundError):
    """A named query, event or resource that does not exist (or is not visible)."""

    code = "epcis-no-such-name"
    epcis_type = "epcisException:NoSuchNameException"


class UnsupportedQueryParameterError(QueryParameterError):
    """A standard query parameter this repository does not evaluate (its data is not indexed)."""

    code = "epcis-query-unsupported"


class QueryNameExistsError(EpcisError, ConflictError):
    """A named query with this name exists already."""

    code = "epcis-query-exists"
    epcis_type = "epcisException:ResourceAlreadyExistsException"


@dataclass(frozen=True)
class ColumnIn:
    """An event column equal to one of `values`."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ColumnCompare:
    """An event time column compared with a bound (`GE`/`LT`)."""

    column: str
    op: str
    value: datetime


@dataclass(frozen=True)
class NotNull:
    """An event column that must be present (e.g. `EXISTS_errorDeclaration`)."""

    column: str


@dataclass(frozen=True)
class LocationIn:
    """Read point or business location equal to (or, `descendants`, below) one of `values`."""

    column: str
    values: tuple[str, ...]
    descendants: bool


@dataclass(frozen=True)
class EpcMatch:
    """An identifier in one of `roles` equal to one of `exact` or LIKE one of `patterns`."""

    roles: tuple[str, ...]
    exact: tuple[str, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class QuantityCompare:
    """A quantity element's quantity compared with `value` (in `uom` when given)."""

    op: str
    values: tuple[Decimal, ...]
    uom: str | None


@dataclass(frozen=True)
class LinkIn:
    """A bizTransaction / source / destination of `type` whose value is one of `values`."""

    kind: str
    type: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FieldCompare:
    """An ILMD or extension field (`section`, full IRI `name`) compared with values.

    `op` is EQ (any of `values`) or an inequality on one number or time; `EXISTS` needs none.
    """

    section: str
    names: tuple[str, ...]
    op: str
    values: tuple[str | Decimal | datetime, ...] = ()


@dataclass(frozen=True)
class SensorCompare:
    """One condition on a sensor report: `attr` compared with values (unit-converted)."""

    attr: str
    op: str
    values: tuple[Any, ...]
    uom: str | None = None


@dataclass(frozen=True)
class SensorReportMatch:
    """Some single sensor report of the event satisfies every condition."""

    conditions: tuple[SensorCompare, ...]


@dataclass(frozen=True)
class DocumentListIn:
    """A list inside the stored event JSON (`path`) containing one of `values`."""

    path: tuple[str, ...]
    values: tuple[str, ...]


Condition = (
    ColumnIn | ColumnCompare | NotNull | LocationIn | EpcMatch | QuantityCompare | LinkIn
    | FieldCompare | SensorReportMatch | DocumentListIn
)  # fmt: skip


@dataclass(frozen=True)
class EventQuery:
    """A parsed SimpleEventQuery: conditions (all must hold) plus ordering and limits."""

    conditions: tuple[Condition, ...] = ()
    order_by: str = "log_index"
    descending: bool = False
    event_count_limit: int | None = None
    max_event_count: int | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class PageControls:
    """`perPage` and `nextPageToken` of a request."""

    per_page: int = DEFAULT_PER_PAGE
    token: str | None = None
