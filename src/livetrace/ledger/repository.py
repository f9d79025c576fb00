"""Every query of the verifiable log and of the witness state.

The append path writes with the driver's ``executemany`` on plain tuples: per-row parameter
processing in the ORM would cost more than the hashing and the rows together, and the values
(ints and bytes) need no conversion on either database.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Select, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from livetrace.crypto.models import KeyOwnerKind, SigningKey
from livetrace.identity.models import Party
from livetrace.kit.clock import utcnow
from livetrace.ledger.appender import Growth
from livetrace.ledger.errors import LogIntegrityError, MissingHashError
from livetrace.ledger.merkle import EMPTY_ROOT, HASH_SIZE, NodeId
from livetrace.ledger.models import (
    BLOCK_KEY_SHIFT,
    ENTRY_BUNDLE_WIDTH,
    LOG_STATE_ID,
    NODE_BLOCK_HEIGHT,
    NODE_BLOCK_WIDTH,
    LogCheckpoint,
    LogCosignature,
    LogEntryBundle,
    LogLeaf,
    LogNodeBlock,
    LogState,
    WitnessState,
)
from livetrace.store.uow import rows_connection

# Slot of the first hash of each level inside a block: the bottom level's 32, then 16, 8, 4, 2.
_LEVEL_SLOT = [2 * NODE_BLOCK_WIDTH - (2 * NODE_BLOCK_WIDTH >> j) for j in range(NODE_BLOCK_HEIGHT)]
BLOCK_BYTES = (2 * NODE_BLOCK_WIDTH - 2) * HASH_SIZE
_EMPTY_BLOCK = bytes(BLOCK_BYTES)


def block_key(tier: int, block: int) -> int:
    """The ``log_node_block`` key of block ``block`` of tier ``tier`` (Merkle levels 5·tier…)."""
    return tier << BLOCK_KEY_SHIFT | block


# Per Merkle level: the tier's key base, the shift from node index to block, the level's first byte.
_LEVEL_LAYOUT = [
    (
        block_key(level // NODE_BLOCK_HEIGHT, 0),
        NODE_BLOCK_HEIGHT - level % NODE_BLOCK_HEIGHT,
        _LEVEL_SLOT[level % NODE_BLOCK_HEIGHT] * HASH_SIZE,
    )
    for level in range(64)
]


def node_slot(level: int, index: int) -> tuple[int, int]:
    """Where subtree ``(level, index)`` is stored: its block key and byte offset in the block."""
    tier, depth = divmod(level, NODE_BLOCK_HEIGHT)
    block, position = divmod(index, NODE_BLOCK_WIDTH >> depth)
    return block_key(tier, block), (_LEVEL_SLOT[depth] + position) * HASH_SIZE


def leaf_key(leaf_hash: bytes) -> int:
    """The ``log_leaf`` lookup key: the first 8 bytes of a leaf hash as a signed int64."""
    return int.from_bytes(leaf_hash[:8], "big", signed=True)


@functools.cache
def _length_prefix(length: int) -> bytes:
    return length.to_bytes(2, "big")


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as big-endian uint16 length-prefixed records (tlog-tiles entry bundles)."""
    prefixes = map(_length_prefix, map(len, entries))
    return b"".join(itertools.chain.from_iterable(zip(prefixes, entries, strict=True)))


def decode_bundle(body: bytes) -> list[bytes]:
    """Split a bundle body into its entries."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(body):
        length = int.from_bytes(body[offset : offset + 2], "big")
        entries.append(body[offset + 2 : offset + 2 + length])
        offset += 2 + length
    if offset != len(body):
        raise LogIntegrityError("a stored entry bundle is truncated", field="log_entry_bundle")
    return entries


def _marker(paramstyle: str) -> str:
    """The positional parameter marker of the driver (sqlite3: qmark, psycopg: format)."""
    return "?" if paramstyle == "qmark" else "%s"


@dataclass(frozen=True, slots=True)
class PartyKey:
    """A party's signing key as the log checks statements against it."""

    key_id: uuid.UUID
    party_id: uuid.UUID
    public_key: bytes
    status: str


@functools.cache
def _head_query() -> Select[tuple[int, bytes, int | None, int, Any]]:
    """The head's statement, built once (it is read on every scan page)."""
    checkpoint = select(func.max(LogCheckpoint.size)).scalar_subquery()
    cosignatures = select(func.count()).select_from(LogCosignature).scalar_subquery()
    cosigned_at = select(func.max(LogCosignature.created_at)).scalar_subquery()
    return select(LogState.size, LogState.root_hash, checkpoint, cosignatures, cosigned_at).where(
        LogState.id == LOG_STATE_ID
    )


@functools.cache
def _bundles_query() -> Select[int, bytes]:
    """Entry bundles `first`..`last`, in order (built once: proofs on scan pages read them)."""
    return (
        select(LogEntryBundle.bundle, LogEntryBundle.entries)
        .where(LogEntryBundle.bundle.between(bindparam("first"), bindparam("last")))
        .order_by(LogEntryBundle.bundle)
    )


class LogHead(NamedTuple):
    """The log's size and root, its latest checkpoint's size, and how many cosignatures it
    holds and when the last was stored: a key that changes with every write to the log."""

    size: int
    root_hash: bytes
    checkpoint_size: int
    cosignatures: int
    cosigned_at: object  # a timestamp as the database returns it; compared, never read


class LogRepository:
    """Reads and writes the log tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- state and the sequencer lock ------------------------------------------------------------

    def state(self) -> LogState | None:
        """The log state row without locking it."""
        return self.session.get(LogState, LOG_STATE_ID)

    def head(self) -> LogHead:
        """What changes whenever the log is appended to, checkpointed or cosigned, in one query."""
        row = rows_connection(self.session).execute(_head_query()).first()
        if row is None:
            return LogHead(0, b"", 0, 0, None)
        return LogHead(int(row[0]), bytes(row[1]), int(row[2] or 0), int(row[3] or 0), row[4])

    def lock_state(self, origin: str) -> LogState:
        """Hold the log's write lock until commit and return the state row (created if absent).

        The UPDATE takes a row lock on PostgreSQL and the database write lock on SQLite, so one
        writer at a time appends, whichever API worker or process it runs in.
        """
        state = self._touch_state()
        if state is None:
            self._insert_ignore(
                LogState.__table__,  # type: ignore[arg-type]
                {
                    "id": LOG_STATE_ID,
                    "origin": origin,
                    "size": 0,
                    "root_hash": EMPTY_ROOT,
                    "compact": b"",
                    "indexed_size": 0,
                    "updated_at": utcnow(),
                },
            )
            state = self._touch_state()
        if state is None:
            raise LogIntegrityError("the log state row cannot be created", field="log_state")
        return state

    def _touch_state(self) -> LogState | None:
        """Lock and read the state row in one statement (UPDATE … RETURNING)."""
        return self.session.execute(
            update(LogState)
            .where(LogState.id == LOG_STATE_ID)
            .values(updated_at=utcnow())
            .returning(LogState)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def _insert_ignore(self, table: Table, values: dict[str, object]) -> None:
        dialect = self.session.get_bind().dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        self.session.execute(module.insert(table).values(**values).on_conflict_do_nothing())

    def set_indexed_size(self, state: LogState, size: int) -> None:
        """Record how many leaves the leaf-hash lookup covers."""
        state.indexed_size = size
        self.session.flush()

    def save_state(self, state: LogState, growth: Growth) -> None:
        """Record the grown tree in the state row."""
        state.size = growth.new_size
        state.root_hash = growth.root
        state.compact = b"".join(growth.compact)
        state.updated_at = utcnow()
        self.session.flush()

    # --- appending -------------------------------------------------------------------------------

    def write_batch(self, growth: Growth, entries: Sequence[bytes]) -> None:
        """Store a batch: entry bundles, every new subtree hash, the leaf-hash lookup rows."""
        self._write_bundles(growth.old_size, entries)
        self._write_blocks(growth)

    def index_leaves(self, start: int, leaves: Sequence[bytes]) -> None:
        """Add leaf-hash lookup rows for the leaves at ``start``, ``start + 1``, …"""
        rows = sorted((leaf_key(h), start + i) for i, h in enumerate(leaves))
        self._insert_many("log_leaf", ("leaf_key", "idx"), rows)

    def leaf_hashes(self, start: int, stop: int) -> list[bytes]:
        """Leaf hashes ``[start, stop)`` from the bottom level of tier-0 blocks."""
        if start >= stop:
            return []
        first, last = start // NODE_BLOCK_WIDTH, (stop - 1) // NODE_BLOCK_WIDTH
        blocks = self.read_blocks(block_key(0, b) for b in range(first, last + 1))
        bottom = NODE_BLOCK_WIDTH * HASH_SIZE
        data = b"".join(blocks.get(block_key(0, b), b"")[:bottom] for b in range(first, last + 1))
        offset = (start - first * NODE_BLOCK_WIDTH) * HASH_SIZE
        end = offset + (stop - start) * HASH_SIZE
        if len(data) < end:
            raise LogIntegrityError(
                f"leaf hashes {start}..{stop - 1} are not all stored", field="log_node_block"
            )
        return [data[i : i + HASH_SIZE] for i in range(offset, end, HASH_SIZE)]

    def _write_bundles(self, old_size: int, entries: Sequence[bytes]) -> None:
        first_bundle, offset = divmod(old_size, ENTRY_BUNDLE_WIDTH)
        pending = list(entries)
        if offset:
            pending = self._take_partial_bundle(first_bundle, offset) + pending
        rows = []
        for position in range(0, len(pending), ENTRY_BUNDLE_WIDTH):
            chunk = pending[position : position + ENTRY_BUNDLE_WIDTH]
            rows.append(
                (first_bundle + position // ENTRY_BUNDLE_WIDTH, len(chunk), encode_bundle(chunk))
            )
        self._insert_many("log_entry_bundle", ("bundle", "width", "entries"), rows)

    def _take_partial_bundle(self, bundle: int, width: int) -> list[bytes]:
        """Delete the partial bundle and return its entries (it is rewritten with the new ones)."""
        row = self.session.get(LogEntryBundle, bundle)
        if row is None or row.width != width:
            raise LogIntegrityError(
                f"entry bundle {bundle} should hold {width} entries before this append",
                field="log_entry_bundle",
            )
        entries = decode_bundle(row.entries)
        self.session.execute(delete(LogEntryBundle).where(LogEntryBundle.bundle == bundle))
        return entries

    def _write_blocks(self, growth: Growth) -> None:
        existing = self._take_blocks(growth)
        buffers: dict[int, bytearray] = {}
        for run in growth.runs:
            tier, depth = divmod(run.level, NODE_BLOCK_HEIGHT)
            per_block = NODE_BLOCK_WIDTH >> depth
            position = 0
            while position < len(run.hashes):
                block, slot = divmod(run.first + position, per_block)
                take = min(per_block - slot, len(run.hashes) - position)
                key = block_key(tier, block)
                if key not in buffers:
                    buffers[key] = bytearray(existing.get(key, _EMPTY_BLOCK))
                start = (_LEVEL_SLOT[depth] + slot) * HASH_SIZE
                chunk = run.hashes[position : position + take]
                buffers[key][start : start + take * HASH_SIZE] = b"".join(chunk)
                position += take
        # Both drivers bind a bytearray as a blob: no copy of the buffers.
        self._insert_many("log_node_block", ("block_key", "hashes"), list(buffers.items()))

    def _take_blocks(self, growth: Growth) -> dict[int, bytes]:
        """Delete the partial blocks the batch extends and return their contents.

        Only the block holding a tier's first new bottom-level node can already exist: every new
        node higher in the tier lies over that node or over later ones.
        """
        partial = [
            block_key(run.level // NODE_BLOCK_HEIGHT, run.first // NODE_BLOCK_WIDTH)
            for run in growth.runs
            if run.level % NODE_BLOCK_HEIGHT == 0 and run.first % NODE_BLOCK_WIDTH
        ]
        if not partial:
            return {}
        found = self.read_blocks(partial)
        for key in partial:
            if len(found.get(key, b"")) != BLOCK_BYTES:
                raise LogIntegrityError(
                    f"node block {key} should exist before this append", field="log_node_block"
                )
        self.session.execute(delete(LogNodeBlock).where(LogNodeBlock.block_key.in_(partial)))
        return found

    def _insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
    ) -> None:
        if not rows:
            return
        self.session.flush()
        connection = self.session.connection()
        marker = _marker(connection.dialect.paramstyle)
        # Table and column names are constants of this module, never input.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"  # noqa: S608
        connection.exec_driver_sql(sql, list(rows))

    # --- reading entries and hashes --------------------------------------------------------------

    def entries(self, start: int, stop: int) -> list[bytes]:
        """Entries ``[start, stop)``; raise ``LogIntegrityError`` if a stored bundle is missing."""
        if start >= stop:
            return []
        first, last = start // ENTRY_BUNDLE_WIDTH, (stop - 1) // ENTRY_BUNDLE_WIDTH
        rows = rows_connection(self.session).execute(
            _bundles_query(), {"first": first, "last": last}
        )
        found: list[bytes] = []
        expected = first
        for bundle, body in rows:
            if bundle != expected:
                break
            found.extend(decode_bundle(body))
            expected += 1
        offset = start - first * ENTRY_BUNDLE_WIDTH
        result = found[offset : offset + stop - start]
        if len(result) != stop - start:
            raise LogIntegrityError(
                f"entries {start}..{stop - 1} are not all stored", field="log_entry_bundle"
            )
        return result

    def iter_bundles(self, start_bundle: int = 0, chunk: int = 256) -> Iterator[tuple[int, bytes]]:
        """Every stored bundle ``(bundle, body)`` in order, read ``chunk`` rows at a time."""
        next_bundle = start_bundle
        while True:
            rows = list(
                self.session.execute(
                    select(LogEntryBundle.bundle, LogEntryBundle.entries)
                    .where(LogEntryBundle.bundle >= next_bundle)
                    .order_by(LogEntryBundle.bundle)
                    .limit(chunk)
                )
            )
            if not rows:
                return
            yield from rows
            next_bundle = rows[-1][0] + 1

    def iter_blocks(self, tier: int, chunk: int = 512) -> Iterator[tuple[int, bytes]]:
        """Every stored block of one tier as ``(block, hashes)``, in order."""
        low, high = block_key(tier, 0), block_key(tier + 1, 0)
        while True:
            rows = list(
                self.session.execute(
                    select(LogNodeBlock.block_key, LogNodeBlock.hashes)
                    .where(LogNodeBlock.block_key >= low, LogNodeBlock.block_key < high)
                    .order_by(LogNodeBlock.block_key)
                    .limit(chunk)
                )
            )
            if not rows:
                return
            for key, hashes in rows:
                yield key - block_key(tier, 0), hashes
            low = rows[-1][0] + 1

    def read_blocks(self, keys: Iterable[int]) -> dict[int, bytes]:
        """The hashes stored under each block key (absent keys are left out)."""
        return _BlockQuery(self.session).read(tuple(keys))

    def hash_reader(self, size: int | None = None) -> BlockHashReader:
        """A ``merkle.HashReader`` over the stored blocks of a tree of ``size`` (default: all)."""
        if size is None:
            state = self.state()
            size = state.size if state is not None else 0
        return BlockHashReader(self, size)

    def leaf_candidates(self, leaf_hash: bytes) -> list[int]:
        """Indices whose leaf hash starts like ``leaf_hash`` (confirm against the full hash)."""
        return list(
            self.session.scalars(
                select(LogLeaf.idx)
                .where(LogLeaf.leaf_key == leaf_key(leaf_hash))
                .order_by(LogLeaf.idx)
            )
        )

    def iter_leaf_rows(self, chunk: int = 50_000) -> Iterator[tuple[int, int]]:
        """Every ``(idx, leaf_key)`` lookup row, ordered by index."""
        after = -1
        while True:
            rows = list(
                self.session.execute(
                    select(LogLeaf.idx, LogLeaf.leaf_key)
                    .where(LogLeaf.idx > after)
                    .order_by(LogLeaf.idx)
                    .limit(chunk)
                )
            )
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    # --- checkpoints and cosignatures ------------------------------------------------------------

    def latest_checkpoint(self) -> LogCheckpoint | None:
        """The checkpoint with the largest size."""
        return self.session.scalars(
            select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)
        ).first()

    def checkpoint(self, size: int) -> LogCheckpoint | None:
        """The checkpoint of exactly ``size`` leaves."""
        return self.session.get(LogCheckpoint, size)

    def recent_checkpoints(self, limit: int) -> Sequence[LogCheckpoint]:
        """The newest checkpoints, largest first."""
        return self.session.scalars(
            select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(limit)
        ).all()

    def iter_checkpoints(self) -> Iterator[LogCheckpoint]:
        """Every checkpoint, smallest first."""
        yield from self.session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size))

    def add_checkpoint(self, size: int, root_hash: bytes, note: str) -> LogCheckpoint:
        """Store a signed checkpoint."""
        row = LogCheckpoint(size=size, root_hash=root_hash, note=note, created_at=utcnow())
        self.session.add(row)
        self.session.flush()
        return row

    def cosignatures(self, sizes: Iterable[int]) -> list[LogCosignature]:
        """Cosignature rows of the given checkpoint sizes."""
        wanted = list(sizes)
        return list(
            self.session.scalars(
                select(LogCosignature)
                .where(LogCosignature.size.in_(wanted))
                .order_by(LogCosignature.size, LogCosignature.witness)
            )
        )

    def last_cosigned_size(self, witness: str) -> int | None:
        """The largest checkpoint size the witness has cosigned, if any."""
        return self.session.scalar(
            select(func.max(LogCosignature.size)).where(LogCosignature.witness == witness)
        )

    def put_cosignature(self, size: int, witness: str, timestamp: int, line: str) -> None:
        """Store (or replace) a witness's cosignature on checkpoint ``size``."""
        self.session.execute(
            delete(LogCosignature).where(
                LogCosignature.size == size, LogCosignature.witness == witness
            )
        )
        self.session.add(
            LogCosignature(
                size=size, witness=witness, timestamp=timestamp, line=line, created_at=utcnow()
            )
        )
        self.session.flush()

    # --- keys of parties -------------------------------------------------------------------------

    def party_keys(self, party_ids: Iterable[uuid.UUID]) -> list[PartyKey]:
        """Every signing key (active and retired) of the given parties."""
        wanted = list(set(party_ids))
        if not wanted:
            return []
        rows = self.session.execute(
            select(
                SigningKey.id, SigningKey.owner_id, SigningKey.public_key, SigningKey.status
            ).where(SigningKey.owner_kind == KeyOwnerKind.PARTY, SigningKey.owner_id.in_(wanted))
        )
        return [PartyKey(key_id, owner, public, status) for key_id, owner, public, status in rows]

    def active_parties(self, party_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """The subset of ``party_ids`` that exist and are active."""
        wanted = list(set(party_ids))
        if not wanted:
            return set()
        return set(
            self.session.scalars(
                select(Party.id).where(Party.id.in_(wanted), Party.active.is_(True))
            )
        )


@functools.lru_cache(maxsize=256)
def _block_sql(marker: str, count: int) -> str:
    """The block query for ``count`` keys (cached: proofs ask for a handful of distinct counts)."""
    markers = ", ".join([marker] * count)
    return f"SELECT block_key, hashes FROM log_node_block WHERE block_key IN ({markers})"  # noqa: S608


class _BlockQuery:
    """Reads blocks by key on the session's current connection, straight through the driver.

    Proofs are the hot read path: a driver cursor in the session's transaction avoids building a
    statement and a result object per call. Valid for the transaction it was made in.
    """

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self._dbapi = connection.connection
        self._marker = _marker(connection.dialect.paramstyle)

    def read(self, keys: tuple[int, ...]) -> dict[int, bytes]:
        """``{key: block}`` for the keys that exist."""
        if not keys:
            return {}
        cursor = self._dbapi.cursor()
        try:
            cursor.execute(_block_sql(self._marker, len(keys)), keys)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return {key: bytes(block) for key, block in rows}


class BlockHashReader:
    """``merkle.HashReader`` over ``log_node_block``: one query per call, one row per block.

    Made for one transaction: it reads through the connection the session holds at creation.
    """

    def __init__(self, repo: LogRepository, size: int) -> None:
        self._query = _BlockQuery(repo.session)
        self._size = size

    def read_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Hashes of the given complete subtrees; ``MissingHashError`` for one not stored."""
        size, keys, offsets = self._size, [], []
        for level, index in nodes:
            if (index + 1) << level > size:
                raise MissingHashError(
                    f"subtree (level {level}, index {index}) is not complete at size {size}",
                    details={"level": level, "index": index},
                )
            key_base, shift, slot_base = _LEVEL_LAYOUT[level]
            keys.append(key_base | index >> shift)
            offsets.append(slot_base + (index & ((1 << shift) - 1)) * HASH_SIZE)
        blocks = self._query.read(tuple(set(keys)))
        result = [
            blocks.get(key, b"")[offset : offset + HASH_SIZE]
            for key, offset in zip(keys, offsets, strict=True)
        ]
        for (level, index), value in zip(nodes, result, strict=True):
            if len(value) != HASH_SIZE:
                raise MissingHashError(
                    f"no stored subtree hash at level {level}, index {index}",
                    details={"level": level, "index": index},
                )
        return result


class WitnessStateRepository:
    """Reads and writes ``witness_state`` with the check-and-persist lock."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, origin: str) -> WitnessState:
        """The state row for ``origin`` (created empty if absent), locked until commit."""
        dialect = self.session.get_bind().dialect.name
        module = postgresql if dialect == "postgresql" else sqlite
        self.session.execute(
            module.insert(WitnessState.__table__)
            .values(origin=origin, size=0, root_hash=EMPTY_ROOT, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        self.session.execute(
            update(WitnessState).where(WitnessState.origin == origin).values(updated_at=utcnow())
        )
        return self.session.execute(
            select(WitnessState)
            .where(WitnessState.origin == origin)
            .execution_options(populate_existing=True)
        ).scalar_one()
