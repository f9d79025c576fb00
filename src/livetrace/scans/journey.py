"""The journey a scan page shows for one code: product and brand, where it grew, how it was made,
how it travelled, any recall, and the log proofs behind it. Reads only; never commits.

A page costs a handful of queries: the journey of an item changes only when the log grows (new
events, recalls and documents are all statements on it) or is checkpointed or cosigned, so it is
cached per item under the log's size, root hash, latest checkpoint size and cosignature count,
with a short time limit for catalog edits, which are not on the log.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.epcis.capture_errors import DocumentIntegrityError, DocumentNotFoundError
from livetrace.epcis.documents import ContentStore, DocumentService
from livetrace.kit.errors import LivetraceError
from livetrace.kit.lru import Lru
from livetrace.ledger._codec import b64encode
from livetrace.ledger.errors import CheckpointNotFoundError
from livetrace.ledger.merkle import inclusion_proof, leaf_hash
from livetrace.ledger.policy import Policy, parse_policy
from livetrace.ledger.reads import LogReader
from livetrace.ledger.repository import LogHead, LogRepository
from livetrace.ledger.service import SignedCheckpoint
from livetrace.scans.coldchain import ColdChain, cold_chain
from livetrace.scans.resolver_repository import EvidenceRow, ItemContext, ResolverRepository
from livetrace.scans.resolver_views import (
    Certificate,
    Fact,
    Journey,
    Proof,
    SourceLot,
    Step,
    Summary,
    fact,
    origin_sources,
    source_of,
    specs_of,
    step_of,
    transactions_of,
)
from livetrace.trace.errors import UnknownIdentifierError
from livetrace.trace.recall import recall_for
from livetrace.trace.schemas import BackwardTrace, CustodyOut, DocumentOut, RecallNotice
from livetrace.trace.service import SharedRows, TraceService, identifier

MAX_DOCUMENTS = 12  # certificates shown (and their files verified) per page
MAX_PROOFS = 3
MAX_SHARED_ROWS = 50_000  # containers and lots remembered per log head before starting over
_DOCUMENT = re.compile(r"/documents/([0-9a-f]{64})(?:[/?#]|$)")
_GLN_DL = re.compile(r"^https://id\.gs1\.org/414/(\d{13})(?:/254/(.+))?$")
_LINK_TYPE = "url"  # attributes of this type are links (follow, coupon), not facts to list
# The lot's dates are on the production layer already (production and expiry dates).
_DATE_KEYS = frozenset(
    {"itemExpirationDate", "bestBeforeDate", "production_date", "productionDate"}
)
_LINE_KEYS = frozenset({"mill_line", "processing_line", "filling_line", "factory_line"})


class JourneyCache:
    """Journeys by (item, log head), least recently used dropped, entries time out.

    Beside whole journeys it keeps the JSON verdict's summaries and certificate verification
    results, under keys that name the log's head as well (`LogRepository.head`): it changes with
    every new event, recall, document, checkpoint and cosignature, so none of them is ever
    answered from an older entry.
    """

    def __init__(
        self,
        max_entries: int = 4096,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries, self.ttl, self._clock = max_entries, ttl, clock
        self._items: Lru[tuple[object, ...], tuple[float, object]] = Lru(max_entries)

    def get(self, key: tuple[object, ...]) -> Journey | None:
        """The cached journey, if fresh."""
        return cast("Journey | None", self._get(("journey", *key)))

    def put(self, key: tuple[object, ...], journey: Journey) -> None:
        """Remember a journey."""
        self._put(("journey", *key), journey)

    def summary(self, key: tuple[object, ...]) -> Summary | None:
        """The cached summary of a code, if fresh."""
        return cast("Summary | None", self._get(("summary", *key)))

    def put_summary(self, key: tuple[object, ...], summary: Summary) -> None:
        """Remember the summary of a code."""
        self._put(("summary", *key), summary)

    def verification(self, key: tuple[object, ...]) -> str | None:
        """The cached verification result of a document, if fresh."""
        return cast("str | None", self._get(("verification", *key)))

    def put_verification(self, key: tuple[object, ...], result: str) -> None:
        """Remember the verification result of a document."""
        self._put(("verification", *key), result)

    def find(self, kind: str, key: tuple[object, ...]) -> object | None:
        """A cached value of another kind (see `keep`), if fresh."""
        return self._get((kind, *key))

    def keep(self, kind: str, key: tuple[object, ...], value: object) -> None:
        """Remember a value of `kind` (its key must name the log head it was read under)."""
        self._put((kind, *key), value)

    def _get(self, key: tuple[object, ...]) -> object | None:
        found = self._items.get(key)
        if found is None or self._clock() - found[0] > self.ttl:
            return None
        return found[1]

    def _put(self, key: tuple[object, ...], value: object) -> None:
        self._items.put(key, (self._clock(), value))


DEFAULT_CACHE = JourneyCache()


class JourneyService:
    """Builds (or recalls from the cache) the journey of a scanned code."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        encryptor: KeyEncryptor,
        *,
        cache: JourneyCache | None = DEFAULT_CACHE,
    ) -> None:
        self.session = session
        self.settings = settings
        self.encryptor = encryptor
        self.cache = cache
        self.repo = ResolverRepository(session)
        self._state = LogHead(0, b"", 0, 0, None)  # the log's head as last read

    def journey(
        self, gtin: str, lot: str | None, serial: str | None, *, recalled: bool | None = None
    ) -> Journey | None:
        """The journey of a code (None when its GTIN is no product here).

        `recalled=False` says the scan's verdict already looked for open recalls of the code
        and its lot and found none, so the page does not ask again.
        """
        key = (gtin, lot, serial, *self._log_state())
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            return cached
        tracer = self._tracer()
        built = self._from_twin(tracer, gtin, lot, serial, recalled)
        if built is not None:
            return built  # its twin group is cached: an entry per item would only evict groups
        built = self._build(gtin, lot, serial, tracer, recalled)
        if built is not None and self.cache is not None:
            self.cache.put(key, built)
        return built

    def _from_twin(
        self,
        tracer: TraceService,
        gtin: str,
        lot: str | None,
        serial: str | None,
        recalled: bool | None,
    ) -> Journey | None:
        """The journey of an item whose twin's is known, else built and kept for its twins.

        Items with the same trace footprint (`TraceService.footprint`: bags of one case from
        one commissioning) have the same journey but for their own id and any recall of the
        item alone; after a live stream thousands of them are scanned, so each case is traced
        once per log head and every other bag's page costs the footprint's four reads.
        """
        if serial is None or self.cache is None:
            return None
        item = _item_key(gtin, lot, serial)
        footprint = tracer.footprint(item)
        if footprint is None:
            return None
        twin_key = (gtin, lot, footprint, *self._state)
        twin = self.cache.find("twin", twin_key)
        if isinstance(twin, Journey):
            return _retarget(twin, item, serial, self._recall(item, recalled))
        built = self._build(gtin, lot, serial, tracer, recalled)
        if built is not None:
            built = replace(built, shared=twin_key)
            self.cache.keep("twin", twin_key, built)
        return built

    def _tracer(self) -> TraceService:
        """A trace for one page (it remembers the rows it read), sharing the rows of containers
        and lots with every page read under the same log head."""
        if self.cache is None:
            return TraceService(self.session)
        shared = self.cache.find("rows", self._state)
        if not isinstance(shared, SharedRows) or shared.size() > MAX_SHARED_ROWS:
            shared = SharedRows()
            self.cache.keep("rows", self._state, shared)
        return TraceService(self.session, shared=shared)

    def _recall(self, key: str, recalled: bool | None) -> RecallNotice | None:
        """The open recall covering an item or its lot (not asked when the verdict found none)."""
        if recalled is False:
            return None
        recalls = recall_for(self.session, key)
        return recalls[0] if recalls else None

    def summary(
        self, gtin: str, lot: str | None, serial: str | None, *, recalled: bool | None = None
    ) -> Summary | None:
        """What the JSON verdict tells of a code: product, brand and any open recall (None when
        its GTIN is no product here). The same as the journey's, without building it.

        `recalled=False` says the scan's verdict found no recall of the code or its lot: the
        names are then all there is to read (held, like catalog rows, for the cache's time limit).
        """
        if recalled is False:
            names = self._names(gtin)
            return (
                Summary(product_name=names[0], brand_name=names[1], recall=None) if names else None
            )
        key = (gtin, lot, serial, *self._log_state())
        if self.cache is not None:
            found = self.cache.summary(key)
            journey = self.cache.get(key) if found is None else None
            found = found or (Summary.of(journey) if journey is not None else None)
            if found is not None:
                return found
        built = self._summary(gtin, lot, serial)
        if built is not None and self.cache is not None:
            self.cache.put_summary(key, built)
        return built

    def _summary(self, gtin: str, lot: str | None, serial: str | None) -> Summary | None:
        names = self.repo.product_names(gtin)
        if names is None:
            return None
        recalls = recall_for(self.session, _item_key(gtin, lot, serial))
        if recalls:
            # Rare: the page shows a recall only for a code the trace knows; ask it the same way.
            journey = self._build(gtin, lot, serial)
            return Summary.of(journey) if journey is not None else None
        return Summary(product_name=names[0], brand_name=names[1], recall=None)

    def _names(self, gtin: str) -> tuple[str, str] | None:
        """(product, brand) names of a GTIN; catalog rows, not on the log: held for the TTL."""
        found = self.cache.find("names", (gtin,)) if self.cache is not None else None
        if isinstance(found, tuple):
            return cast("tuple[str, str]", found)
        names = self.repo.product_names(gtin)
        if names is not None and self.cache is not None:
            self.cache.keep("names", (gtin,), names)
        return names

    def _log_state(self) -> LogHead:
        self._state = LogRepository(self.session).head()
        return self._state

    def _build(
        self,
        gtin: str,
        lot: str | None,
        serial: str | None,
        tracer: TraceService | None = None,
        recalled: bool | None = None,
    ) -> Journey | None:
        context = self._context(gtin, lot)
        if context is None:
            return None
        lot = lot or (context.lot.lot_number if context.lot else None)
        key = _item_key(gtin, lot, serial)
        tracer = tracer or self._tracer()
        trace = _trace(tracer, key)
        recall = self._recall(key, recalled) if trace is not None else None
        specs = specs_of(context.template_attributes)
        lots = trace.lots if trace else []
        own_lot = identifier(gtin=gtin, lot=lot) if lot else None
        sources = tuple(source_of(x, specs) for x in lots if x.id != own_lot)
        production_lot = next((source_of(x, specs) for x in lots if x.id == own_lot), None)
        events = tracer.events_naming([key]) if trace else []
        proofs, checkpoint = self._proofs(events)
        custody = trace.custody if trace else []
        timeline, chain = self._custody(tracer, key, custody, context)
        waybills, documents = transactions_of(timeline)
        origin, production = (_layer_facts(specs, context, x) for x in ("origin", "production"))
        return Journey(
            key=key, gtin=gtin, lot=lot, serial=serial, product_name=context.product.name,
            description=context.product.description, net_content=context.product.net_content,
            brand_name=context.brand_name,
            origin=origin,
            sources=origin_sources(sources, _trimmed(production_lot, origin + production)),
            production=production,
            production_lot=_without_repeats(production_lot, production), raw_materials=sources,
            circulation=_layer_facts(specs, context, "circulation"),
            timeline=timeline,
            certificates=self._certificates(trace, context, [e.event_id for _, e in events]),
            waybills=waybills, documents=documents, cold_chain=chain,
            recall=recall, proofs=proofs,
            checkpoint=checkpoint.cosigned_note if checkpoint else None,
            checkpoint_size=checkpoint.checkpoint.size if checkpoint else None,
            witnesses=len(checkpoint.cosignatures) if checkpoint else 0,
            traced=trace is not None, follow_url=_link(context, "follow_url"),
            coupon_url=_link(context, "coupon_url"),
        )  # fmt: skip

    def _custody(
        self, tracer: TraceService, key: str, custody: Sequence[CustodyOut], context: ItemContext
    ) -> tuple[tuple[Step, ...], ColdChain | None]:
        """The timeline with typed transactions, and the cold chain, from the events the trace
        already read (the hand-overs and any sensor readings naming the item or its carriers)."""
        subjects = {key, *(c.subject for c in custody)} if custody else set()
        rows = _event_documents(tracer, {c.event_id for c in custody}, subjects)
        kinds = {event_id: _transaction_kinds(doc) for event_id, _, doc in rows}
        places = self._places(custody)
        timeline = tuple(step_of(c, places, kinds) for c in custody)
        attributes = context.product.attributes
        fallback = (
            _float(attributes.get("storage_min_c")),
            _float(attributes.get("storage_max_c")),
        )
        return timeline, cold_chain(rows, fallback)

    def _proofs(
        self, events: Sequence[tuple[str, Any]]
    ) -> tuple[tuple[Proof, ...], SignedCheckpoint | None]:
        reader = LogReader(self.session, witness_policy(self.settings))
        checkpoint = self._checkpoint(reader)
        rows = [e for _, e in events]
        chosen = list({r.log_index: r for r in (rows[:1] + rows[-(MAX_PROOFS - 1) :])}.values())
        size = checkpoint.checkpoint.size if checkpoint else 0
        hashes = reader.repo.hash_reader(size) if size else None
        out = []
        for row in sorted(chosen, key=lambda r: r.log_index):
            entry = self._entry(reader, row.log_index)
            included = hashes is not None and row.log_index < size
            path = inclusion_proof(row.log_index, size, hashes) if included and hashes else []
            out.append(Proof(
                event_id=row.event_id, step=row.biz_step, time=row.event_time, index=row.log_index,
                entry=entry.decode("utf-8"), leaf_hash=b64encode(leaf_hash(entry)),
                hashes=tuple(b64encode(h) for h in path), included=included,
            ))  # fmt: skip
        return tuple(out), checkpoint

    def _context(self, gtin: str, lot: str | None) -> ItemContext | None:
        """Product, brand and lot: the same for every item of a lot, read once per log head."""
        key = (gtin, lot, *self._state)
        found = self.cache.find("context", key) if self.cache is not None else None
        if isinstance(found, ItemContext):
            return found
        context = self.repo.item_context(gtin, lot)
        if context is not None and self.cache is not None:
            self.cache.keep("context", key, context)
        return context

    def _checkpoint(self, reader: LogReader) -> SignedCheckpoint | None:
        """The latest cosigned checkpoint, read once per log head."""
        found = self.cache.find("checkpoint", self._state) if self.cache is not None else None
        if isinstance(found, SignedCheckpoint):
            return found
        try:
            checkpoint = reader.latest_checkpoint()
        except CheckpointNotFoundError:
            return None
        if self.cache is not None:
            self.cache.keep("checkpoint", self._state, checkpoint)
        return checkpoint

    def _entry(self, reader: LogReader, index: int) -> bytes:
        """The log entry at `index` (entries never change; the key names the head anyway)."""
        key = (index, *self._state)
        found = self.cache.find("entry", key) if self.cache is not None else None
        if isinstance(found, bytes):
            return found
        entry = reader.repo.entries(index, index + 1)[0]
        if self.cache is not None:
            self.cache.keep("entry", key, entry)
        return entry

    def _places(self, custody: Sequence[CustodyOut]) -> dict[str, tuple[str, str | None]]:
        glns: dict[str, tuple[str, str]] = {}
        for c in custody:
            if c.location and (match := _GLN_DL.match(identifier(c.location))):
                glns[c.location] = (match.group(1), match.group(2) or "0")
        key = (tuple(sorted({g for g, _ in glns.values()})), *self._state)
        found = self.cache.find("places", key) if self.cache is not None else None
        names = cast("dict[tuple[str, str], tuple[str, str | None]] | None", found)
        if names is None:
            names = self.repo.location_names(key[0])
            if self.cache is not None:
                self.cache.keep("places", key, names)
        return {loc: names[pair] for loc, pair in glns.items() if pair in names}

    def _certificates(
        self, trace: BackwardTrace | None, context: ItemContext, event_ids: Iterable[str]
    ) -> tuple[Certificate, ...]:
        lot_id = context.lot.id if context.lot else None
        rows = {d.sha256: d for d in self.repo.evidence(context.product.id, lot_id, event_ids)}
        found: list[tuple[DocumentOut | None, EvidenceRow | None, str | None]] = []
        for doc in trace.documents if trace else []:
            match = _DOCUMENT.search(doc.reference)
            sha = match.group(1) if match else None
            found.append((doc, rows.pop(sha, None) if sha else None, sha))
        found += [(None, row, row.sha256) for row in rows.values()]
        return tuple(self._certificate(*entry) for entry in found[:MAX_DOCUMENTS])

    def _certificate(
        self, doc: DocumentOut | None, row: EvidenceRow | None, sha: str | None
    ) -> Certificate:
        return Certificate(
            reference=doc.reference if doc else f"sha256:{sha}",
            kind=doc.kind if doc else (row.kind if row else "document"),
            title=row.title if row else None,
            status=doc.status if doc else "asserted",
            verification=self._verify(sha) if sha else "reference",
            issuer=doc.party.name if doc else None,
            time=doc.time if doc else (row.created_at if row else None), sha256=sha,
        )  # fmt: skip

    def _verify(self, sha: str) -> str:
        key = (sha, *self._state)
        cached = self.cache.verification(key) if self.cache is not None else None
        if cached is None:
            cached = self._verify_now(sha)
            if self.cache is not None and cached == "verified":
                # Only a pass is kept: a pending document turns verified once a checkpoint
                # covers it, which may happen without the log growing.
                self.cache.put_verification(key, cached)
        return cached

    def _verify_now(self, sha: str) -> str:
        store = ContentStore(self.settings.data_dir)
        service = DocumentService(self.session, self.encryptor, self.settings.log_origin, store)
        try:
            service.verified(sha)
        except DocumentIntegrityError:
            return "tampered"
        except DocumentNotFoundError:
            return "missing"
        except LivetraceError:
            return "pending"  # not yet under a published checkpoint
        return "verified"


def _retarget(twin: Journey, key: str, serial: str, recall: RecallNotice | None) -> Journey:
    """A twin's journey as another item's: its id, serial, own hand-overs and recall."""
    steps = tuple(replace(s, subject=key) if s.subject == twin.key else s for s in twin.timeline)
    return replace(twin, key=key, serial=serial, timeline=steps, recall=recall)


def witness_policy(settings: Settings) -> Policy | None:
    """The deployment's witness policy: which checkpoint counts as the latest cosigned one."""
    path = settings.witness_policy
    return parse_policy(path.read_bytes()) if path else None


def _item_key(gtin: str, lot: str | None, serial: str | None) -> str:
    """The trace identifier of a code: the item (GTIN + serial) or the lot (GTIN + lot)."""
    if serial is not None:
        return identifier(f"https://id.gs1.org/01/{gtin}/21/{serial}")
    if lot is not None:
        return identifier(gtin=gtin, lot=lot)
    return identifier(f"https://id.gs1.org/01/{gtin}")


def _layer_facts(
    specs: dict[str, dict[str, Any]], context: ItemContext, layer: str
) -> tuple[Fact, ...]:
    """Product- and lot-level values of the template attributes of one layer."""
    lot = context.lot
    facts: list[Fact] = []
    if layer == "production" and lot is not None:
        facts += [Fact("lot_number", "批号", "Lot", lot.lot_number)]
        if lot.production_date:
            facts.append(
                Fact(
                    "production_date",
                    "生产日期",
                    "Production date",
                    lot.production_date.isoformat(),
                )
            )
        if lot.expiry_date:
            facts.append(
                Fact("expiry_date", "保质期至", "Best before", lot.expiry_date.isoformat())
            )
    values = {**context.product.attributes, **(lot.attributes if lot else {})}
    for key, spec in specs.items():
        if spec.get("type") == _LINK_TYPE:
            continue
        if spec.get("layer") == layer and key in values and values[key] not in (None, ""):
            facts.append(fact(key, values[key], spec))
    return tuple(facts)


def _without_repeats(lot: SourceLot | None, production: tuple[Fact, ...]) -> SourceLot | None:
    """The production lot without the line and shift the lot's own attributes already show."""
    if lot is None:
        return None
    keys = {f.key for f in production}
    line = None if keys & _LINE_KEYS else lot.line
    shift = None if "shift" in keys else lot.shift
    return replace(lot, line=line, shift=shift)


def _trimmed(lot: SourceLot | None, shown: tuple[Fact, ...]) -> SourceLot | None:
    """The item's own lot as an origin source, without what the layers already show."""
    if lot is None:
        return None
    keys = {f.key for f in shown} | _DATE_KEYS
    return replace(lot, facts=tuple(f for f in lot.facts if f.key not in keys))


def _transaction_kinds(doc: dict[str, Any]) -> dict[str, str]:
    """An event's business transactions by identifier, with their types."""
    listed = doc.get("bizTransactionList")
    return {
        str(t["bizTransaction"]): str(t["type"])
        for t in (listed if isinstance(listed, list) else [])
        if isinstance(t, dict) and t.get("bizTransaction") and t.get("type")
    }


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _link(context: ItemContext, key: str) -> str | None:
    """The brand's follow or coupon page, when the product names one (https only)."""
    value = context.product.attributes.get(key)
    if isinstance(value, str) and value.startswith("https://") and len(value) <= 500:
        return value
    return None


def _trace(tracer: TraceService, key: str) -> BackwardTrace | None:
    try:
        return tracer.backward(key)
    except UnknownIdentifierError:
        return None  # issued but never captured: the page shows the product only


def _event_documents(
    tracer: TraceService, event_ids: set[str], subjects: set[str]
) -> list[tuple[str, datetime, dict[str, Any]]]:
    """(event id, time, document) of these events and of every live event with sensor readings
    that names one of `subjects`, in log order; read from the tracer's memory, not the database."""
    out: dict[str, tuple[str, datetime, dict[str, Any]]] = {}
    for _, event in tracer.events_naming(subjects):
        if event.event_id in event_ids or event.document.get("sensorElementList"):
            out.setdefault(event.event_id, (event.event_id, event.event_time, event.document))
    return list(out.values())
