"""Builders of the demo's EPCIS 2.0 events (pure): identifiers, times and the event shapes.

Identifiers are GS1 Digital Links on `id.gs1.org` (the canonical form the trace projections
use); demo-specific data sits under the `lt:` namespace the context declares. Times are China
Standard Time, counted back from the day the demo is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from livetrace.gs1.keys import with_check_digit

CST = timezone(timedelta(hours=8))
NS = "https://livetrace.dev/ns/"
CONTEXT: list[Any] = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld", {"lt": NS}]
DL = "https://id.gs1.org"


def item(gtin: str, serial: str) -> str:
    """An item (SGTIN) as a Digital Link."""
    return f"{DL}/01/{gtin}/21/{serial}"


def lot_class(gtin: str, lot: str) -> str:
    """A lot (LGTIN class) as a Digital Link."""
    return f"{DL}/01/{gtin}/10/{lot}"


def sscc(prefix: str, reference: int) -> str:
    """A logistic unit (case, crate, pallet) under a company prefix, check digit computed."""
    body = "0" + prefix + str(reference).zfill(16 - len(prefix))
    return f"{DL}/00/{with_check_digit(body)}"


def place(key: tuple[str, str]) -> str:
    """A location (GLN + extension) as a Digital Link."""
    gln, extension = key
    return f"{DL}/414/{gln}" + ("" if extension == "0" else f"/254/{extension}")


def party(gln: str) -> str:
    """A party (PGLN) as a Digital Link."""
    return f"{DL}/417/{gln}"


def bt(owner_gln: str, number: str) -> str:
    """A business transaction identifier (CBV `urn:epcglobal:cbv:bt:<GLN>:<number>`)."""
    return f"urn:epcglobal:cbv:bt:{owner_gln}:{number}"


@dataclass(frozen=True, slots=True)
class Clock:
    """Local times counted back from the load day."""

    today: date

    def at(self, days_ago: int, hhmm: str) -> datetime:
        """`hhmm` (China Standard Time) on the day `days_ago` days before the load day."""
        hours, minutes = (int(part) for part in hhmm.split(":"))
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, time(hours, minutes), tzinfo=CST)

    def day(self, days_ago: int) -> str:
        """The ISO date `days_ago` days before the load day."""
        return (self.today - timedelta(days=days_ago)).isoformat()


def stamp(when: datetime) -> str:
    """An EPCIS timestamp with its offset."""
    return when.isoformat(timespec="milliseconds")


def _base(kind: str, when: datetime, step: str, where: tuple[str, str] | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind, "eventTime": stamp(when), "eventTimeZoneOffset": "+08:00", "bizStep": step,
    }  # fmt: skip
    if where is not None:
        event["readPoint"] = {"id": place(where)}
        event["bizLocation"] = {"id": place(where)}
    return event


def _lt(data: dict[str, Any]) -> dict[str, Any]:
    return {f"lt:{key}": value for key, value in data.items()}


def commission_items(
    when: datetime, where: tuple[str, str], epcs: list[str], lot: str, expiry: str,
    **ilmd: Any,
) -> dict[str, Any]:  # fmt: skip
    """Items labelled and put into circulation, with their lot in the ILMD."""
    event = _base("ObjectEvent", when, "commissioning", where)
    event |= {"action": "ADD", "epcList": epcs, "disposition": "active"}
    event["ilmd"] = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry} | _lt(ilmd)
    return event


def commission_bulk(
    when: datetime, where: tuple[str, str], cls: str, quantity: float, uom: str, **ilmd: Any
) -> dict[str, Any]:
    """A bulk lot (paddy, raw milk) created as a quantity, with its origin data."""
    event = _base("ObjectEvent", when, "commissioning", where)
    event |= {"action": "ADD", "disposition": "active",
              "quantityList": [{"epcClass": cls, "quantity": quantity, "uom": uom}]}  # fmt: skip
    event["ilmd"] = _lt(ilmd)
    return event


def transform(
    when: datetime, where: tuple[str, str], inputs: list[tuple[str, float]],
    outputs: list[tuple[str, float]], uom: str, **ilmd: Any,
) -> dict[str, Any]:  # fmt: skip
    """Input lots consumed into output lots (milling, pasteurisation)."""
    event = _base("TransformationEvent", when, "commissioning", where)
    event |= {
        "inputQuantityList": [{"epcClass": c, "quantity": q, "uom": uom} for c, q in inputs],
        "outputQuantityList": [{"epcClass": c, "quantity": q, "uom": uom} for c, q in outputs],
        "disposition": "active", "ilmd": _lt(ilmd),
    }  # fmt: skip
    return event


def pack(
    when: datetime, where: tuple[str, str], parent: str, children: list[str]
) -> dict[str, Any]:
    """Children packed into a case, crate or pallet."""
    event = _base("AggregationEvent", when, "packing", where)
    return event | {"action": "ADD", "parentID": parent, "childEPCs": children,
                    "disposition": "in_progress"}  # fmt: skip


def inspect(
    when: datetime, where: tuple[str, str], cls: str, sample: float, certificate: str,
    **ext: Any,
) -> dict[str, Any]:  # fmt: skip
    """A lot inspected and found conformant, with the certificate that says so."""
    event = _base("ObjectEvent", when, "inspecting", where)
    event |= {"action": "OBSERVE", "disposition": "conformant",
              "quantityList": [{"epcClass": cls, "quantity": sample}],
              "certificationInfo": [certificate]}  # fmt: skip
    return event | _lt(ext)


@dataclass(frozen=True, slots=True)
class Move:
    """A hand-over: from whom and where to whom and where, under which documents."""

    source_party: str
    source_place: tuple[str, str]
    dest_party: str
    dest_place: tuple[str, str]
    transactions: tuple[tuple[str, str], ...] = ()

    def lists(self) -> dict[str, Any]:
        """The source, destination and business transaction lists of the event."""
        out: dict[str, Any] = {
            "sourceList": [
                {"type": "owning_party", "source": party(self.source_party)},
                {"type": "location", "source": place(self.source_place)},
            ],
            "destinationList": [
                {"type": "owning_party", "destination": party(self.dest_party)},
                {"type": "location", "destination": place(self.dest_place)},
            ],
        }
        if self.transactions:
            out["bizTransactionList"] = [{"type": t, "bizTransaction": v}
                                         for t, v in self.transactions]  # fmt: skip
        return out


def ship(
    when: datetime, where: tuple[str, str], epcs: list[str], move: Move,
    quantities: list[tuple[str, float, str]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Goods leaving a site for the destination the move names."""
    event = _base("ObjectEvent", when, "shipping", where)
    event |= {"action": "OBSERVE", "disposition": "in_transit", **move.lists()}
    return _objects(event, epcs, quantities)


def receive(
    when: datetime, where: tuple[str, str], epcs: list[str], move: Move,
    quantities: list[tuple[str, float, str]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Goods arriving and accepted into stock."""
    event = _base("ObjectEvent", when, "receiving", where)
    event |= {"action": "OBSERVE", "disposition": "in_progress", **move.lists()}
    return _objects(event, epcs, quantities)


def _objects(
    event: dict[str, Any], epcs: list[str], quantities: list[tuple[str, float, str]] | None
) -> dict[str, Any]:
    if epcs:
        event["epcList"] = epcs
    if quantities:
        event["quantityList"] = [{"epcClass": c, "quantity": q, "uom": u} for c, q, u in quantities]
    return event


def store(when: datetime, where: tuple[str, str], epcs: list[str]) -> dict[str, Any]:
    """Goods put away in a store or cold room."""
    event = _base("ObjectEvent", when, "storing", where)
    return event | {"action": "OBSERVE", "epcList": epcs, "disposition": "sellable_not_accessible"}


def sensor_report(
    when: datetime, epcs: list[str], device: str, readings: list[tuple[datetime, float]],
    *, low: float, high: float,
) -> dict[str, Any]:  # fmt: skip
    """Temperatures a logger recorded on the way, with the range the product needs."""
    event = _base("ObjectEvent", when, "transporting", None)
    event |= {"action": "OBSERVE", "epcList": epcs, "disposition": "in_transit"}
    event["sensorElementList"] = [{
        "sensorMetadata": {"time": stamp(readings[0][0]), "endTime": stamp(readings[-1][0]),
                           "deviceID": device},
        "sensorReport": [
            {"type": "Temperature", "time": stamp(t), "value": v, "uom": "CEL"}
            for t, v in readings
        ] + [
            {"type": "Temperature", "minValue": min(v for _, v in readings),
             "maxValue": max(v for _, v in readings), "uom": "CEL"},
        ],
    }]  # fmt: skip
    return event | _lt({"range_min_c": low, "range_max_c": high})


def sell(
    when: datetime, where: tuple[str, str], epcs: list[str], order: str, **ext: Any
) -> dict[str, Any]:
    """Items sold (in a live session): the order number is a purchase-order transaction."""
    event = _base("ObjectEvent", when, "retail_selling", where)
    event |= {"action": "OBSERVE", "epcList": epcs, "disposition": "retail_sold",
              "bizTransactionList": [{"type": "po", "bizTransaction": order}]}  # fmt: skip
    return event | _lt(ext)


def unpack(
    when: datetime, where: tuple[str, str], parent: str, children: list[str]
) -> dict[str, Any]:
    """Children taken out of their case (before items are sold one by one)."""
    event = _base("AggregationEvent", when, "unpacking", where)
    return event | {"action": "DELETE", "parentID": parent, "childEPCs": children,
                    "disposition": "in_progress"}  # fmt: skip


def parcel(
    when: datetime, where: tuple[str, str], epcs: list[str], *, sender: str, courier: str,
    waybill: str,
) -> dict[str, Any]:  # fmt: skip
    """A sold item handed to the courier for its buyer; nothing about the buyer is recorded.

    No destination is named: a parcel may go anywhere, so no sales region applies to it. The
    courier's consignment note is the event's waybill (a CBV `bol`).
    """
    event = _base("ObjectEvent", when, "shipping", where)
    return event | {
        "action": "OBSERVE", "epcList": epcs, "disposition": "in_transit",
        "bizTransactionList": [{"type": "bol", "bizTransaction": waybill}],
        "sourceList": [{"type": "owning_party", "source": party(sender)},
                       {"type": "possessing_party", "source": party(courier)}],
    }  # fmt: skip
