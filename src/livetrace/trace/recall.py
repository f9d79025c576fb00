"""Recall campaigns: open (freeze, sign, mark), track progress, export, and look up by code.

Opening a recall computes the forward trace of its scope, freezes the affected units and orders,
records the `recalled` disposition on the affected items and lots through a standard EPCIS
ObjectEvent (bizStep `holding`) captured by the capture service (its own `epcis.event` statement,
event row and projections), then signs a `recall` statement naming that event with the opening
party's key onto the log. Never commits.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.catalog.models import Product
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.identity.models import Party
from livetrace.identity.policy import Principal, require_scope
from livetrace.identity.roles import PartyRole, Scope
from livetrace.kit.clock import utcnow
from livetrace.ledger.service import LogService
from livetrace.ledger.statements import new_statement, sign_statement
from livetrace.trace.errors import (
    InvalidTraceRequestError,
    RecallNotFoundError,
    RecallNotPermittedError,
    RecallScopeEmptyError,
    RecallStateError,
)
from livetrace.trace.facts import gtin_of
from livetrace.trace.models import Recall
from livetrace.trace.notice import OrderRow, notice_pdf, orders_csv, units_csv
from livetrace.trace.repository import RecallRepository, TraceRepository
from livetrace.trace.schemas import (
    ForwardTrace,
    PartyRef,
    Progress,
    ProgressUpdate,
    RecallNotice,
    RecallOpen,
    RecallOut,
    RecallUnitOut,
)
from livetrace.trace.service import TraceService, identifier
from livetrace.trace.wiring import capture_service

RECALL_ROLES = frozenset({PartyRole.BRAND, PartyRole.REGULATOR})
FINAL = frozenset({Progress.RETURNED, Progress.DESTROYED})


@dataclass(frozen=True, slots=True)
class Opened:
    """A recall just opened, with the trace it froze."""

    recall: RecallOut
    trace: ForwardTrace


class RecallService:
    """Opens and runs recall campaigns inside the caller's transaction."""

    def __init__(self, session: Session, encryptor: KeyEncryptor, log_origin: str) -> None:
        self.session = session
        self.encryptor = encryptor
        self.log_origin = log_origin
        self.repo = RecallRepository(session)

    # --- opening ---------------------------------------------------------------------------------

    def open(self, principal: Principal, party_id: uuid.UUID, data: RecallOpen) -> Opened:
        """Open a recall for `party_id` (a brand or regulator) over `data.scope`."""
        party = self._opener(principal, party_id)
        trace = TraceService(self.session).forward(data.scope)
        if not trace.items and not trace.containers:
            raise RecallScopeEmptyError(
                f"the {data.scope.kind} scope reaches no item or container: nothing to recall",
                field="scope", details={"seeds": trace.seeds},
            )  # fmt: skip
        self._check_ownership(party, trace)
        recall = self._freeze(party, data, trace)
        self._sign_and_mark(party, recall, trace)
        return Opened(self._out(recall), trace)

    def _opener(self, principal: Principal, party_id: uuid.UUID) -> Party:
        require_scope(principal, Scope.WRITE)
        if not principal.is_system and principal.party_id != party_id:
            raise RecallNotPermittedError("a recall is opened in the caller's own party's name",
                                          field="party_id")  # fmt: skip
        party = self.session.get(Party, party_id)
        if party is None or not party.active:
            raise RecallNotPermittedError(
                f"party {party_id} is unknown or inactive", field="party_id"
            )
        if not RECALL_ROLES & set(party.role_names):
            raise RecallNotPermittedError(
                f"party {party.name!r} is not a brand or regulator; only they may open recalls",
                field="party_id", details={"roles": party.role_names},
            )  # fmt: skip
        return party

    def _check_ownership(self, party: Party, trace: ForwardTrace) -> None:
        """A brand recalls only its own products; a regulator recalls anything."""
        if PartyRole.REGULATOR in party.role_names:
            return
        gtins = {i.gtin for i in trace.items if i.gtin}
        owned = {
            g for g in gtins if party.company_prefix and g[1:].startswith(party.company_prefix)
        }
        if gtins - owned:
            query = select(Product.gtin).where(
                Product.gtin.in_(sorted(gtins - owned)), Product.brand_party_id == party.id
            )
            owned |= set(self.session.scalars(query))
        foreign = sorted(gtins - owned)
        if foreign:
            raise RecallNotPermittedError(
                f"brand {party.name!r} may not recall products of other brands: GTIN "
                f"{', '.join(foreign[:5])}", field="scope", details={"gtins": foreign},
            )  # fmt: skip

    def _freeze(self, party: Party, data: RecallOpen, trace: ForwardTrace) -> Recall:
        units = [_unit_row(u.model_dump(), kind=u.kind) for u in (*trace.items, *trace.containers)]
        units += [{"epc": lot.id, "kind": "lot", "gtin": lot.gtin, "lot_class": lot.id}
                  for lot in trace.lots]  # fmt: skip
        epcs = sorted(u["epc"] for u in units)
        digest = hashlib.sha256("\n".join(epcs).encode()).hexdigest()
        now = utcnow()
        recall = Recall(
            id=uuid.uuid4(), number=f"RC-{now:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}",
            party_id=party.id, scope_kind=data.scope.kind,
            scope=data.scope.model_dump(mode="json", exclude_none=True), reason=data.reason,
            status="open", opened_at=now, affected_digest=digest, counts=trace.counts,
        )  # fmt: skip
        orders = {(o.id, obj): o.type for o in trace.orders for obj in o.objects}
        order_rows = [{"recall_id": recall.id, "biz_transaction": k, "epc": e, "type": t}
                      for (k, e), t in sorted(orders.items())]  # fmt: skip
        return self.repo.add(recall, [u | {"recall_id": recall.id} for u in units], order_rows)

    def _sign_and_mark(self, party: Party, recall: Recall, trace: ForwardTrace) -> None:
        """Capture the recall event, then sign the recall statement that names it onto the log."""
        capture = capture_service(self.session, self.encryptor, self.log_origin)
        captured = capture.capture_event(party.id, _recall_event(recall, trace))
        signer = KeyService(self.session, self.encryptor).signer(KeyOwnerKind.PARTY, party.id)
        body = {"recall": recall.number, "id": str(recall.id), "scope": recall.scope,
                "reason": recall.reason, "counts": recall.counts,
                "affected": {"count": len(self.repo.units(recall.id)),
                             "sha256": recall.affected_digest},
                "event": {"eventID": captured.event_id, "eventHash": captured.event_hash,
                          "logIndex": captured.log_index}}  # fmt: skip
        statement = sign_statement(
            new_statement("recall", party.id, signer.public_key, body), signer
        )
        entries = LogService(self.session, self.encryptor, self.log_origin).append([statement])
        recall.statement_log_index = entries[0].index
        recall.event_id = captured.event_id
        self.session.flush()

    # --- reading and progress --------------------------------------------------------------------

    def get(self, principal: Principal, ref: str) -> RecallOut:
        """One campaign with its progress counts."""
        return self._out(self._visible(principal, ref))

    def campaigns(self, principal: Principal) -> list[RecallOut]:
        """Campaigns the caller may see."""
        require_scope(principal, Scope.READ)
        party = None if principal.is_overseer else principal.party_id
        return [self._out(r) for r in self.repo.campaigns(party)]

    def units(self, principal: Principal, ref: str) -> list[RecallUnitOut]:
        """The frozen units of a campaign."""
        recall = self._visible(principal, ref)
        return [RecallUnitOut.model_validate(u) for u in self.repo.units(recall.id)]

    def record(self, principal: Principal, ref: str, update: ProgressUpdate) -> RecallOut:
        """Move units to a progress step (located, quarantined, returned, destroyed…)."""
        recall = self._changeable(principal, ref)
        wanted = {identifier(u) for u in update.units}
        current = self.repo.unit_epcs(recall.id, wanted)
        missing = sorted(wanted - set(current))
        if missing:
            raise InvalidTraceRequestError(
                f"{len(missing)} unit(s) are not part of recall {recall.number}: "
                f"{', '.join(missing[:3])}", field="units", details={"missing": missing[:100]},
            )  # fmt: skip
        done = sorted(e for e, p in current.items() if p in FINAL and p != update.progress)
        if done:
            raise RecallStateError(f"unit(s) already {current[done[0]]}: {', '.join(done[:3])}",
                                   field="units", details={"units": done[:100]})  # fmt: skip
        self.repo.set_progress(recall.id, sorted(wanted), update.progress, update.note)
        return self._out(recall)

    def close(self, principal: Principal, ref: str) -> RecallOut:
        """Close a campaign (its units stay frozen)."""
        recall = self._changeable(principal, ref)
        recall.status, recall.closed_at = "closed", utcnow()
        self.session.flush()
        return self._out(recall)

    def exports(self, principal: Principal, ref: str) -> tuple[str, str]:
        """CSV of affected units and CSV of orders."""
        recall = self._visible(principal, ref)
        units = [RecallUnitOut.model_validate(u) for u in self.repo.units(recall.id)]
        orders = [OrderRow(o.biz_transaction, o.type, o.epc) for o in self.repo.orders(recall.id)]
        return units_csv(units, orders), orders_csv(orders)

    def notice(self, principal: Principal, ref: str) -> bytes:
        """The PDF recall notice."""
        recall = self._visible(principal, ref)
        units = [RecallUnitOut.model_validate(u) for u in self.repo.units(recall.id)]
        party = self.session.get(Party, recall.party_id)
        return notice_pdf(self._out(recall), party.name if party else str(recall.party_id), units)

    def _visible(self, principal: Principal, ref: str) -> Recall:
        require_scope(principal, Scope.READ)
        recall = self.repo.get(ref)
        if recall is None or not (principal.is_overseer or principal.party_id == recall.party_id):
            raise RecallNotFoundError(f"no recall {ref!r}", field="recall")
        return recall

    def _changeable(self, principal: Principal, ref: str) -> Recall:
        recall = self._visible(principal, ref)
        require_scope(principal, Scope.WRITE)
        if not (principal.is_system or principal.party_id == recall.party_id
                or PartyRole.REGULATOR in principal.party_roles):  # fmt: skip
            raise RecallNotPermittedError("only the opening party or a regulator runs this recall")
        if recall.status != "open":
            raise RecallStateError(f"recall {recall.number} is {recall.status}", field="recall")
        return recall

    def _out(self, recall: Recall) -> RecallOut:
        out = RecallOut.model_validate(recall)
        return out.model_copy(update={"progress": self.repo.progress(recall.id)})


def recall_for(session: Session, epc: str | None = None, *, gtin: str | None = None,
               lot: str | None = None) -> list[RecallNotice]:  # fmt: skip
    """Open recalls covering a scanned code: the item itself, its lot, or GTIN + lot."""
    keys = {identifier(epc, gtin=gtin, lot=lot)}
    state = TraceRepository(session).states(keys)
    keys |= {s.lot_class for s in state.values() if s.lot_class}
    repo = RecallRepository(session)
    found = repo.open_for(keys)
    names = TraceRepository(session).party_names(r.party_id for r, _ in found)
    notices: dict[uuid.UUID, RecallNotice] = {}
    for recall, unit in found:
        notices.setdefault(recall.id, RecallNotice(
            recall_id=recall.id, number=recall.number, reason=recall.reason,
            opened_at=recall.opened_at, party=PartyRef(id=recall.party_id,
                                                       name=names.get(recall.party_id)),
            matched=unit.epc, progress=unit.progress,
        ))  # fmt: skip
    return list(notices.values())


def _unit_row(unit: dict[str, Any], *, kind: str) -> dict[str, Any]:
    return {"epc": unit["id"], "kind": kind, "gtin": unit["gtin"] or gtin_of(unit["id"]),
            "lot_class": unit["lot"], "location": unit["location"], "container": unit["container"],
            "owner": unit["owner"], "sold": unit["sold"]}  # fmt: skip


def _recall_event(recall: Recall, trace: ForwardTrace) -> dict[str, Any]:
    """The standard EPCIS event that gives affected items and lots the `recalled` disposition."""
    obj: dict[str, Any] = {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "ObjectEvent", "eventID": f"urn:uuid:{recall.id}",
        "eventTime": recall.opened_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "holding",
        "disposition": "recalled", "persistentDisposition": {"set": ["recalled"]},
        "epcList": [i.id for i in trace.items],
    }  # fmt: skip
    if trace.lots:
        obj["quantityList"] = [{"epcClass": lot.id} for lot in trace.lots]
    return obj
