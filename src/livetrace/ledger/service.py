"""The log's write side: append statements in batches and sign checkpoints. Never commits.

``LogService.append`` sequences a batch inside the caller's transaction: it takes the log's write
lock (the ``log_state`` row), checks every statement against its party's current key, stores the
entries and every new subtree hash with a handful of set-based inserts, and updates the state.
``issue_checkpoint`` signs the current tree after checking it against the stored hashes and against
the previous checkpoint; it refuses to sign anything inconsistent. Both hold the lock until the
caller commits, so several API workers or processes append one at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from livetrace.crypto.keys import KeyEncryptor, Signer
from livetrace.crypto.models import KeyOwnerKind, KeyStatus, SigningKey
from livetrace.crypto.service import KeyService
from livetrace.kit.errors import LivetraceError
from livetrace.ledger.appender import grow
from livetrace.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from livetrace.ledger.errors import (
    ConsistencyProofError,
    LogIntegrityError,
    MalformedStatementError,
    StatementKeyError,
    StatementSignatureError,
)
from livetrace.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashReader,
    consistency_proof,
    root_at,
    verify_consistency,
)
from livetrace.ledger.models import LogCheckpoint, LogState
from livetrace.ledger.note import Ed25519Signer, Ed25519Verifier
from livetrace.ledger.repository import LogRepository, PartyKey
from livetrace.ledger.statements import (
    SignedStatement,
    Statement,
    decode_statement,
    key_fingerprint,
    verify_statement,
)

_LOG_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://livetrace.dev/log")


def log_key_owner(origin: str) -> uuid.UUID:
    """The owner id under which the log key of ``origin`` is stored."""
    return uuid.uuid5(_LOG_KEY_NAMESPACE, origin)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A statement at its place in the log."""

    index: int
    leaf_hash: bytes
    entry: bytes
    statement: Statement


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint, its log-signed note and the witnesses' cosignature lines."""

    checkpoint: Checkpoint
    note: str
    cosignatures: tuple[str, ...] = ()

    @property
    def cosigned_note(self) -> str:
        """The note with every cosignature line appended."""
        return self.note + "".join(self.cosignatures)


class LogKeys:
    """The log's own Ed25519 key, stored sealed through ``KeyService`` and named like the origin."""

    def __init__(self, session: Session, encryptor: KeyEncryptor, origin: str) -> None:
        self.keys = KeyService(session, encryptor)
        self.encryptor = encryptor
        self.origin = origin
        self.owner = log_key_owner(origin)
        self._rows: Sequence[SigningKey] | None = None

    def ensure(self) -> Ed25519Verifier:
        """Create the log key if there is none; return the active key's verifier."""
        return self.signer().verifier()

    def signer(self) -> Ed25519Signer:
        """A note signer with the active log key (created on first use)."""
        active = [row for row in self._load() if row.status == KeyStatus.ACTIVE]
        if not active:
            self.keys.create(KeyOwnerKind.LOG, self.owner, self.origin)
            self._rows = None
            active = [row for row in self._load() if row.status == KeyStatus.ACTIVE]
        key = active[0]
        private = self.encryptor.decrypt(key.sealed_private_key, bind_to=str(key.id))
        return Ed25519Signer(
            self.origin, Signer(key_id=str(key.id), name=key.name, private_key=private)
        )

    def verifiers(self) -> list[Ed25519Verifier]:
        """Verifiers for every log key ever used, retired ones included."""
        return [Ed25519Verifier(self.origin, row.public_key) for row in self._load()]

    def _load(self) -> Sequence[SigningKey]:
        # One query per instance: a service lives for one transaction, keys do not change in it.
        if self._rows is None:
            self._rows = self.keys.repo.all_for(KeyOwnerKind.LOG, self.owner)
        return self._rows


class LogService:
    """Appends statements and issues checkpoints within the caller's transaction."""

    def __init__(self, session: Session, encryptor: KeyEncryptor, origin: str) -> None:
        self.session = session
        self.repo = LogRepository(session)
        self.origin = origin
        self.log_keys = LogKeys(session, encryptor, origin)
        self._locked: tuple[object, LogState] | None = None

    # --- appending -------------------------------------------------------------------------------

    def append(self, statements: Sequence[SignedStatement | bytes]) -> list[LogEntry]:
        """Sequence a batch of signed statements; all or none are appended.

        Entries given as bytes are decoded strictly. Every statement must verify against a current
        key of an active party; one this process has just signed with a key-bound signer
        (``SignedStatement.signed_here``) holds by construction and is not verified twice. Raises with ``field`` = ``statements[i]…`` for the first bad one.
        The log's write lock is taken first and held until the caller commits; on SQLite, call
        this before other reads in the transaction (a read snapshot cannot become a writer once
        another writer has committed).
        """
        signed = [_accept(position, item) for position, item in enumerate(statements)]
        if not signed:
            return []
        state = self._lock()
        self._check_signers(signed)
        growth = grow(state.size, _split_compact(state.compact), [s.leaf_hash for s in signed])
        self.repo.write_batch(growth, [s.entry for s in signed])
        self.repo.save_state(state, growth)
        first = growth.old_size
        return [
            LogEntry(first + i, growth.runs[0].hashes[i], s.entry, s.statement)
            for i, s in enumerate(signed)
        ]

    def append_batch(
        self, statements: Sequence[SignedStatement | bytes]
    ) -> tuple[list[LogEntry], SignedCheckpoint]:
        """Append a batch and sign the checkpoint that covers it (one group commit)."""
        entries = self.append(statements)
        return entries, self.issue_checkpoint()

    def index_leaves(self, limit: int = 100_000) -> int:
        """Extend the leaf-hash lookup by up to ``limit`` leaves; return how many were indexed.

        A secondary index, run after the sequencing transaction (it never decides what is in the
        log): lookups by leaf hash scan the few leaves it has not reached yet.
        """
        state = self._lock()
        start = state.indexed_size
        stop = min(state.size, start + limit)
        if stop <= start:
            return 0
        self.repo.index_leaves(start, self.repo.leaf_hashes(start, stop))
        self.repo.set_indexed_size(state, stop)
        return stop - start

    def _lock(self) -> LogState:
        # The lock lasts until the transaction ends: take it once per transaction.
        transaction = self.session.get_transaction()
        if self._locked is not None and self._locked[0] is transaction:
            return self._locked[1]
        state = self.repo.lock_state(self.origin)
        if state.origin != self.origin:
            raise LogIntegrityError(
                f"this database holds the log {state.origin!r}, the settings name {self.origin!r}",
                field="origin",
            )
        self._locked = (transaction, state)
        return state

    def _check_signers(self, signed: Sequence[SignedStatement]) -> None:
        parties = {s.statement.party_id for s in signed}
        active = self.repo.active_parties(parties)
        keys = {
            (k.party_id, key_fingerprint(k.public_key)): k for k in self.repo.party_keys(parties)
        }
        for position, item in enumerate(signed):
            key = _current_key(position, item.statement, active, keys)
            if item.signed_here:
                continue
            try:
                verify_statement(item, key.public_key)
            except StatementSignatureError as exc:
                raise StatementSignatureError(
                    f"statements[{position}]: {exc.message}",
                    field=f"statements[{position}].{exc.field}",
                ) from None

    # --- checkpoints -----------------------------------------------------------------------------

    def issue_checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint for the current tree, or return the latest one if the tree is unchanged.

        Raises ``LogIntegrityError`` (and signs nothing) if the stored hashes do not give the
        state's root, or if the tree is not an extension of the previous checkpoint.
        """
        state = self._lock()
        size, root = state.size, state.root_hash
        reader = self.repo.hash_reader()
        self._check_stored_root(size, root, reader)
        latest = self.repo.latest_checkpoint()
        if latest is not None:
            previous = self._open_own(latest)
            if previous == Checkpoint(self.origin, size, root):
                return SignedCheckpoint(previous, latest.note)
            self._check_extends(previous, size, root, reader)
        checkpoint = Checkpoint(self.origin, size, root)
        note = sign_checkpoint(checkpoint, [self.log_keys.signer()])
        self.repo.add_checkpoint(size, root, note)
        return SignedCheckpoint(checkpoint, note)

    def _check_stored_root(self, size: int, root: bytes, reader: HashReader) -> None:
        try:
            stored = root_at(size, reader)
        except LivetraceError as exc:
            raise LogIntegrityError(
                f"stored subtree hashes cannot give the root of size {size}: {exc.message}",
                field="log_node_block",
            ) from None
        if stored != root:
            raise LogIntegrityError(
                f"stored subtree hashes give another root than the log state at size {size}",
                field="log_node_block",
            )

    def _open_own(self, row: LogCheckpoint) -> Checkpoint:
        """The previous checkpoint as signed, after checking the log's own signature on it."""
        try:
            opened = open_checkpoint(row.note, self.log_keys.verifiers(), origin=self.origin)
        except LivetraceError as exc:
            raise LogIntegrityError(
                f"the stored checkpoint of size {row.size} does not verify: {exc.message}",
                field="log_checkpoint",
            ) from None
        checkpoint = opened.checkpoint
        if (checkpoint.size, checkpoint.root_hash) != (row.size, row.root_hash):
            raise LogIntegrityError(
                f"checkpoint row {row.size} disagrees with its signed note", field="log_checkpoint"
            )
        return checkpoint

    def _check_extends(
        self, previous: Checkpoint, size: int, root: bytes, reader: HashReader
    ) -> None:
        if previous.size > size or (previous.size == size and previous.root_hash != root):
            raise LogIntegrityError(
                f"the tree (size {size}) is not an extension of the signed checkpoint of size "
                f"{previous.size}: refusing to sign",
                field="log_checkpoint",
            )
        if previous.size == 0:
            if previous.root_hash != EMPTY_ROOT:
                raise LogIntegrityError("the size-0 checkpoint has a non-empty root")
            return
        try:
            proof = consistency_proof(previous.size, size, reader)
            verify_consistency(previous.size, size, previous.root_hash, root, proof)
        except (ConsistencyProofError, LivetraceError) as exc:
            raise LogIntegrityError(
                f"tree of size {size} is inconsistent with the checkpoint of size "
                f"{previous.size}: {exc.message}; refusing to sign",
                field="log_checkpoint",
            ) from None


def _accept(position: int, item: SignedStatement | bytes) -> SignedStatement:
    """The statement to append: as it is when signed here, else decoded from its entry."""
    if isinstance(item, SignedStatement) and item.signed_here:
        return item
    return _decode(position, item)


def _decode(position: int, item: SignedStatement | bytes) -> SignedStatement:
    # Decode the entry bytes even for a SignedStatement: they are what gets stored, so they are
    # what must verify.
    try:
        return decode_statement(item.entry if isinstance(item, SignedStatement) else item)
    except MalformedStatementError as exc:
        raise MalformedStatementError(
            f"statements[{position}]: {exc.message}", field=f"statements[{position}].{exc.field}"
        ) from None


def _current_key(
    position: int,
    statement: Statement,
    active_parties: set[uuid.UUID],
    keys: dict[tuple[uuid.UUID, str], PartyKey],
) -> PartyKey:
    where = f"statements[{position}]"
    if statement.party_id not in active_parties:
        raise StatementKeyError(
            f"{where}: party {statement.party_id} is unknown or inactive",
            field=f"{where}.statement.party",
        )
    key = keys.get((statement.party_id, statement.key))
    if key is None:
        raise StatementKeyError(
            f"{where}: party {statement.party_id} has no key {statement.key}",
            field=f"{where}.statement.key",
        )
    if key.status != KeyStatus.ACTIVE:
        raise StatementKeyError(
            f"{where}: key {statement.key} of party {statement.party_id} is {key.status}, "
            "not the party's current key",
            field=f"{where}.statement.key",
        )
    return key


def _split_compact(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
