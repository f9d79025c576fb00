"""Tables of the verifiable log and of a witness.

The log keeps as few rows per entry as proofs and lookups allow, because durable append speed is
bounded by rows written, not by hashing:

* ``log_entry_bundle``: entries (signed statements) in bundles of ``ENTRY_BUNDLE_WIDTH``, each
  entry prefixed by its length as a big-endian uint16 (the tlog-tiles entry-bundle encoding).
* ``log_node_block``: every complete-subtree hash, grouped in blocks of ``NODE_BLOCK_HEIGHT`` (5)
  Merkle levels: a block of tier ``t`` holds 32 consecutive subtrees of level ``5t`` and the 16, 8,
  4 and 2 subtrees above them (62 hashes, just under 2 KB, so no overflow page on SQLite and no
  TOAST on PostgreSQL). Tier 0's bottom level holds the leaf hashes. Any root or proof of a tree of
  ``n`` leaves reads about ``log2(n) / 5`` rows.
* ``log_leaf``: leaf-hash lookup; the first 8 bytes of each leaf hash (as a signed int64) and its
  index. Candidates are confirmed against the full hash in ``log_node_block``. It is a secondary
  index, filled after the batch that sequenced the leaves (``LogService.index_leaves``) and
  rebuildable from the level-0 blocks; ``log_state.indexed_size`` says how far it reaches, and
  lookups scan the level-0 hashes beyond that.
* ``log_state``: one row, the sequencer's lock and its O(log n) state (size, root, compact range).
* ``log_checkpoint`` / ``log_cosignature``: signed checkpoints and the witnesses' cosignature lines.
* ``witness_state``: on a witness, the size and root it last cosigned per log origin.

The last bundle and the last block of each level are partial and rewritten as the log grows; every
other row is written once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livetrace.kit.clock import utcnow
from livetrace.store.base import Base
from livetrace.store.types import UTCDateTime

ENTRY_BUNDLE_WIDTH = 16
NODE_BLOCK_HEIGHT = 5
NODE_BLOCK_WIDTH = 1 << NODE_BLOCK_HEIGHT
BLOCK_KEY_SHIFT = 42
LOG_STATE_ID = 1
# INTEGER PRIMARY KEY is SQLite's rowid: one B-tree instead of a table plus an index.
Int64Key = BigInteger().with_variant(Integer(), "sqlite")


class LogState(Base):
    """The log's single state row: locked by every append, updated with every batch."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=LOG_STATE_ID
    )
    origin: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    compact: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, default=b"")
    indexed_size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class LogEntryBundle(Base):
    """Up to ``ENTRY_BUNDLE_WIDTH`` consecutive entries, uint16-length-prefixed."""

    __tablename__ = "log_entry_bundle"

    bundle: Mapped[int] = mapped_column(Int64Key, primary_key=True, autoincrement=False)
    width: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    entries: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogNodeBlock(Base):
    """Five Merkle levels of 32 consecutive subtrees: their 62 hashes, level by level.

    ``block_key = tier << BLOCK_KEY_SHIFT | block``. Level ``5 * tier + j`` of block ``b`` holds
    subtrees ``(5 * tier + j, b * (32 >> j) + i)`` from hash slot ``64 - (64 >> j)`` on. Slots of
    subtrees not yet complete hold zeros until the block is rewritten.
    """

    __tablename__ = "log_node_block"

    block_key: Mapped[int] = mapped_column(Int64Key, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class LogLeaf(Base):
    """Leaf-hash lookup: a 64-bit prefix of the leaf hash and the entry index."""

    __tablename__ = "log_leaf"
    __table_args__ = ({"sqlite_with_rowid": False},)

    leaf_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class LogCheckpoint(Base):
    """A checkpoint the log signed: its size, root and the signed note."""

    __tablename__ = "log_checkpoint"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class LogCosignature(Base):
    """A witness's tlog-cosignature line on a checkpoint."""

    __tablename__ = "log_cosignature"
    __table_args__ = (ForeignKeyConstraint(["size"], ["log_checkpoint.size"], ondelete="CASCADE"),)

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(255), primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger, nullable=False)
    line: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class WitnessState(Base):
    """What a witness last cosigned for one log origin."""

    __tablename__ = "witness_state"

    origin: Mapped[str] = mapped_column(String(255), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
