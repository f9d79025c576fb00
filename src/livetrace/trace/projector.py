"""The trace projector: keeps item state, containment, lineage, lot facts and order links in step.

Events are applied in log order. A batch is folded in memory (the rows it touches are loaded
once) and written back with set-based statements. An error declaration voids the event it names:
that event's own fact rows are deleted, and the folds of every identifier it touched are
recomputed from the remaining events before the declaration — the same functions, the same order,
so capture, correction and rebuild all end in the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

from sqlalchemy.orm import Session

from livetrace.epcis import model as m
from livetrace.epcis.bindings_json import parse_event
from livetrace.epcis.errors import EpcisError
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.models import EpcisEventRow
from livetrace.epcis.writer import AcceptedEvent
from livetrace.trace.facts import (
    LINE_KEYS,
    SHIFT_KEYS,
    EventRef,
    Facts,
    extract,
    gtin_of,
    item_lot_class,
    lot_of,
)
from livetrace.trace.fold import ContainmentBook, State, advance, state_targets
from livetrace.trace.models import LineageEdge, LotEvent, TransactionLink
from livetrace.trace.repository import ProjectionRepository

COMMISSION_ROLES = ("epcList", "outputEPCList")


class TraceProjector:
    """`epcis.interfaces.Projector` for the trace read models."""

    def apply(self, session: Session, accepted: Sequence[AcceptedEvent]) -> None:
        """Project newly accepted events (in log order) inside the capture transaction."""
        Projection(session).apply([facts_of_accepted(a) for a in accepted])

    def void(self, session: Session, event_ids: Iterable[str], declared_log_index: int) -> int:
        """Drop the effects of already stored events (by their stored `event_id`); return how many."""
        projection = Projection(session)
        return sum(projection.void_event_id(e, declared_log_index) for e in event_ids)


def facts_of_accepted(accepted: AcceptedEvent) -> Facts:
    """The facts of an event as capture hands it over."""
    ref = EventRef(accepted.pk, accepted.event_id, accepted.log_index,
                   accepted.event.event_datetime(), accepted.party_id)  # fmt: skip
    return extract(accepted.event, ref, declaration_hash=_hash(accepted.event))


def facts_of_row(row: EpcisEventRow) -> Facts:
    """The facts of a stored event (rebuild and correction replays)."""
    event = parse_event(row.document)
    ref = EventRef(row.id, row.event_id, row.log_index, row.event_time, row.party_id)
    return extract(event, ref, declaration_hash=_hash(event))


def _hash(event: m.EpcisEvent) -> str | None:
    # The Event Hash ID leaves eventID and errorDeclaration out, so a declaration that is a copy
    # of the erroneous event (as EPCIS prescribes) hashes to the erroneous event's hash.
    if event.error_declaration is None:
        return None
    try:
        return event_hash(event)
    except EpcisError:
        return None


class Projection:
    """Applies facts to the projection tables of one session."""

    def __init__(self, session: Session) -> None:
        self.repo = ProjectionRepository(session)

    def apply(self, facts: Sequence[Facts]) -> None:
        """Apply events in order; a declaration flushes what came before it, then voids."""
        segment: list[Facts] = []
        for f in facts:
            if f.is_declaration:
                self._flush(segment)
                segment = []
                self._declare(f)
            else:
                segment.append(f)
        self._flush(segment)

    # --- plain events ----------------------------------------------------------------------------

    def _flush(self, segment: Sequence[Facts]) -> None:
        if not segment:
            return
        self._fold_states(segment, None)
        self._fold_containment(segment, ContainmentBook(), load=True)
        self.repo.insert_rows(LineageEdge, [r for f in segment for r in lineage_rows(f)])
        self.repo.insert_rows(LotEvent, [r for f in segment for r in lot_event_rows(f)])
        self.repo.insert_rows(TransactionLink, [r for f in segment for r in link_rows(f)])

    def _fold_states(self, segment: Sequence[Facts], only: set[str] | None) -> None:
        named_by = [(f, state_targets(f)) for f in segment]
        targets = {n.epc for _, named in named_by for n in named}
        if only is not None:
            targets &= only
        stored: dict[str, State] = self.repo.states(targets) if only is None else {}
        states = dict(stored)
        changed: set[str] = set()
        for f, targeted in named_by:
            for named in targeted:
                epc = named.epc
                if epc in targets:
                    states[epc] = advance(states.get(epc), f, named)
                    changed.add(epc)
        order = sorted(changed)
        self.repo.save_states([states[k] for k in order if k not in stored],
                              [states[k] for k in order if k in stored])  # fmt: skip

    def _fold_containment(self, segment: Sequence[Facts], book: ContainmentBook, *,
                          load: bool) -> None:  # fmt: skip
        aggregations = [f for f in segment if f.event_type == "AggregationEvent"]
        if not aggregations:
            return
        if load:
            children = {
                n.epc for f in aggregations for n in f.by_role("childEPCs", "childQuantityList")
            }
            parents = {f.parent for f in aggregations if f.parent}
            book.load(self.repo.open_intervals(children, parents))
        for f in aggregations:
            book.apply(f)
        self.repo.save_intervals(book.touched)

    # --- corrections -----------------------------------------------------------------------------

    def _declare(self, declaration: Facts) -> None:
        target = self.repo.declared_target(
            declaration.declares, declaration.declaration_hash, declaration.ref.log_index
        )
        if target is not None:
            self.void(target, declaration.ref.log_index)

    def void_event_id(self, event_id: str, declared_log_index: int) -> bool:
        """Void a stored event by its stored id; False if unknown or already void."""
        target = self.repo.declared_target(event_id, None, declared_log_index + 1)
        return target is not None and self.void(target, declared_log_index)

    def void(self, target: EpcisEventRow, declared_log_index: int) -> bool:
        """Remove an event's effects and recompute what it touched; False if already void."""
        if not self.repo.mark_voided(target.id, declared_log_index):
            return False
        self.repo.delete_event_facts(target.id)
        keys = self.repo.named_epcs(target.id)
        self._replay(keys, before=declared_log_index)
        return True

    def _replay(self, keys: set[str], *, before: int) -> None:
        """Recompute item state and containment for `keys` from the live events before `before`.

        Containment rows in scope are those whose parent is a key or whose child is a key or was
        ever inside a key: every event that shaped them names one of those, or unpacks a parent
        of one of them, so the replay sees all of them and nothing else.
        """
        widened = keys | self.repo.children_ever(keys)
        dropped_parents = self.repo.delete_intervals(widened, keys)
        self.repo.delete_states(widened)
        rows = self.repo.replay_events(widened, dropped_parents, before)
        facts = [f for f in (facts_of_row(r) for r in rows) if not f.is_declaration]
        self._fold_states(facts, widened)
        book = ContainmentBook(in_scope=lambda p, c: c in widened or p in keys)
        self._fold_containment(facts, book, load=False)


# --- per-event fact rows -------------------------------------------------------------------------


def lineage_rows(f: Facts) -> list[tuple[Any, ...]]:
    """Inputs and outputs of a transformation."""
    if f.event_type != "TransformationEvent":
        return []
    rows = []
    for named in f.by_role("inputEPCList", "inputQuantityList", "outputEPCList",
                           "outputQuantityList"):  # fmt: skip
        role = "in" if named.role.startswith("input") else "out"
        position = named.position + (100_000 if "Quantity" in named.role else 0)
        rows.append((f.ref.pk, role, position, named.epc, named.is_class, named.quantity,
                     named.uom, f.group_key, f.ref.log_index, f.ref.time))  # fmt: skip
    return rows


def lot_event_rows(f: Facts) -> list[tuple[Any, ...]]:
    """One row per lot the event speaks of: lots it names, lots it commissions items into."""
    lots: dict[str, str] = {}
    for named in f.named:
        if named.is_class:
            lots.setdefault(named.epc, named.role)
        elif named.role in COMMISSION_ROLES and (
            f.action == "ADD" or named.role == "outputEPCList"
        ):
            lot = item_lot_class(named, f)
            if lot:
                lots.setdefault(lot, "commission")
    return [_lot_row(f, lot, role) for lot, role in sorted(lots.items())]


def _lot_row(f: Facts, lot: str, role: str) -> tuple[Any, ...]:
    data = {
        "ilmd": f.ilmd, "ext": f.extensions, "certifications": list(f.certifications),
        "sources": [list(s) for s in f.sources], "destinations": [list(d) for d in f.destinations],
    }  # fmt: skip
    return (
        lot, f.ref.pk, gtin_of(lot), _lot_text(lot),
        role if role != "quantityList" or f.action == "ADD" else "observed",
        f.ref.log_index, f.ref.time, f.ref.party_id, f.biz_step, f.disposition, f.biz_location,
        f.read_point, f.production_value(LINE_KEYS) or None, f.production_value(SHIFT_KEYS), data,
    )  # fmt: skip


def _lot_text(lot: str) -> str | None:
    found = lot_of(lot)
    return unquote(found)[:64] if found else None


def link_rows(f: Facts) -> list[tuple[Any, ...]]:
    """Each business transaction of the event, for each identifier the event names."""
    if not f.transactions:
        return []
    ref = f.ref
    epcs = sorted({n.epc for n in f.named})
    return [
        (ref.pk, epc, i, value, kind, f.action, f.biz_step, ref.log_index, ref.time)
        for i, (value, kind) in enumerate(f.transactions)
        for epc in epcs
    ]
