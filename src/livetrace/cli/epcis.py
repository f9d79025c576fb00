"""`livetrace epcis …`: import capture files (JSON-LD or XML) in batches, validate files.

An import is one capture job per file. The job is committed first, so it is visible while the
import runs and is closed as failed (with the reason) if the import stops on an error.
`rollback` captures the whole file in one transaction, committed only if every event is good;
`proceed` commits batch by batch and records the bad events in the job.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from livetrace.cli.common import EXIT_DOMAIN_ERROR, context, err, out, work
from livetrace.cli.log import publish
from livetrace.context import AppContext
from livetrace.epcis import jobs
from livetrace.epcis.capture import Behaviour, CaptureOutcome, CaptureProblem
from livetrace.epcis.capture_files import FileDocument, open_document, validate_file
from livetrace.epcis.models import CaptureJob
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit.errors import LivetraceError
from livetrace.store.uow import unit_of_work
from livetrace.trace.wiring import capture_service

app = typer.Typer(help="EPCIS events: import and validate capture files.", no_args_is_help=True)


class _RejectedError(Exception):
    """A rollback import met a bad event: the file's transaction is undone."""

    def __init__(self, outcome: CaptureOutcome) -> None:
        super().__init__("rejected")
        self.outcome = outcome


@app.command("import")
def import_files(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Capture files."),
    party: str = typer.Option(..., "--party", help="Capturing party (id, name or GLN)."),
    behaviour: Behaviour = typer.Option(Behaviour.ROLLBACK, help="rollback or proceed."),
    batch: int = typer.Option(1_000, min=1, help="Events per batch (one log checkpoint each)."),
) -> None:
    """Capture EPCIS documents from files, signed by the party, with a progress bar."""
    ctx = context()
    with work(ctx) as session:
        party_id = IdentityService(session, ctx.encryptor).find_party(SYSTEM, party).id
    failed = 0
    for path in files:
        failed += not _import_file(ctx, party_id, path, behaviour, batch)
    publish(ctx)
    if failed:
        raise typer.Exit(EXIT_DOMAIN_ERROR)


def _import_file(
    ctx: AppContext, party_id: uuid.UUID, path: Path, behaviour: Behaviour, batch: int
) -> bool:
    try:
        doc = open_document(path, batch)
    except LivetraceError as exc:
        err.print(f"[red]{escape(path.name)}[/red] [{exc.code}]: {escape(exc.diagnostics())}")
        return False
    with work(ctx) as session:
        job_id = jobs.open_job(session, party_id, behaviour.value, doc.count).id
    importer = _Importer(ctx, party_id, job_id)
    try:
        with _progress(doc) as advance:
            if behaviour is Behaviour.ROLLBACK:
                importer.all_or_nothing(doc, advance)
            else:
                importer.batch_by_batch(doc, advance)
    except _RejectedError as exc:
        importer.close(exc.outcome.problems)
    except LivetraceError as exc:
        importer.close([CaptureProblem(None, None, exc.field or "$", exc.message, exc.code)])
    return _report(ctx, path, job_id)


class _Importer:
    """Runs one file's capture job."""

    def __init__(self, ctx: AppContext, party_id: uuid.UUID, job_id: uuid.UUID) -> None:
        self.ctx = ctx
        self.party_id = party_id
        self.job_id = job_id

    def _capture(
        self, session: Session, doc: FileDocument, events: list[Any], behaviour: Behaviour, at: int
    ) -> CaptureOutcome:
        service = capture_service(session, self.ctx.encryptor, self.ctx.settings.log_origin)
        return service.capture(
            self.party_id, doc.envelope, events, behaviour=behaviour, offset=at, job_id=self.job_id
        )

    def all_or_nothing(self, doc: FileDocument, advance: _Advance) -> None:
        """Every batch in one transaction, committed only if no event has a problem."""
        with unit_of_work(self.ctx.sessions) as session:
            for events in doc.batches:
                outcome = self._capture(session, doc, events, Behaviour.ROLLBACK, advance.done)
                if outcome.problems:
                    raise _RejectedError(outcome)
                advance(len(events))
            job = _job(session, self.job_id)
            job.captured_count = advance.done
            jobs.finish(job)

    def batch_by_batch(self, doc: FileDocument, advance: _Advance) -> None:
        """One transaction per batch, the job's counts and errors committed with it."""
        for events in doc.batches:
            with unit_of_work(self.ctx.sessions) as session:
                outcome = self._capture(session, doc, events, Behaviour.PROCEED, advance.done)
                jobs.record(_job(session, self.job_id), outcome)
            advance(len(events))
        with unit_of_work(self.ctx.sessions) as session:
            jobs.finish(_job(session, self.job_id))

    def close(self, problems: list[CaptureProblem]) -> None:
        """Close the job as failed, in a transaction of its own."""
        with unit_of_work(self.ctx.sessions) as session:
            job = _job(session, self.job_id)
            jobs.record(job, CaptureOutcome(problems=problems))
            jobs.finish(job, rolled_back=job.error_behaviour == Behaviour.ROLLBACK)


def _job(session: Session, job_id: uuid.UUID) -> CaptureJob:
    job = session.get(CaptureJob, job_id)
    assert job is not None  # committed before the import started
    return job


def _report(ctx: AppContext, path: Path, job_id: uuid.UUID) -> bool:
    with work(ctx) as session:
        job = _job(session, job_id)
        for error in job.errors[:20]:
            where, detail = escape(str(error["path"])), escape(str(error["detail"]))
            err.print(f"[red]{escape(path.name)}[/red] {where}: {detail}")
        more = f" ({len(job.errors)} errors)" if job.errors else ""
        out.print(
            f"{escape(path.name)}: job {job.id}: {job.captured_count} of {job.event_count} "
            f"events captured{more}"
        )
        return bool(job.success)


class _Advance:
    """Moves the progress bar and counts the events done (the next batch's offset)."""

    def __init__(self, progress: Progress, task: object) -> None:
        self.progress = progress
        self.task = task
        self.done = 0

    def __call__(self, count: int) -> None:
        self.done += count
        self.progress.update(self.task, advance=count)  # type: ignore[arg-type]


@contextmanager
def _progress(doc: FileDocument) -> Iterator[_Advance]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(escape(doc.path.name), total=doc.count)
        yield _Advance(progress, task)


@app.command("validate")
def validate(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Validate a capture file (JSON-LD or XML): schema, CBV words, identifiers, extensions."""
    problems = validate_file(file)
    for problem in problems:
        err.print(escape(problem.describe()))
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red] in {escape(file.name)}")
        raise typer.Exit(EXIT_DOMAIN_ERROR)
    out.print(f"{escape(file.name)}: valid")
