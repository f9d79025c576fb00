"""Capture jobs: the record of a `POST /capture` (or a file import) and its outcome. Never commits.

Job model: the HTTP adapter runs the capture inside the request's transaction and commits the job
together with the events it stored, before answering `202 Accepted` with `Location: /capture/{id}`.
So an answered capture is never lost and a job is never left half done: a crash before the commit
leaves neither job nor events, and the client, which got no answer, sends the document again.
A file import (CLI) opens its job in a transaction of its own first and closes it per batch; if
the import dies, the job is closed as failed with the reason (`fail`), never left silently running.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livetrace.epcis.capture import Behaviour, CaptureOutcome, CaptureProblem, CaptureService
from livetrace.epcis.capture_errors import CaptureJobNotFoundError
from livetrace.epcis.capture_input import ReceivedDocument
from livetrace.epcis.models import CaptureJob
from livetrace.identity.policy import Principal, can_read, require_scope
from livetrace.identity.roles import Scope
from livetrace.kit.clock import utcnow
from livetrace.kit.pagination import Page, PageRequest

MAX_STORED_ERRORS = 1_000  # a job keeps the first problems; the count says how many there were


def open_job(session: Session, party_id: uuid.UUID, behaviour: str, event_count: int) -> CaptureJob:
    """A new running job for `event_count` events."""
    job = CaptureJob(
        party_id=party_id, running=True, success=True, error_behaviour=behaviour,
        event_count=event_count, captured_count=0, errors=[], created_at=utcnow(),
    )  # fmt: skip
    session.add(job)
    session.flush()
    return job


def record(job: CaptureJob, outcome: CaptureOutcome) -> None:
    """Add a batch outcome to a running job."""
    job.captured_count += len(outcome.captured)
    if outcome.problems:
        job.success = False
        job.errors = [*job.errors, *_dicts(job, outcome.problems)][:MAX_STORED_ERRORS]


def finish(job: CaptureJob, *, rolled_back: bool = False) -> None:
    """Close the job; with rollback and a failure, nothing of it counts as captured."""
    if rolled_back and not job.success:
        job.captured_count = 0
    job.running = False
    job.finished_at = utcnow()


def fail(job: CaptureJob, problem: CaptureProblem) -> None:
    """Close a job that could not run to its end (the reason becomes its last error)."""
    record(job, CaptureOutcome(problems=[problem]))
    finish(job)


def _dicts(job: CaptureJob, problems: Sequence[CaptureProblem]) -> list[dict[str, object]]:
    return [{**p.as_dict(), "instance": f"/capture/{job.id}"} for p in problems]


def get_job(session: Session, principal: Principal, job_id: uuid.UUID) -> CaptureJob:
    """A job the caller may read (its own party's, or any for overseers)."""
    require_scope(principal, Scope.READ)
    job = session.get(CaptureJob, job_id)
    if job is None or not can_read(principal, job.party_id):
        raise CaptureJobNotFoundError(f"no capture job {job_id}", field="captureID")
    return job


def list_jobs(session: Session, principal: Principal, page: PageRequest) -> Page[CaptureJob]:
    """The caller's jobs (every party's for overseers), newest first."""
    require_scope(principal, Scope.READ)
    query = select(CaptureJob)
    if not principal.is_overseer:
        query = query.where(CaptureJob.party_id == principal.party_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(CaptureJob.created_at.desc(), CaptureJob.id)
        .limit(page.limit)
        .offset(page.offset)
    ).scalars()
    return Page(list(rows), total, page.limit, page.offset)


def run_job(
    service: CaptureService,
    party_id: uuid.UUID,
    received: ReceivedDocument,
    behaviour: Behaviour,
) -> CaptureJob:
    """Capture a received document as one job, in the caller's transaction."""
    job = open_job(service.session, party_id, behaviour.value, len(received.events))
    outcome = service.capture(
        party_id, received.envelope, received.events, behaviour=behaviour, job_id=job.id
    )
    record(job, outcome)
    finish(job)
    return job
