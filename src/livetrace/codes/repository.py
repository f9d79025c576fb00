"""Every query of the codes package."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any

import psycopg
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from livetrace.codes.errors import NfcTapConflictError
from livetrace.codes.models import CodeRun, ItemCode, NfcKeySet, NfcTag, time_ordered_hex_ids
from livetrace.codes.states import CodeState
from livetrace.kit.pagination import Page, PageRequest
from livetrace.store.paging import paginate

ITEM_CODE_TABLE: Table = ItemCode.__table__  # type: ignore[assignment]
# SQLite: a whole chunk in one statement whose only row data is one JSON array of id + serial
# strings (ids are 32 hex digits), in issue order: seq is the first seq plus the array index.
# The chunk is stored in a single call into SQLite, which runs without holding the GIL. Rows go
# in in issue order with ascending ids: the primary key and (run_id, seq) indexes only append.
# (Sorting a chunk by serial for the (gtin, serial) index was measured: it costs SQLite more
# than it saves while that index fits in the bulk-insert cache.)
_INSERT_CODES_JSON = (
    "INSERT INTO item_code (id, run_id, seq, gtin, lot, serial, state, auth_version) "
    "SELECT substr(value, 1, 32), ?, ? + key, ?, ?, substr(value, 33), ?, ? FROM json_each(?)"
)
_COPY_CODES = "COPY item_code (id, run_id, seq, gtin, lot, serial, state, auth_version) FROM STDIN"
_SELECT_SERIALS = "SELECT seq, serial, state FROM item_code WHERE run_id = ? ORDER BY seq"
_BULK_CACHE_KIB = -131_072  # negative: KiB, not pages (128 MiB)
_IN_CHUNK = 500  # bound on IN (...) lists: SQLite's variable limit and plan size


class CodeRepository:
    """Reads and writes runs, codes, NFC key sets and tags."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- runs ---------------------------------------------------------------------------------

    def add_run(self, run: CodeRun) -> CodeRun:
        """Stage a run and flush so its id can be referenced by the codes."""
        self.session.add(run)
        self.session.flush()
        return run

    def run(self, run_id: uuid.UUID) -> CodeRun | None:
        """A run by id."""
        return self.session.get(CodeRun, run_id)

    def runs(
        self, page: PageRequest, *, brand: uuid.UUID | None, product: uuid.UUID | None
    ) -> Page[CodeRun]:
        """Runs, newest first, optionally of one brand and product."""
        stmt = select(CodeRun)
        if brand is not None:
            stmt = stmt.where(CodeRun.brand_party_id == brand)
        if product is not None:
            stmt = stmt.where(CodeRun.product_id == product)
        return paginate(self.session, stmt.order_by(CodeRun.created_at.desc(), CodeRun.id), page)

    def state_counts(self, run_id: uuid.UUID) -> dict[str, int]:
        """How many codes of the run are in each state."""
        stmt = (
            select(ItemCode.state, func.count())
            .where(ItemCode.run_id == run_id)
            .group_by(ItemCode.state)
        )
        return {state: int(n) for state, n in self.session.execute(stmt).all()}

    # -- codes --------------------------------------------------------------------------------

    def insert_codes(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many codes in one set-based statement (no ORM objects per row)."""
        self.session.execute(insert(ITEM_CODE_TABLE), list(rows))

    def insert_serials(self, run: CodeRun, start: int, serials: Sequence[str]) -> None:
        """Insert a run's item codes for `serials`, numbered from `start`, in one statement.

        No ORM objects, dicts or type processing per row: SQLite gets the chunk as one JSON
        parameter, PostgreSQL as a COPY of plain tuples.
        """
        ids = time_ordered_hex_ids(len(serials))
        run_id, gtin, lot, version = run.id.hex, run.gtin, run.lot_number, run.auth_version
        state = CodeState.ISSUED.value
        if self.session.get_bind().dialect.name == "postgresql":
            rows = [
                (code_id, run_id, seq, gtin, lot, serial, state, version)
                for code_id, seq, serial in zip(
                    ids, range(start, start + len(serials)), serials, strict=True
                )
            ]
            self._copy_codes(sorted(rows, key=itemgetter(5)))  # the serial index fills in order
            return
        data = json.dumps([code_id + serial for code_id, serial in zip(ids, serials, strict=True)])
        self.session.connection().exec_driver_sql(
            _INSERT_CODES_JSON, (run_id, start, gtin, lot, state, version, data)
        )

    def _copy_codes(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """PostgreSQL: the rows through COPY, several times faster than any INSERT."""
        raw: Any = self.session.connection().connection.dbapi_connection
        try:
            with raw.cursor() as cursor, cursor.copy(_COPY_CODES) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as error:  # as an INSERT would fail, for the retry
            raise IntegrityError(_COPY_CODES, None, error) from error

    def _sql(self, statement: str) -> str:
        """Driver SQL written with `?` markers, in the driver's parameter style."""
        qmark = self.session.get_bind().dialect.paramstyle == "qmark"
        return statement if qmark else statement.replace("?", "%s")

    @contextmanager
    def bulk_insert_cache(self) -> Iterator[None]:
        """On SQLite, a large page cache while a run is inserted, then the usual one again.

        A million random serials land all over the (gtin, serial) index; with the default 2 MB
        cache, index pages are evicted and re-read between chunks.
        """
        if self.session.get_bind().dialect.name != "sqlite":
            yield
            return
        connection = self.session.connection()
        usual = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        connection.exec_driver_sql(f"PRAGMA cache_size = {_BULK_CACHE_KIB}")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(usual)}")

    def taken_serials(self, gtin: str, serials: Sequence[str]) -> set[str]:
        """Those of `serials` already issued for the GTIN."""
        taken: set[str] = set()
        for start in range(0, len(serials), _IN_CHUNK):
            chunk = serials[start : start + _IN_CHUNK]
            stmt = select(ItemCode.serial).where(ItemCode.gtin == gtin, ItemCode.serial.in_(chunk))
            taken.update(s for s in self.session.scalars(stmt) if s is not None)
        return taken

    def batch_code_exists(self, gtin: str, lot: str) -> bool:
        """Whether the lot already has its batch-level code."""
        stmt = select(ItemCode.id).where(
            ItemCode.gtin == gtin, ItemCode.lot == lot, ItemCode.serial.is_(None)
        )
        return self.session.scalars(stmt.limit(1)).first() is not None

    def code(self, code_id: uuid.UUID) -> ItemCode | None:
        """A code by id."""
        return self.session.get(ItemCode, code_id)

    def code_by_data(self, gtin: str, lot: str | None, serial: str | None) -> ItemCode | None:
        """A code by its GS1 data: GTIN + serial, or GTIN + lot for a batch code."""
        stmt = select(ItemCode).where(ItemCode.gtin == gtin)
        if serial is not None:
            stmt = stmt.where(ItemCode.serial == serial)
        else:
            stmt = stmt.where(ItemCode.serial.is_(None), ItemCode.lot == lot)
        return self.session.scalars(stmt).one_or_none()

    def codes(self, run_id: uuid.UUID, page: PageRequest) -> Page[ItemCode]:
        """One page of a run's codes in issue order."""
        stmt = select(ItemCode).where(ItemCode.run_id == run_id).order_by(ItemCode.seq)
        return paginate(self.session, stmt, page)

    def iter_serials(
        self, run_id: uuid.UUID, chunk: int = 10_000
    ) -> Iterator[list[tuple[int, str | None, str]]]:
        """(seq, serial, state) of a run in issue order, streamed in chunks.

        Read with a driver cursor on the session's connection (a named, server-side cursor on
        PostgreSQL): rows arrive as plain tuples, without a result object per row, which would
        otherwise be most of the cost of a large export.
        """
        dialect = self.session.get_bind().dialect
        process = ITEM_CODE_TABLE.c.run_id.type.bind_processor(dialect)
        raw: Any = self.session.connection().connection.dbapi_connection
        named = dialect.name == "postgresql"
        cursor = raw.cursor(name=f"item_codes_{uuid.uuid4().hex}") if named else raw.cursor()
        try:
            cursor.execute(self._sql(_SELECT_SERIALS), (process(run_id) if process else run_id,))
            while rows := cursor.fetchmany(chunk):
                yield rows
        finally:
            cursor.close()

    def transition_run(
        self, run_id: uuid.UUID, sources: Sequence[str], target: str, now: datetime
    ) -> int:
        """Move every code of the run that is in one of `sources` to `target`; how many moved."""
        stmt = (
            update(ItemCode)
            .where(ItemCode.run_id == run_id, ItemCode.state.in_(list(sources)))
            .values(state=target, state_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        return self.session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]

    # -- NFC ----------------------------------------------------------------------------------

    def add(self, row: NfcKeySet | NfcTag) -> None:
        """Stage a row and flush so unique violations surface now."""
        self.session.add(row)
        self.session.flush()

    def key_sets(self, party_id: uuid.UUID) -> Sequence[NfcKeySet]:
        """A party's key sets, newest version first."""
        stmt = (
            select(NfcKeySet)
            .where(NfcKeySet.party_id == party_id)
            .order_by(NfcKeySet.version.desc())
        )
        return self.session.scalars(stmt).all()

    def key_set(self, key_set_id: uuid.UUID) -> NfcKeySet | None:
        """A key set by id."""
        return self.session.get(NfcKeySet, key_set_id)

    def active_key_sets(self) -> Sequence[NfcKeySet]:
        """Every active key set of the deployment (a tap does not say whose tag it is)."""
        return self.key_sets_in("active")

    def key_sets_in(self, status: str) -> Sequence[NfcKeySet]:
        """Every key set of the deployment in one status."""
        stmt = select(NfcKeySet).where(NfcKeySet.status == status).order_by(NfcKeySet.id)
        return self.session.scalars(stmt).all()

    def tag_by_uid(self, uid: str) -> NfcTag | None:
        """A tag by its UID (14 upper-case hex digits)."""
        return self.session.scalars(select(NfcTag).where(NfcTag.uid == uid)).one_or_none()

    def tag_for_code(self, code_id: uuid.UUID) -> NfcTag | None:
        """The tag bound to a code, if any."""
        stmt = select(NfcTag).where(NfcTag.code_id == code_id)
        return self.session.scalars(stmt).one_or_none()

    def advance_counter(self, tag_id: uuid.UUID, counter: int, now: datetime) -> bool:
        """Accept `counter` only if it is above the stored one, atomically; True if accepted.

        The condition lives in the UPDATE itself, so of two concurrent taps with the same
        counter exactly one changes the row: the other sees the new value and matches nothing.
        """
        stmt = (
            update(NfcTag)
            .where(
                NfcTag.id == tag_id,
                (NfcTag.last_counter.is_(None)) | (NfcTag.last_counter < counter),
            )
            .values(
                last_counter=counter,
                tap_count=NfcTag.tap_count + 1,
                last_tap_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        with _busy_as_conflict():
            return bool(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def last_counter(self, tag_id: uuid.UUID) -> int | None:
        """The stored counter as the database has it now (not as the session cached it)."""
        stmt = select(NfcTag.last_counter).where(NfcTag.id == tag_id)
        return self.session.execute(stmt).scalar_one()


@contextmanager
def _busy_as_conflict() -> Iterator[None]:
    """Turn SQLite's `database is locked` during a tap into `NfcTapConflictError`."""
    try:
        yield
    except OperationalError as error:
        if not isinstance(error.orig, sqlite3.OperationalError) or "locked" not in str(error.orig):
            raise
        raise NfcTapConflictError(
            "the tap was not recorded: another write to the database was committed while it was "
            "being checked; send it again",
            field="counter",
        ) from error
