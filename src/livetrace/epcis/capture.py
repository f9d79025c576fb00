"""Capture: validated events become statements signed by the capturing party, appended to the log,
stored with their index rows and projections, all in the caller's transaction. Never commits.

Pipeline per batch: screen (capture_input) → identify (Event Hash ID, eventID, duplicates, error
declarations) → lock the log → check against stored events → sign one statement per event →
append the batch and sign a checkpoint → write events and index rows → mark corrected originals →
run projectors. Nothing is written before every check of the batch is done, so with `rollback` a
single bad event leaves the database untouched; with `proceed` the bad events are only reported.

Statement (kind `epcis.event`, signed by the capturing party, time = recordTime), body:
`{"eventID", "eventHash", "sha256"}` plus `"declares"` for an error declaration. `sha256` is the
hex SHA-256 of the RFC 8785 form of the stored event JSON (the `document` column, which carries
eventID and recordTime), so the stored event can be checked against the log. The event itself is
not put on the log: leaves stay small and fixed in size whatever the event holds (the log limits
a leaf to 64 KiB, and events may carry long sensor series or business data).

Error declarations (the standard's copy of the erroneous event plus `errorDeclaration`): the event
it names (by eventID, else by Event Hash ID) must be stored or earlier in the same batch, belong to
the capturing party, not be declared already, and have the same Event Hash ID (the hash leaves out
`errorDeclaration`, so a faithful copy matches). The declaration is stored as an event of its own;
since its eventID and Event Hash ID are the original's, its row is keyed by the content hash of its
JSON (`ni:///sha-256;<hex>`, no `ver`), and the original row gets `error_declared_by` (that key),
`error_declaration_time` and `error_reason`. That is the only update an original row ever sees.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.epcis import model as m
from livetrace.epcis.bindings_json import event_to_json
from livetrace.epcis.capture_errors import CaptureAccessError, EventAlreadyExistsError
from livetrace.epcis.capture_input import Envelope, screen
from livetrace.epcis.documents import CertificationLinks
from livetrace.epcis.errors import EpcisError, EpcisParseError, EPCISValidationError
from livetrace.epcis.eventhash import event_hash
from livetrace.epcis.index import parse_time
from livetrace.epcis.interfaces import Projector
from livetrace.epcis.models import EpcisEventRow
from livetrace.epcis.problems import ValidationProblem
from livetrace.epcis.writer import AcceptedEvent, write_events
from livetrace.identity.policy import Principal
from livetrace.identity.roles import Scope
from livetrace.kit import canonical_json
from livetrace.kit.clock import utcnow
from livetrace.kit.collector import collector_paused
from livetrace.kit.errors import ValidationError
from livetrace.ledger.repository import LogRepository
from livetrace.ledger.service import LogService
from livetrace.ledger.statements import Statement, key_fingerprint, sign_statement

STATEMENT_KIND = "epcis.event"
VALIDATION = "epcisException:ValidationException"
ALREADY_EXISTS = "epcisException:ResourceAlreadyExistsException"
SECURITY = "epcisException:SecurityException"
_SINGLE = "event"  # where a standalone event sits, for problem paths
_LOOKUP_CHUNK = 500  # identifiers per IN (...) when checking stored events


class Behaviour(StrEnum):
    """`GS1-Capture-Error-Behaviour`: all or nothing, or store what is valid."""

    ROLLBACK = "rollback"
    PROCEED = "proceed"


@dataclass(frozen=True, slots=True)
class CaptureProblem:
    """Why one event (or the whole batch) was not stored, with its EPCIS exception type."""

    event_index: int | None
    event_id: str | None
    path: str
    message: str
    code: str
    epcis_type: str = VALIDATION

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping, the body of one RFC 7807 problem in a capture job."""
        return {
            "type": self.epcis_type,
            "title": self.message.split(";", 1)[0],
            "detail": self.message,
            "eventIndex": self.event_index,
            "eventID": self.event_id,
            "path": self.path,
            "code": self.code,
        }


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    """An event that was stored: where it was in its document, its ids and its log index."""

    index: int
    event_id: str
    event_hash: str
    log_index: int
    document: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaptureOutcome:
    """What a capture stored and what it refused."""

    captured: list[CapturedEvent] = field(default_factory=list)
    problems: list[CaptureProblem] = field(default_factory=list)
    checkpoint_size: int | None = None


@dataclass(slots=True)
class _Candidate:
    """An event that passed validation, on its way to the log."""

    index: int
    event: m.EpcisEvent
    event_id: str
    event_hash: str
    cbv_hash: str
    declares: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    digest: str = ""

    @property
    def stated_id(self) -> str | None:
        """The eventID the stored JSON carries: its own, or for a declaration the original's."""
        return self.event.event_id if self.declares is not None else self.event_id


@dataclass(frozen=True, slots=True)
class _Stored:
    """What a duplicate or correction check needs of a stored event."""

    event_id: str
    event_hash: str
    party_id: uuid.UUID
    declared_by: str | None


def capturing_party(principal: Principal, requested: uuid.UUID | None = None) -> uuid.UUID:
    """The party whose key signs a capture: the caller's own, or any party for the platform."""
    if Scope.WRITE not in principal.scopes:
        raise CaptureAccessError("capturing events needs the `write` scope", field="scopes")
    party = requested or principal.party_id
    if party is None:
        raise CaptureAccessError("name the party that captures the events", field="party")
    if party != principal.party_id and not principal.is_platform:
        raise CaptureAccessError(
            f"this token acts for party {principal.party_id}; it may not capture events signed "
            f"for party {party}",
            field="party",
        )
    return party


def from_validation(problem: ValidationProblem) -> CaptureProblem:
    """A validation problem as a capture problem."""
    return CaptureProblem(
        problem.event_index, problem.event_id, problem.path, problem.message, problem.code
    )


def declaration_key(event_json: dict[str, Any]) -> str:
    """The key of an error declaration's row: RFC 6920 `ni` URI of its RFC 8785 JSON."""
    digest = hashlib.sha256(canonical_json.canonicalize(event_json)).hexdigest()
    return f"ni:///sha-256;{digest}"


def record_time_text(value: datetime) -> str:
    """`recordTime` as written into stored events: UTC with milliseconds."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class CaptureService:
    """Captures batches of events for one party inside the caller's transaction.

    `projectors` run after the events are written (default: linking certificationInfo to stored
    evidence documents).
    """

    def __init__(
        self,
        session: Session,
        encryptor: KeyEncryptor,
        origin: str,
        *,
        projectors: Sequence[Projector] | None = None,
    ) -> None:
        self.session = session
        self.encryptor = encryptor
        self.origin = origin
        self.projectors = (CertificationLinks(),) if projectors is None else tuple(projectors)

    def capture(
        self,
        party_id: uuid.UUID,
        envelope: Envelope,
        raw_events: Sequence[Any],
        *,
        behaviour: Behaviour = Behaviour.ROLLBACK,
        offset: int = 0,
        job_id: uuid.UUID | None = None,
    ) -> CaptureOutcome:
        """Validate and store a batch; with `rollback` any problem stores nothing."""
        with collector_paused():
            return self._capture(
                party_id, envelope, raw_events, behaviour=behaviour, offset=offset, job_id=job_id
            )

    def _capture(
        self,
        party_id: uuid.UUID,
        envelope: Envelope,
        raw_events: Sequence[Any],
        *,
        behaviour: Behaviour,
        offset: int,
        job_id: uuid.UUID | None,
    ) -> CaptureOutcome:
        screened = screen(envelope, raw_events, offset)
        problems = [from_validation(p) for p in screened.problems]
        if problems and behaviour is Behaviour.ROLLBACK:
            return CaptureOutcome(problems=problems)
        where = envelope.events_path
        candidates = _identify(screened.events, where, problems)
        if problems and behaviour is Behaviour.ROLLBACK:
            return CaptureOutcome(problems=_sorted(problems))
        LogRepository(self.session).lock_state(self.origin)  # from here on, one capture at a time
        candidates = _Checker(self.session, party_id, where, problems).check(candidates)
        if (problems and behaviour is Behaviour.ROLLBACK) or not candidates:
            return CaptureOutcome(problems=_sorted(problems))
        record_time = utcnow()  # taken under the log lock, so it grows with the log index
        candidates = _finish_documents(candidates, record_time, where, problems)
        if (problems and behaviour is Behaviour.ROLLBACK) or not candidates:
            return CaptureOutcome(problems=_sorted(problems))
        captured, size = self._store(party_id, candidates, record_time, job_id)
        return CaptureOutcome(captured, _sorted(problems), size)

    def capture_event(self, party_id: uuid.UUID, obj: Any) -> CapturedEvent:
        """Capture one standalone event (`POST /events`); raise unless it is stored."""
        if not isinstance(obj, Mapping):
            raise EpcisParseError("an event must be a JSON object", field="$")
        envelope = Envelope(context=obj.get("@context"), events_path=_SINGLE)
        outcome = self.capture(party_id, envelope, [obj])
        if outcome.problems:
            raise _single_error(outcome.problems)
        return outcome.captured[0]

    # --- store --------------------------------------------------------------------------------

    def _store(
        self,
        party_id: uuid.UUID,
        candidates: list[_Candidate],
        record_time: datetime,
        job_id: uuid.UUID | None,
    ) -> tuple[list[CapturedEvent], int]:
        signer = KeyService(self.session, self.encryptor).signer(KeyOwnerKind.PARTY, party_id)
        key = key_fingerprint(signer.public_key)
        statements = [
            sign_statement(Statement(STATEMENT_KIND, party_id, key, record_time, _body(c)), signer)
            for c in candidates
        ]
        entries, checkpoint = LogService(self.session, self.encryptor, self.origin).append_batch(
            statements
        )
        accepted = [
            AcceptedEvent(
                event=c.event, event_id=c.event_id, event_hash=c.event_hash, document=c.document,
                party_id=party_id, log_index=entry.index, record_time=record_time,
                capture_job_id=job_id,
            )
            for c, entry in zip(candidates, entries, strict=True)
        ]  # fmt: skip
        write_events(self.session, accepted)
        self._mark_originals(candidates)
        for projector in self.projectors:
            projector.apply(self.session, accepted)
        captured = [
            CapturedEvent(c.index, c.event_id, c.event_hash, a.log_index, c.document)
            for c, a in zip(candidates, accepted, strict=True)
        ]
        return captured, checkpoint.checkpoint.size

    def _mark_originals(self, candidates: Iterable[_Candidate]) -> None:
        for c in candidates:
            declaration = c.event.error_declaration
            if c.declares is None or declaration is None:
                continue
            self.session.execute(
                update(EpcisEventRow)
                .where(EpcisEventRow.event_id == c.declares)
                .values(
                    error_declared_by=c.event_id,
                    error_declaration_time=parse_time(declaration.declaration_time),
                    error_reason=declaration.reason,
                )
            )


def _identify(
    events: Iterable[tuple[int, m.EpcisEvent]], where: str, problems: list[CaptureProblem]
) -> list[_Candidate]:
    """Candidates with their ids; events whose ids cannot be computed become problems."""
    out = []
    for index, event in events:
        try:
            out.append(_candidate(index, event))
        except (EpcisError, ValidationError) as exc:
            problems.append(_problem(where, index, event.event_id, exc.message, exc.code))
    return out


def _candidate(index: int, event: m.EpcisEvent) -> _Candidate:
    """Hash ids, eventID and the declaration key of one valid event."""
    cbv_hash = event_hash(event)
    if event.error_declaration is None:
        # The event keeps its own eventID (maybe none) until its document is finished.
        return _Candidate(index, event, event.event_id or cbv_hash, cbv_hash, cbv_hash)
    # The original's id stands in the JSON; the row key is the declaration's own content hash.
    key = declaration_key(event_to_json(event, with_context=True))
    return _Candidate(index, event, key, key, cbv_hash, declares=event.event_id or cbv_hash)


def _finish_documents(
    candidates: list[_Candidate], record_time: datetime, where: str, problems: list[CaptureProblem]
) -> list[_Candidate]:
    """The candidates whose stored JSON has an RFC 8785 form (e.g. no integer beyond 2**53)."""
    out = []
    for c in candidates:
        try:
            _finish_document(c, record_time)
        except ValidationError as exc:
            message = f"the event cannot be canonicalised (RFC 8785): {exc.message} at {exc.field}"
            problems.append(_problem(where, c.index, c.stated_id, message, exc.code))
        else:
            out.append(c)
    return out


def _finish_document(c: _Candidate, record_time: datetime) -> None:
    """The stored JSON (eventID and recordTime set) and its RFC 8785 SHA-256."""
    event = replace(c.event, event_id=c.stated_id, record_time=record_time_text(record_time))
    c.event = event
    c.document = event_to_json(event, with_context=True)
    c.digest = hashlib.sha256(canonical_json.canonicalize(c.document)).hexdigest()


def _body(c: _Candidate) -> dict[str, Any]:
    body = {"eventID": c.event_id, "eventHash": c.event_hash, "sha256": c.digest}
    if c.declares is not None:
        body["declares"] = c.declares
    return body


def _single_error(problems: Sequence[CaptureProblem]) -> EpcisError:
    """The error a refused standalone event raises, paths relative to the event (`$`)."""
    first = problems[0]
    path = first.path.replace(f"{_SINGLE}[0]", "$", 1)
    if first.epcis_type == ALREADY_EXISTS:
        return EventAlreadyExistsError(first.message, field=path)
    if first.epcis_type == SECURITY:
        return CaptureAccessError(first.message, field=path)
    return EPCISValidationError(
        [
            ValidationProblem(
                None, p.event_id, p.path.replace(f"{_SINGLE}[0]", "$", 1), p.message, p.code
            )
            for p in problems
        ]
    )


def _problem(
    where: str,
    index: int,
    event_id: str | None,
    message: str,
    code: str,
    *,
    epcis_type: str = VALIDATION,
) -> CaptureProblem:
    return CaptureProblem(index, event_id, f"{where}[{index}]", message, code, epcis_type)


def _sorted(problems: list[CaptureProblem]) -> list[CaptureProblem]:
    return sorted(problems, key=lambda p: -1 if p.event_index is None else p.event_index)


class _Checker:
    """Duplicate and correction checks of a batch against itself and the stored events."""

    def __init__(
        self, session: Session, party_id: uuid.UUID, where: str, problems: list[CaptureProblem]
    ) -> None:
        self.session = session
        self.party_id = party_id
        self.where = where
        self.problems = problems

    def check(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """The candidates that may be stored; the others' problems are recorded."""
        stored = self._stored(candidates)
        seen: dict[str, int] = {}
        declared: set[str] = set()
        batch: dict[str, _Candidate] = {}
        out = []
        for c in candidates:
            if self._duplicate(c, stored, seen) or self._bad_declaration(
                c, stored, batch, declared
            ):
                continue
            for key in {c.event_id, c.event_hash}:
                seen[key] = c.index
            if c.declares is None:
                batch[c.event_id] = batch[c.event_hash] = c
            out.append(c)
        return out

    def _stored(self, candidates: list[_Candidate]) -> dict[str, _Stored]:
        """Stored events by eventID and by hash, for every identifier the batch mentions."""
        keys = {k for c in candidates for k in (c.event_id, c.event_hash, c.declares) if k}
        found: dict[str, _Stored] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), _LOOKUP_CHUNK):
            chunk = ordered[start : start + _LOOKUP_CHUNK]
            rows = self.session.execute(
                select(
                    EpcisEventRow.event_id,
                    EpcisEventRow.event_hash,
                    EpcisEventRow.party_id,
                    EpcisEventRow.error_declared_by,
                ).where(or_(EpcisEventRow.event_id.in_(chunk), EpcisEventRow.event_hash.in_(chunk)))
            )
            for row in rows:
                item = _Stored(row.event_id, row.event_hash, row.party_id, row.error_declared_by)
                found[item.event_id] = item
                found.setdefault(item.event_hash, item)
        return found

    def _duplicate(self, c: _Candidate, stored: dict[str, _Stored], seen: dict[str, int]) -> bool:
        keys = (c.event_id,) if c.declares is not None else (c.event_id, c.event_hash)
        for key in keys:
            what = "eventID" if key == c.event_id else "Event Hash ID"
            if key in seen:
                message = f"duplicate of event #{seen[key]} in this capture ({what} {key})"
                return self._report(c, message, "epcis-duplicate-in-capture", ALREADY_EXISTS)
            if key in stored:
                message = f"an event with {what} {key} is already captured"
                return self._report(c, message, "epcis-event-exists", ALREADY_EXISTS)
        return False

    def _bad_declaration(
        self,
        c: _Candidate,
        stored: dict[str, _Stored],
        batch: dict[str, _Candidate],
        declared: set[str],
    ) -> bool:
        if c.declares is None:
            return False
        original = _original(c.declares, stored, batch, self.party_id)
        reason = _declaration_problem(c, original, declared, self.party_id)
        if reason is not None:
            return self._report(c, reason[0], reason[1], reason[2])
        assert original is not None  # _declaration_problem reports a missing original
        c.declares = original.event_id
        if c.event.event_id is None:  # the standard's copy carries the original's eventID
            c.event = replace(c.event, event_id=original.event_id)
        declared.add(original.event_id)
        return False

    def _report(self, c: _Candidate, message: str, code: str, epcis_type: str) -> bool:
        self.problems.append(
            _problem(self.where, c.index, c.stated_id, message, code, epcis_type=epcis_type)
        )
        return True


def _original(
    named: str, stored: dict[str, _Stored], batch: dict[str, _Candidate], party_id: uuid.UUID
) -> _Stored | None:
    if named in batch:
        c = batch[named]
        return _Stored(c.event_id, c.event_hash, party_id, None)
    return stored.get(named)


def _declaration_problem(
    c: _Candidate, original: _Stored | None, declared: set[str], party_id: uuid.UUID
) -> tuple[str, str, str] | None:
    """Why an error declaration cannot be stored, as (message, code, EPCIS type), or None."""
    if original is None:
        return (
            f"the error declaration names event {c.declares}, which this repository does not "
            "hold", "epcis-declaration-unknown-event", VALIDATION,
        )  # fmt: skip
    if original.party_id != party_id:
        return (
            f"event {original.event_id} was captured by another party; only that party may "
            "declare it erroneous", "epcis-declaration-foreign-event", SECURITY,
        )  # fmt: skip
    if original.declared_by is not None or original.event_id in declared:
        return (
            f"event {original.event_id} is already declared erroneous"
            + (f" by {original.declared_by}" if original.declared_by else " in this capture"),
            "epcis-declaration-repeated", ALREADY_EXISTS,
        )  # fmt: skip
    if c.cbv_hash != original.event_hash:
        return (
            f"an error declaration must repeat the event it corrects: its Event Hash ID "
            f"{c.cbv_hash} differs from {original.event_hash} of event {original.event_id}",
            "epcis-declaration-mismatch", VALIDATION,
        )  # fmt: skip
    return None
