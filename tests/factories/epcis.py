"""Builders for realistic EPCIS events and documents: commissioning, packing, shipping, sensors.

The scenario is a Wuchang rice mill: bags are commissioned with lot data, packed into cases on a
pallet (SSCC), shipped to a distribution centre with a purchase order and despatch advice, and the
truck reports temperature and humidity on the way. Identifiers are EPC URNs under one company
prefix; events are distinct because serials and times advance with `n`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PREFIX = "6901234"
MILL = f"urn:epc:id:sgln:{PREFIX}.00001.0"
DC = f"urn:epc:id:sgln:{PREFIX}.00002.0"
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
KINDS = ("commission", "aggregate", "ship", "sensor")


def _time(n: int) -> str:
    return (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S.000+08:00")


def _sgtin(n: int, i: int = 0) -> str:
    return f"urn:epc:id:sgtin:{PREFIX}.012345.{n * 10 + i}"


def _sscc(n: int) -> str:
    return f"urn:epc:id:sscc:{PREFIX}.{n:010d}"


def _common(n: int) -> dict[str, Any]:
    return {"eventTime": _time(n), "eventTimeZoneOffset": "+08:00"}


def commissioning(n: int, items: int = 4) -> dict[str, Any]:
    """An ObjectEvent ADD commissioning rice bags, with lot and expiry in `ilmd`."""
    return {
        "type": "ObjectEvent", **_common(n), "action": "ADD",
        "epcList": [_sgtin(n, i) for i in range(items)],
        "bizStep": "commissioning", "disposition": "active",
        "readPoint": {"id": MILL}, "bizLocation": {"id": MILL},
        "ilmd": {"cbvmda:lotNumber": f"WC2026-{n % 97:03d}",
                 "cbvmda:itemExpirationDate": "2027-09-01"},
    }  # fmt: skip


def aggregation(n: int, items: int = 4) -> dict[str, Any]:
    """An AggregationEvent ADD packing bags onto a pallet."""
    return {
        "type": "AggregationEvent", **_common(n), "action": "ADD",
        "parentID": _sscc(n), "childEPCs": [_sgtin(n, i) for i in range(items)],
        "bizStep": "packing", "disposition": "in_progress",
        "readPoint": {"id": MILL},
    }  # fmt: skip


def shipping(n: int) -> dict[str, Any]:
    """An ObjectEvent OBSERVE shipping a pallet with PO, despatch advice, source, destination."""
    return {
        "type": "ObjectEvent", **_common(n), "action": "OBSERVE",
        "epcList": [_sscc(n)], "bizStep": "shipping", "disposition": "in_transit",
        "readPoint": {"id": MILL},
        "bizTransactionList": [
            {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{PREFIX}000017:PO{n}"},
            {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{PREFIX}000017:DA{n}"},
        ],
        "sourceList": [{"type": "owning_party", "source": f"urn:epc:id:pgln:{PREFIX}.00001"}],
        "destinationList": [
            {"type": "owning_party", "destination": f"urn:epc:id:pgln:{PREFIX}.00002"}
        ],
    }  # fmt: skip


def sensor_report(n: int) -> dict[str, Any]:
    """An ObjectEvent OBSERVE with temperature and humidity readings from the truck."""
    return {
        "type": "ObjectEvent", **_common(n), "action": "OBSERVE",
        "epcList": [_sscc(n)], "bizStep": "transporting", "disposition": "in_transit",
        "readPoint": {"id": DC},
        "sensorElementList": [{
            "sensorMetadata": {"time": _time(n), "deviceID": f"urn:epc:id:giai:{PREFIX}.T{n % 7}"},
            "sensorReport": [
                {"type": "Temperature", "value": 4.5 + (n % 10) / 10, "uom": "CEL"},
                {"type": "RelativeHumidity", "value": 55 + n % 5, "uom": "A93"},
            ],
        }],
    }  # fmt: skip


_BUILDERS = {
    "commission": commissioning,
    "aggregate": aggregation,
    "ship": shipping,
    "sensor": sensor_report,
}


def event(n: int, kind: str | None = None) -> dict[str, Any]:
    """Event number `n`: a kind chosen in rotation unless given."""
    return _BUILDERS[kind or KINDS[n % len(KINDS)]](n)


def events(count: int, start: int = 0) -> list[dict[str, Any]]:
    """`count` distinct realistic events."""
    return [event(n) for n in range(start, start + count)]


def document(event_list: list[dict[str, Any]]) -> dict[str, Any]:
    """An EPCISDocument around the events."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-09-01T08:00:00.000+08:00",
        "epcisBody": {"eventList": event_list},
    }


def document_bytes(event_list: list[dict[str, Any]]) -> bytes:
    """The document as UTF-8 JSON."""
    return json.dumps(document(event_list), ensure_ascii=False).encode("utf-8")


def single(event_obj: dict[str, Any]) -> dict[str, Any]:
    """A standalone event for `POST /events` (with its own `@context`)."""
    return {"@context": CONTEXT, **event_obj}


def declaration(
    original: dict[str, Any],
    event_id: str,
    *,
    reason: str = "incorrect_data",
    corrective: list[str] | None = None,
    when: str = "2026-09-02T08:00:00.000+08:00",
) -> dict[str, Any]:
    """An error declaration: a copy of `original` naming it by eventID, with the reason."""
    body: dict[str, Any] = {"declarationTime": when, "reason": reason}
    if corrective:
        body["correctiveEventIDs"] = corrective
    return {**original, "eventID": event_id, "errorDeclaration": body}
