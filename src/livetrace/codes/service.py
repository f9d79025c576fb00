"""Code issuance, state changes, exports and verification, with access checks. Never commits.

Issuance is set-based: serials are drawn in chunks of `CHUNK` and each chunk goes into the
database as one driver-level statement inside a savepoint (one JSON parameter on SQLite, a COPY
on PostgreSQL). Uniqueness per GTIN is the unique index's job: if a chunk collides with serials
issued earlier (likely only for 38-bit SGTIN-96 serials), the savepoint is rolled back, the
taken serials are replaced by fresh ones, and the chunk is inserted again. Caller-supplied
serials are checked up front instead and never replaced. Any error leaves the whole run
uncommitted: nothing is issued.

Issuing can write the run's print-house CSV in the same pass, byte for byte what `export` gives
for the run: each stored chunk's lines are made on a second thread (`pipeline`) while the next
chunk is stored. The service writes to the caller's stream and never commits; the caller keeps
the file only once the run is committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livetrace.catalog.errors import LotNotFoundError
from livetrace.catalog.models import Lot, Product
from livetrace.catalog.service import CatalogService
from livetrace.codes.authenticator import CodeKeyring, VerifiedCode, fast_link
from livetrace.codes.errors import (
    CodeNotFoundError,
    CodeRunNotFoundError,
    DuplicateSerialError,
    HiddenCodeError,
    InvalidCodeRequestError,
    SerialSpaceExhaustedError,
)
from livetrace.codes.export import EpcEncoder, ExportRow, RunInfo
from livetrace.codes.lines import LineMaker, StoredRow, csv_text
from livetrace.codes.models import CodeRun, ItemCode, time_ordered_id
from livetrace.codes.pipeline import CsvPipeline
from livetrace.codes.repository import CodeRepository
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.serials import random_serials, validate_serial
from livetrace.codes.states import CodeState, Level, Target, check_transition, predecessors
from livetrace.config import Settings
from livetrace.gs1.ai import lookup, validate_value
from livetrace.gs1.errors import Gs1Error
from livetrace.gs1.keys import EPC_COMPANY_PREFIX_LENGTHS
from livetrace.identity import policy
from livetrace.identity.models import Party
from livetrace.identity.policy import Principal
from livetrace.identity.roles import Scope
from livetrace.kit.clock import utcnow
from livetrace.kit.pagination import Page, PageRequest

CHUNK = 10_000
MAX_ATTEMPTS = 8
Progress = Callable[[int, int], None]


def keyring_for(settings: Settings) -> CodeKeyring:
    """The authenticator keyring the deployment's settings describe."""
    return CodeKeyring.from_secret(
        settings.secret_key.get_secret_value(),
        current_version=settings.code_auth_version,
        retired=settings.code_auth_retired_versions,
    )


@dataclass(frozen=True, slots=True)
class Verification:
    """An authentic code and its registry record."""

    verified: VerifiedCode
    code: ItemCode
    hidden_code_checked: bool
    first_hidden_verification_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunExport:
    """A run ready to be written: run-wide fields, and its rows streamed from the database."""

    run: CodeRun
    info: RunInfo
    product_name: str
    lines: LineMaker
    stored: Callable[[], Iterator[list[StoredRow]]]

    @property
    def chunks(self) -> Iterator[list[ExportRow]]:
        """The rows in chunks, as `ExportRow`s (labels and EPC lists)."""
        return (self.lines.rows(chunk) for chunk in self.stored())

    def csv_chunks(self) -> Iterator[tuple[str, int]]:
        """The CSV lines in chunks, with their row counts."""
        return csv_text(self.lines, self.stored())


def _checked_lot(lot: str) -> str:
    """The lot number if it is a valid AI (10) value; a precise error otherwise."""
    try:
        validate_value(lookup("10"), lot)
    except Gs1Error as error:
        raise InvalidCodeRequestError(
            f"lot {lot!r} is not a valid AI (10) value: {error.message}",
            field="lot",
            details=error.details,
        ) from error
    return lot


class CodeService:
    """Issues code runs and answers questions about codes."""

    def __init__(self, session: Session, keyring: CodeKeyring, *, base_url: str) -> None:
        self.session = session
        self.repo = CodeRepository(session)
        self.catalog = CatalogService(session)
        self.keyring = keyring
        self.base_url = base_url

    # -- issuance -----------------------------------------------------------------------------

    def issue(
        self,
        principal: Principal,
        request: IssueRequest,
        *,
        progress: Progress | None = None,
        csv_out: IO[str] | None = None,
    ) -> CodeRun:
        """Issue a run of codes for a product and lot; everything or nothing.

        With `csv_out`, the run's CSV (as `export` writes it) goes to that stream as the codes
        are stored, and the stream is flushed before this returns. On any error the stream holds
        a partial file: the caller discards it, and keeps it only after committing.
        """
        product = self.catalog.find_product(principal, request.product)
        policy.require_write(principal, product.brand_party_id)
        lot = self._lot(product, _checked_lot(request.lot))
        prefix = self._company_prefix(product, request.target)
        serials = self._given_serials(product.gtin, request)
        self._check_level(request, product, lot)
        run = self.repo.add_run(
            CodeRun(
                product_id=product.id,
                lot_id=lot.id,
                brand_party_id=product.brand_party_id,
                gtin=product.gtin,
                lot_number=lot.lot_number,
                level=request.level,
                target=request.target,
                count=request.size,
                paired=request.pairs,
                auth_version=self.keyring.current_version,
                company_prefix=prefix,
                epc_filter=request.epc_filter,
                created_by=principal.label or str(principal.user_id or "system"),
            )
        )
        pipeline = None if csv_out is None else CsvPipeline(self._run_lines(run)[2], csv_out)
        with pipeline or nullcontext():
            if request.level is Level.BATCH:
                self.repo.insert_codes([_row(run, 0, None)])
                _hand_over(pipeline, 0, [None])
            else:
                self._allocate(run, serials, progress, pipeline)
        return run

    def _lot(self, product: Product, lot_number: str) -> Lot:
        lot = self.catalog.repo.lot_by_number(product.id, lot_number)
        if lot is None:
            raise LotNotFoundError(
                f"GTIN {product.gtin} has no lot {lot_number!r}: register the lot first",
                field="lot",
            )
        return lot

    def _company_prefix(self, product: Product, target: Target) -> str | None:
        """The brand's GS1 company prefix; required (and checked) for RFID targets."""
        brand = self.session.get(Party, product.brand_party_id)
        prefix = brand.company_prefix if brand is not None else None
        if target is Target.QR:
            return prefix if prefix and product.gtin[1:].startswith(prefix) else None
        if not prefix or len(prefix) not in EPC_COMPANY_PREFIX_LENGTHS:
            raise InvalidCodeRequestError(
                f"target {target} needs the brand's GS1 company prefix (6-12 digits) to encode "
                "EPCs; register it on the brand party",
                field="target",
            )
        if not product.gtin[1:].startswith(prefix):
            raise InvalidCodeRequestError(
                f"GTIN {product.gtin} is not under the brand's company prefix {prefix}",
                field="target",
            )
        return prefix

    def _check_level(self, request: IssueRequest, product: Product, lot: Lot) -> None:
        if request.level is Level.ITEM:
            return
        if request.serials is not None or request.target is not Target.QR:
            raise InvalidCodeRequestError(
                "a batch-level run has no serials, so it can only target QR", field="level"
            )
        if self.repo.batch_code_exists(product.gtin, lot.lot_number):
            raise DuplicateSerialError(
                f"lot {lot.lot_number} of GTIN {product.gtin} already has its batch-level code",
                field="lot",
            )

    def _given_serials(self, gtin: str, request: IssueRequest) -> list[str] | None:
        """Caller-supplied serials, validated for the target, distinct and not yet issued."""
        if request.serials is None:
            return None
        serials = [
            validate_serial(s, request.target, index=i) for i, s in enumerate(request.serials)
        ]
        seen: set[str] = set()
        for index, serial in enumerate(serials):
            if serial in seen:
                raise DuplicateSerialError(
                    f"serial {serial!r} is given twice (serial #{index + 1})", field="serials"
                )
            seen.add(serial)
        taken = self.repo.taken_serials(gtin, serials)
        if taken:
            raise DuplicateSerialError(
                f"{len(taken)} serial(s) already issued for GTIN {gtin}, e.g. {min(taken)!r}",
                field="serials",
                details={"taken": sorted(taken)[:20]},
            )
        return serials

    def _allocate(
        self,
        run: CodeRun,
        given: list[str] | None,
        progress: Progress | None,
        pipeline: CsvPipeline | None,
    ) -> None:
        with self.repo.bulk_insert_cache():
            self._allocate_chunks(run, given, progress, pipeline)

    def _allocate_chunks(
        self,
        run: CodeRun,
        given: list[str] | None,
        progress: Progress | None,
        pipeline: CsvPipeline | None,
    ) -> None:
        done = 0
        while done < run.count:
            size = min(CHUNK, run.count - done)
            if given is not None:
                stored = self._insert_chunk(run, given[done : done + size], done, replace=False)
            else:
                stored = self._insert_chunk(run, random_serials(size, Target(run.target)), done)
            _hand_over(pipeline, done, stored)
            done += size
            if progress is not None:
                progress(done, run.count)

    def _insert_chunk(
        self, run: CodeRun, serials: list[str], start: int, *, replace: bool = True
    ) -> list[str]:
        """Insert one chunk; on collisions with issued serials, draw replacements and retry.

        Returns the serials stored, in issue order.
        """
        for _ in range(MAX_ATTEMPTS):
            try:
                with self.session.begin_nested():
                    self.repo.insert_serials(run, start, serials)
            except IntegrityError:
                taken = self.repo.taken_serials(run.gtin, serials)
                if not taken or not replace:
                    raise
                serials = _replace_taken(serials, taken, Target(run.target))
            else:
                return serials
        raise SerialSpaceExhaustedError(
            f"serials for GTIN {run.gtin} kept colliding after {MAX_ATTEMPTS} attempts",
            field="count",
        )

    # -- reading ------------------------------------------------------------------------------

    def get_run(self, principal: Principal, run_id: uuid.UUID) -> CodeRun:
        """A run the caller may see."""
        run = self.repo.run(run_id)
        if run is None or not policy.can_read(principal, run.brand_party_id):
            raise CodeRunNotFoundError(f"no code run {run_id}", field="run_id")
        policy.require_scope(principal, Scope.READ)
        return run

    def state_counts(self, run: CodeRun) -> dict[str, int]:
        """How many of the run's codes are in each state."""
        return self.repo.state_counts(run.id)

    def list_runs(
        self, principal: Principal, page: PageRequest, *, product: uuid.UUID | None = None
    ) -> Page[CodeRun]:
        """Runs the caller may see, newest first."""
        policy.require_scope(principal, Scope.READ)
        brand = None if principal.is_overseer else principal.party_id
        return self.repo.runs(page, brand=brand, product=product)

    def list_codes(
        self, principal: Principal, run_id: uuid.UUID, page: PageRequest
    ) -> Page[ItemCode]:
        """One page of a run's codes."""
        return self.repo.codes(self.get_run(principal, run_id).id, page)

    def get_code(self, principal: Principal, code_id: uuid.UUID) -> ItemCode:
        """A code the caller may see."""
        code = self.repo.code(code_id)
        if code is None:
            raise CodeNotFoundError(f"no code {code_id}", field="code_id")
        try:
            self.get_run(principal, code.run_id)
        except CodeRunNotFoundError as error:
            raise CodeNotFoundError(f"no code {code_id}", field="code_id") from error
        return code

    def link(self, code: ItemCode) -> str:
        """The Digital Link printed for a code, authenticator included."""
        signer = self.keyring.signer(code.gtin, code.lot, version=code.auth_version)
        if code.serial is None:
            return signer.batch_link(self.base_url)
        tag = signer.tags([code.serial])[0]
        return fast_link(signer.link_prefix(self.base_url), code.serial, tag)

    # -- state --------------------------------------------------------------------------------

    def transition_run(self, principal: Principal, run_id: uuid.UUID, state: CodeState) -> int:
        """Move every code of the run that may go to `state`; returns how many moved."""
        run = self.get_run(principal, run_id)
        policy.require_write(principal, run.brand_party_id)
        sources = sorted(predecessors(state))
        return self.repo.transition_run(run.id, sources, state, utcnow())

    def transition_code(
        self, principal: Principal, code_id: uuid.UUID, state: CodeState
    ) -> ItemCode:
        """Move one code to `state` if its life cycle allows it."""
        code = self.get_code(principal, code_id)
        run = self.get_run(principal, code.run_id)
        policy.require_write(principal, run.brand_party_id)
        check_transition(CodeState(code.state), state)
        code.state = state
        code.state_changed_at = utcnow()
        self.session.flush()
        return code

    # -- verification -------------------------------------------------------------------------

    def verify(self, uri: str, hidden_code: str | None = None) -> Verification:
        """Check a scanned link's authenticator, then look the code up (public; no principal).

        The authenticator is checked first and without the database, so made-up codes cost
        nothing but a hash.
        """
        verified = self.keyring.verify(uri)
        code = self.repo.code_by_data(verified.gtin, verified.lot, verified.serial)
        if code is None:
            raise CodeNotFoundError(
                "the code is authentic but has no record here (its run was never issued)",
                field="uri",
            )
        if hidden_code is None:
            return Verification(verified, code, False, code.hidden_verified_at)
        run = self.repo.run(code.run_id)
        if run is None or not run.paired:
            raise HiddenCodeError("this item was issued without a hidden code", field="hidden_code")
        self.keyring.verify_hidden(verified, hidden_code)
        if code.hidden_verified_at is None:
            code.hidden_verified_at = utcnow()
            self.session.flush()
        return Verification(verified, code, True, code.hidden_verified_at)

    # -- export -------------------------------------------------------------------------------

    def export(self, principal: Principal, run_id: uuid.UUID) -> RunExport:
        """A run's rows for print houses and encoders (hidden codes only to the brand's writers)."""
        run = self.get_run(principal, run_id)
        policy.require_write(principal, run.brand_party_id)
        info, name, maker = self._run_lines(run)
        return RunExport(run, info, name, maker, lambda: self.repo.iter_serials(run.id))

    def _run_lines(self, run: CodeRun) -> tuple[RunInfo, str, LineMaker]:
        """A run's fields, product name and line maker: what its CSV is made of."""
        product = self.catalog.repo.product(run.product_id)
        lot = self.catalog.repo.lot(run.lot_id)
        expiry = lot.expiry_date.isoformat() if lot is not None and lot.expiry_date else None
        name = product.name if product else ""
        info = RunInfo(
            gtin=run.gtin,
            lot=run.lot_number,
            expiry=expiry,
            paired=run.paired,
            epc=run.target != Target.QR,
            manifest=_manifest(run, name, self.base_url),
        )
        signer = self.keyring.signer(run.gtin, run.lot_number, version=run.auth_version)
        maker = LineMaker.for_signer(
            info, signer, self.base_url, batch=run.level == Level.BATCH, epc=_encoder(run)
        )
        return info, name, maker


def _row(run: CodeRun, seq: int, serial: str | None) -> dict[str, Any]:
    return {
        "id": time_ordered_id(),
        "run_id": run.id,
        "seq": seq,
        "gtin": run.gtin,
        "lot": run.lot_number,
        "serial": serial,
        "state": CodeState.ISSUED.value,
        "auth_version": run.auth_version,
        "state_changed_at": None,
        "hidden_verified_at": None,
    }


def _hand_over(pipeline: CsvPipeline | None, start: int, serials: Sequence[str | None]) -> None:
    if pipeline is not None:
        pipeline.put(start, serials)


def _replace_taken(serials: list[str], taken: set[str], target: Target) -> list[str]:
    """`serials` with the taken ones swapped for fresh serials not already in the list."""
    keep = [s for s in serials if s not in taken]
    present = set(keep)
    fresh = [s for s in random_serials(len(taken) * 2, target) if s not in present]
    return keep + fresh[: len(serials) - len(keep)]


def _encoder(run: CodeRun) -> EpcEncoder | None:
    if run.target == Target.QR or run.company_prefix is None:
        return None
    return EpcEncoder(run.gtin, run.company_prefix, Target(run.target), run.epc_filter)


def _manifest(run: CodeRun, product_name: str, base_url: str) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "product": product_name,
        "gtin": run.gtin,
        "lot": run.lot_number,
        "level": run.level,
        "target": run.target,
        "count": run.count,
        "paired": run.paired,
        "authenticator_key_version": run.auth_version,
        "resolver": base_url,
        "created_at": run.created_at.isoformat(),
    }
