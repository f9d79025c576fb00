"""A small, realistic EPCIS data set for query tests: rice from a brand, via a carrier, to a shop.

Events are stored through the real writer with hand-assigned `log_index` values; identifiers are
deliberately mixed (EPC URNs and Digital Links) so queries must match across spellings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from factories.identity import Member, gln_for, make_member, make_party
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis import bindings_json
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.namespaces import GS1_PREFIXES
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import LocationCreate
from livetrace.identity.service import IdentityService
from livetrace.kit.clock import utcnow

EX = "https://ns.example.com/epcis/"
PREFIXES = {**GS1_PREFIXES, "ex": EX}
_log = itertools.count(1_000_000)


def sgtin(cp: str, item: str, serial: str) -> str:
    """An SGTIN EPC URN."""
    return f"urn:epc:id:sgtin:{cp}.{item}.{serial}"


def sgln(gln: str, cp_len: int, ext: str = "0") -> str:
    """An SGLN EPC URN for a GLN."""
    return f"urn:epc:id:sgln:{gln[:cp_len]}.{gln[cp_len:12]}.{ext}"


def gtin14(cp: str, item: str) -> str:
    """The GTIN-14 of an SGTIN's company prefix and item reference (indicator first)."""
    return with_check_digit(item[0] + cp + item[1:])


def store(
    session: Session, party: Party, obj: dict[str, Any], *, recorded: datetime | None = None
) -> AcceptedEvent:
    """Parse one event JSON, hash it and store it with the next log index."""
    log_index = next(_log)
    obj = {"eventID": f"urn:uuid:ev-{log_index}", **obj}
    event = bindings_json.parse_event(obj, prefixes=PREFIXES)
    accepted = AcceptedEvent(
        event=event, event_id=obj["eventID"],
        event_hash=event_hash(event), document=bindings_json.event_to_json(event),
        party_id=party.id, log_index=log_index, record_time=recorded or utcnow(),
    )  # fmt: skip
    write_events(session, [accepted])
    return accepted


@dataclass
class Dataset:
    """Parties, members and the stored events, by role in the story."""

    brand: Member
    carrier: Member
    shop: Member
    regulator: Member
    cp: str
    items: list[str]
    warehouse: str
    dock: str
    events: dict[str, AcceptedEvent] = field(default_factory=dict)


def _party(session: Session, encryptor: KeyEncryptor, role: str) -> Member:
    party = make_party(session, encryptor, roles=[role])
    session.flush()
    return make_member(session, encryptor, party)


def _location(session: Session, encryptor: KeyEncryptor, party: Party, ext: str) -> None:
    assert party.gln
    data = LocationCreate(gln=party.gln, extension=ext, name=f"site {ext}")
    IdentityService(session, encryptor).create_location(SYSTEM, party.id, data)


def make_dataset(session: Session, encryptor: KeyEncryptor) -> Dataset:
    """Store the story's events and return who is who."""
    brand = _party(session, encryptor, "brand")
    carrier = _party(session, encryptor, "carrier")
    shop = _party(session, encryptor, "retailer")
    regulator = _party(session, encryptor, "regulator")
    cp = brand.party.company_prefix or ""
    assert carrier.party.gln and shop.party.gln
    _location(session, encryptor, carrier.party, "0")
    items = [sgtin(cp, "100001", str(n)) for n in (1, 2, 3)]
    warehouse = sgln(carrier.party.gln, 7)
    dock = sgln(carrier.party.gln, 7, "D1")
    data = Dataset(brand, carrier, shop, regulator, cp, items, warehouse, dock)
    _events(session, data)
    session.flush()
    return data


def _events(session: Session, d: Dataset) -> None:
    t0 = datetime.fromisoformat("2026-10-01T08:00:00+08:00")
    farm = sgln(gln_for(d.cp, 7), 7)
    rice_lot = f"urn:epc:class:lgtin:{d.cp}.200001.LOT7"

    def when(hours: int) -> dict[str, str]:
        return {
            "eventTime": (t0 + timedelta(hours=hours)).isoformat(),
            "eventTimeZoneOffset": "+08:00",
        }

    b, c, s = d.brand.party, d.carrier.party, d.shop.party
    d.events["commission"] = store(
        session,
        b,
        {
            "type": "ObjectEvent",
            **when(0),
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": d.items[:2],
            "readPoint": {"id": farm},
            "bizLocation": {"id": farm},
            "ilmd": {
                "cbvmda:lotNumber": "LOT7",
                "ex:harvest": "2026-09-20T00:00:00Z",
                "ex:moisture": 14.5,
            },
        },
    )
    d.events["pack"] = store(
        session,
        b,
        {
            "type": "AggregationEvent",
            **when(1),
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "in_progress",
            "parentID": f"urn:epc:id:sscc:{d.cp}.1000000001",
            "childEPCs": d.items[:2],
            "readPoint": {"id": farm},
        },
    )
    d.events["ship"] = store(
        session,
        b,
        {
            "type": "ObjectEvent",
            **when(2),
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [f"https://id.gs1.org/01/{gtin14(d.cp, '100001')}/21/1"],
            "persistentDisposition": {"set": ["completeness_verified"]},
            "bizTransactionList": [
                {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO-88"}
            ],
            "sourceList": [{"type": "owning_party", "source": f"https://id.gs1.org/417/{b.gln}"}],
            "destinationList": [{"type": "location", "destination": d.warehouse}],
        },
    )
    d.events["mill"] = store(
        session,
        b,
        {
            "type": "TransformationEvent",
            **when(3),
            "bizStep": "commissioning",
            "inputQuantityList": [{"epcClass": rice_lot, "quantity": 1000, "uom": "KGM"}],
            "outputEPCList": [d.items[2]],
            "transformationID": "urn:example:xform:7",
            "ilmd": {"ex:batch": "B7"},
            "ex:operator": {"ex:name": "Li"},
        },
    )
    d.events["sense"] = store(
        session,
        c,
        {
            "type": "ObjectEvent",
            **when(4),
            "action": "OBSERVE",
            "bizStep": "sensor_reporting",
            "quantityList": [{"epcClass": rice_lot, "quantity": 500, "uom": "GRM"}],
            "readPoint": {"id": d.dock},
            "sensorElementList": [
                {
                    "sensorMetadata": {
                        "time": (t0 + timedelta(hours=4)).isoformat(),
                        "deviceID": "urn:example:dev:t1",
                    },
                    "sensorReport": [
                        {
                            "type": "Temperature",
                            "value": 4.0,
                            "minValue": 2.0,
                            "maxValue": 9.0,
                            "uom": "CEL",
                        },
                        {"type": "RelativeHumidity", "value": 61, "uom": "A93"},
                    ],
                }
            ],
        },
    )
    d.events["receive"] = store(
        session,
        c,
        {
            "type": "ObjectEvent",
            **when(5),
            "action": "OBSERVE",
            "bizStep": "receiving",
            "disposition": "in_progress",
            "epcList": d.items[:1],
            "bizLocation": {"id": d.warehouse},
            "errorDeclaration": {
                "declarationTime": (t0 + timedelta(hours=6)).isoformat(),
                "reason": "incorrect_data",
                "correctiveEventIDs": ["urn:uuid:fix-1"],
            },
        },
    )
    d.events["sell"] = store(session, s, {
        "type": "ObjectEvent", **when(8), "action": "OBSERVE", "bizStep": "retail_selling",
        "disposition": "retail_sold", "epcList": [sgtin("0614141", "1073460", "9")],
        "bizLocation": {"id": sgln(s.gln or "", 7)},
    })  # fmt: skip
