"""Hand-built supply chains with known answers, captured as real EPCIS JSON and projected.

`Chain` parses each event with the JSON binding, stores it with `write_events` at the next log
position and runs the trace projector, as capture does. The builders below write rice, milk and
cosmetics chains whose every trace and recall answer is spelled out in the tests.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from factories.identity import make_party
from factories.ledger import ORIGIN
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.epcis.bindings_json import event_to_json, parse_document
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.models import Party
from livetrace.kit.clock import utcnow
from livetrace.ledger.service import LogService
from livetrace.ledger.statements import new_statement, sign_statement
from livetrace.trace.projector import TraceProjector

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
           {"lt": "https://livetrace.dev/ns/"}]  # fmt: skip
_sscc_seq = itertools.count(1)


def sgtin(gtin: str, serial: str | int) -> str:
    """An item's Digital Link."""
    return f"https://id.gs1.org/01/{gtin}/21/{serial}"


def lgtin(gtin: str, lot: str) -> str:
    """A lot's (class) Digital Link."""
    return f"https://id.gs1.org/01/{gtin}/10/{lot}"


def sscc(prefix: str = "6901234", n: int | None = None) -> str:
    """A logistic unit's Digital Link with a valid check digit."""
    serial = str(next(_sscc_seq) if n is None else n)
    body = "0" + prefix + serial.zfill(16 - len(prefix))
    return f"https://id.gs1.org/00/{with_check_digit(body)}"


def gtin_of_prefix(prefix: str, item: int) -> str:
    """A GTIN-14 under a company prefix."""
    return with_check_digit("0" + prefix + str(item).zfill(12 - len(prefix)))


def at(day: int, hour: int = 8) -> str:
    """An event time in 2026 (UTC)."""
    return f"2026-03-{day:02d}T{hour:02d}:00:00Z"


def loc(n: int) -> str:
    """A business location (SGLN)."""
    return f"urn:epc:id:sgln:6901234.{n:05d}.0"


@dataclass
class Chain:
    """Captures events as capture does: a signed statement per event on the log, the event row
    at that log position, then the trace projector."""

    session: Session
    encryptor: KeyEncryptor
    origin: str = ORIGIN
    projector: TraceProjector = field(default_factory=TraceProjector)
    count: int = 0

    def capture(self, party: Party, *events: dict[str, Any]) -> list[AcceptedEvent]:
        """Parse, sign, log, store and project events (log order = argument order)."""
        doc = parse_document({"@context": CONTEXT, "type": "EPCISDocument",
                              "schemaVersion": "2.0", "creationDate": "2026-03-01T00:00:00Z",
                              "epcisBody": {"eventList": list(events)}})  # fmt: skip
        signer = KeyService(self.session, self.encryptor).signer(KeyOwnerKind.PARTY, party.id)
        ids = [_stored_ids(e) for e in doc.events]
        statements = [sign_statement(new_statement("epcis.event", party.id, signer.public_key,
                                                   {"eventID": i, "eventHash": h}), signer)
                      for i, h in ids]  # fmt: skip
        entries = LogService(self.session, self.encryptor, self.origin).append(statements)
        accepted = [
            AcceptedEvent(
                event=e,
                event_id=i,
                event_hash=h,
                party_id=party.id,
                document=event_to_json(e, with_context=True),
                log_index=entry.index,
                record_time=utcnow(),
            )
            for e, (i, h), entry in zip(doc.events, ids, entries, strict=True)
        ]
        write_events(self.session, accepted)
        self.projector.apply(self.session, accepted)
        self.count += len(accepted)
        return accepted


def _stored_ids(event: Any) -> tuple[str, str]:
    digest = event_hash(event)
    stored_id = event.event_id or f"urn:uuid:{uuid.uuid4()}"
    if event.error_declaration is not None:
        # A declaration repeats the erroneous event's ID and hash; the repository keys it apart
        # so both rows exist.
        return f"{stored_id}#declaration", f"{digest}#declaration"
    return stored_id, digest


def commission(
    items: list[str], lot: str | None, time: str, where: int, **ilmd: Any
) -> dict[str, Any]:
    """Items commissioned, with their lot and origin data in the ILMD."""
    body = {"cbvmda:lotNumber": lot} if lot else {}
    body |= {f"lt:{k}": v for k, v in ilmd.items()}
    return _object("ADD", time, where, "commissioning", epcList=items, ilmd=body)


def commission_lot(lot: str, qty: float, time: str, where: int, **ilmd: Any) -> dict[str, Any]:
    """A raw-material lot created as a quantity, with origin data."""
    event = _object("ADD", time, where, "commissioning",
                    quantityList=[{"epcClass": lot, "quantity": qty, "uom": "KGM"}])  # fmt: skip
    event["ilmd"] = {f"lt:{k}": v for k, v in ilmd.items()}
    return event


def transform(inputs: list[str], outputs: list[str], time: str, where: int, *,
              event_id: str | None = None, **ilmd: Any) -> dict[str, Any]:  # fmt: skip
    """Input lots consumed into output lots (class level)."""
    event: dict[str, Any] = {
        "type": "TransformationEvent", "eventTime": time, "eventTimeZoneOffset": "+08:00",
        "inputQuantityList": [{"epcClass": c, "quantity": 100, "uom": "KGM"} for c in inputs],
        "outputQuantityList": [{"epcClass": c, "quantity": 100, "uom": "KGM"} for c in outputs],
        "bizStep": "transforming", "bizLocation": {"id": loc(where)},
    }  # fmt: skip
    if ilmd:
        event["ilmd"] = {f"lt:{k}": v for k, v in ilmd.items()}
    if event_id:
        event["eventID"] = event_id
    return event


def transform_items(inputs: list[str], outputs: list[str], time: str, where: int,
                    lot: str) -> dict[str, Any]:  # fmt: skip
    """Items consumed into new items of lot `lot` (instance level: a gift box of two bags)."""
    return {
        "type": "TransformationEvent", "eventTime": time, "eventTimeZoneOffset": "+08:00",
        "inputEPCList": inputs, "outputEPCList": outputs, "bizStep": "transforming",
        "bizLocation": {"id": loc(where)}, "ilmd": {"cbvmda:lotNumber": lot},
    }  # fmt: skip


def pack(parent: str, children: list[str], time: str, where: int) -> dict[str, Any]:
    """Children packed into a parent."""
    return _aggregation("ADD", parent, children, time, where, "packing")


def unpack(parent: str, children: list[str] | None, time: str, where: int) -> dict[str, Any]:
    """Children (or everything) taken out of a parent."""
    return _aggregation("DELETE", parent, children, time, where, "unpacking")


def ship(epcs: list[str], shipment: str, time: str, where: int, *, to: str) -> dict[str, Any]:
    """Objects shipped under a despatch advice, to a new owner."""
    return _object("OBSERVE", time, where, "shipping", epcList=epcs, disposition="in_transit",
                   bizTransactionList=[{"type": "desadv", "bizTransaction": shipment}],
                   destinationList=[{"type": "owning_party", "destination": to}])  # fmt: skip


def receive(epcs: list[str], time: str, where: int) -> dict[str, Any]:
    """Objects received at a location."""
    return _object("OBSERVE", time, where, "receiving", epcList=epcs, disposition="in_progress")


def sell(item: str, order: str, time: str, where: int) -> dict[str, Any]:
    """An item sold against an order."""
    return _object("OBSERVE", time, where, "retail_selling", epcList=[item],
                   disposition="retail_sold",
                   bizTransactionList=[{"type": "po", "bizTransaction": order}])  # fmt: skip


def inspect(lot: str, time: str, where: int, *, passed: bool, certificate: str) -> dict[str, Any]:
    """A QC inspection of a lot with its certificate."""
    event = _object("OBSERVE", time, where, "inspecting",
                    quantityList=[{"epcClass": lot, "quantity": 1, "uom": "KGM"}],
                    disposition="conformant" if passed else "non_conformant")  # fmt: skip
    event["certificationInfo"] = certificate
    return event


def declare_error(original: dict[str, Any], time: str) -> dict[str, Any]:
    """The EPCIS error declaration of `original`: a copy with `errorDeclaration`."""
    return original | {"errorDeclaration": {"declarationTime": time, "reason": "incorrect_data"}}


def _object(action: str, time: str, where: int, step: str, **rest: Any) -> dict[str, Any]:
    return {"type": "ObjectEvent", "eventTime": time, "eventTimeZoneOffset": "+08:00",
            "action": action, "bizStep": step, "readPoint": {"id": loc(where)},
            "bizLocation": {"id": loc(where)}, **rest}  # fmt: skip


def _aggregation(action: str, parent: str, children: list[str] | None, time: str, where: int,
                 step: str) -> dict[str, Any]:  # fmt: skip
    event = {"type": "AggregationEvent", "eventTime": time, "eventTimeZoneOffset": "+08:00",
             "action": action, "parentID": parent, "bizStep": step,
             "bizLocation": {"id": loc(where)}}  # fmt: skip
    if children is not None:
        event["childEPCs"] = children
    return event


# --- the chains ----------------------------------------------------------------------------------


@dataclass
class Rice:
    """Wuchang rice: plots → paddy lots → milling → bags → cases → pallets → shipments → sales.

    Known answers:
    * PAD-A and PAD-B merge into RICE-1 (bags r1–r6); PAD-C splits into RICE-2 (r7–r9) and
      RICE-3 (r10, r11). A transformation wrongly adding PAD-C to RICE-1 is declared erroneous,
      as is a packing of r10 into case C1.
    * r6 is unpacked from C2 and repacked into C3. P1 holds C1, C2; P2 holds C3, C4.
    * Sales: r1 → PO-1001, r6 → PO-1002, r7 → PO-1003.
    """

    farm: Party
    mill: Party
    brand: Party
    carrier: Party
    paddy_gtin: str
    rice_gtin: str
    pad: dict[str, str]
    rice: dict[str, str]
    items: dict[str, str]
    cases: dict[str, str]
    pallets: dict[str, str]


def build_rice(session: Session, encryptor: KeyEncryptor, chain: Chain | None = None) -> Rice:
    """Capture the rice chain (see `Rice` for what it holds)."""
    chain = chain or Chain(session, encryptor)
    farm = make_party(session, encryptor, name="五常稻花香合作社", roles=["farm", "supplier"],
                      company_prefix="6901234")  # fmt: skip
    mill = make_party(session, encryptor, name="五常米业加工厂", roles=["manufacturer"])
    brand = make_party(session, encryptor, name="五常大米品牌", roles=["brand"],
                       company_prefix="6905678")  # fmt: skip
    carrier = make_party(session, encryptor, name="冷链物流", roles=["carrier"])
    paddy, rice_gtin = gtin_of_prefix("6901234", 1), gtin_of_prefix("6905678", 2)
    pad = {k: lgtin(paddy, f"PAD-{k}") for k in "ABC"}
    rice = {k: lgtin(rice_gtin, f"RICE-{k}") for k in "123"}
    items = {f"r{i}": sgtin(rice_gtin, i) for i in range(1, 12)}
    cases = {f"C{i}": sscc("6905678", 100 + i) for i in range(1, 5)}
    pallets = {f"P{i}": sscc("6905678", 200 + i) for i in range(1, 3)}
    origins = {"A": ("WC-001", "127.15,44.92", "张三"), "B": ("WC-002", "127.18,44.95", "李四"),
               "C": ("WC-003", "127.20,44.97", "王五")}  # fmt: skip
    for k, (plot, coords, grower) in origins.items():
        chain.capture(farm, commission_lot(pad[k], 1000, at(1), 1, plot_code=plot,
                                           plot_coordinates=coords, grower=grower,
                                           harvest_date="2025-10-01"))  # fmt: skip
    chain.capture(farm, inspect(pad["A"], at(2), 1, passed=True, certificate="QC-PAD-A"))
    chain.capture(mill, transform([pad["A"], pad["B"]], [rice["1"]], at(3), 2,
                                  mill_line="mill-1", shift="A", lotNumber="RICE-1"))  # fmt: skip
    wrong = transform([pad["C"]], [rice["1"]], at(3, 9), 2, event_id="urn:uuid:0e3c-wrong-link")
    chain.capture(mill, wrong)
    chain.capture(mill, transform([pad["C"]], [rice["2"], rice["3"]], at(4), 2,
                                  mill_line="mill-2", shift="B"))  # fmt: skip
    chain.capture(mill, declare_error(wrong, at(4, 12)))
    r = items
    chain.capture(mill, commission([r[f"r{i}"] for i in range(1, 7)], "RICE-1", at(5), 2))
    chain.capture(mill, commission([r[f"r{i}"] for i in range(7, 10)], "RICE-2", at(5), 2))
    chain.capture(mill, commission([r["r10"], r["r11"]], "RICE-3", at(5), 2))
    chain.capture(mill, pack(cases["C1"], [r["r1"], r["r2"], r["r3"]], at(6), 2))
    chain.capture(mill, pack(cases["C2"], [r["r4"], r["r5"], r["r6"]], at(6), 2))
    chain.capture(mill, pack(cases["C3"], [r["r7"], r["r8"]], at(6), 2))
    chain.capture(mill, pack(cases["C4"], [r["r9"], r["r10"], r["r11"]], at(6), 2))
    wrong_pack = pack(cases["C1"], [r["r10"]], at(6, 10), 2)
    wrong_pack["eventID"] = "urn:uuid:0e3c-wrong-pack"
    chain.capture(mill, wrong_pack)
    chain.capture(mill, declare_error(wrong_pack, at(6, 11)))
    chain.capture(mill, unpack(cases["C2"], [r["r6"]], at(7), 2))
    chain.capture(mill, pack(cases["C3"], [r["r6"]], at(7, 9), 2))
    chain.capture(mill, pack(pallets["P1"], [cases["C1"], cases["C2"]], at(8), 2))
    chain.capture(mill, pack(pallets["P2"], [cases["C3"], cases["C4"]], at(8), 2))
    chain.capture(
        carrier, ship([pallets["P1"]], "SH-1", at(9), 2, to="urn:epc:id:pgln:6905678.00000")
    )
    chain.capture(
        carrier, ship([pallets["P2"]], "SH-2", at(9), 2, to="urn:epc:id:pgln:6905678.00000")
    )
    chain.capture(brand, receive([pallets["P1"], pallets["P2"]], at(10), 3))
    chain.capture(brand, unpack(pallets["P1"], None, at(11), 3))
    chain.capture(brand, sell(r["r1"], "PO-1001", at(12), 4))
    chain.capture(brand, sell(r["r6"], "PO-1002", at(12), 4))
    chain.capture(brand, sell(r["r7"], "PO-1003", at(13), 4))
    return Rice(farm, mill, brand, carrier, paddy, rice_gtin, pad, rice, items, cases, pallets)


@dataclass
class Milk:
    """Raw milk from three farms into production lot MILK-1 (m1–m4); farm 3's lot fails QC."""

    farms: list[Party]
    dairy: Party
    raw: list[str]
    lot: str
    items: list[str]


def build_milk(session: Session, encryptor: KeyEncryptor, chain: Chain | None = None) -> Milk:
    """Capture the milk chain."""
    chain = chain or Chain(session, encryptor)
    dairy = make_party(session, encryptor, name="光明乳业工厂", roles=["brand", "manufacturer"],
                       company_prefix="6907777")  # fmt: skip
    farms = [make_party(session, encryptor, name=f"牧场{i}", roles=["farm", "supplier"])
             for i in range(1, 4)]  # fmt: skip
    raw_gtin, milk_gtin = gtin_of_prefix("6907777", 10), gtin_of_prefix("6907777", 11)
    raw = [lgtin(raw_gtin, f"RAW-{i}") for i in range(1, 4)]
    for i, (farm, lot) in enumerate(zip(farms, raw, strict=True), start=1):
        chain.capture(farm, commission_lot(lot, 5000, at(1, 5), 10 + i, farm=f"牧场{i}",
                                           milking_date="2026-03-01"))  # fmt: skip
    chain.capture(farms[2], inspect(raw[2], at(1, 6), 13, passed=False, certificate="QC-RAW-3"))
    milk = lgtin(milk_gtin, "MILK-1")
    chain.capture(
        dairy, transform(raw, [milk], at(1, 9), 20, processing_line="uht-1", shift="night")
    )
    items = [sgtin(milk_gtin, 500 + i) for i in range(1, 5)]
    chain.capture(dairy, commission(items, "MILK-1", at(1, 10), 20))
    return Milk(farms, dairy, raw, milk, items)


@dataclass
class Cosmetics:
    """Ingredient lots ING-1, ING-2 into batch COS-1 (c1–c3) with a passing lab report."""

    maker: Party
    ingredients: list[str]
    batch: str
    items: list[str]


def build_cosmetics(session: Session, encryptor: KeyEncryptor,
                    chain: Chain | None = None) -> Cosmetics:  # fmt: skip
    """Capture the cosmetics chain."""
    chain = chain or Chain(session, encryptor)
    maker = make_party(session, encryptor, name="美妆工厂", roles=["brand", "manufacturer"],
                       company_prefix="6908888")  # fmt: skip
    ing_gtin, cos_gtin = gtin_of_prefix("6908888", 20), gtin_of_prefix("6908888", 21)
    ingredients = [lgtin(ing_gtin, f"ING-{i}") for i in (1, 2)]
    for lot in ingredients:
        chain.capture(maker, commission_lot(lot, 50, at(2), 30, ingredient_origin="云南"))
    batch = lgtin(cos_gtin, "COS-1")
    chain.capture(maker, transform(ingredients, [batch], at(3), 31, filling_line="fill-2",
                                   shift="day"))  # fmt: skip
    chain.capture(maker, inspect(batch, at(3, 12), 31, passed=True, certificate="LAB-2026-001"))
    items = [sgtin(cos_gtin, 900 + i) for i in range(1, 4)]
    chain.capture(maker, commission(items, "COS-1", at(4), 31))
    return Cosmetics(maker, ingredients, batch, items)
