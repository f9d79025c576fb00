"""Verification of the whole log database, and of one proof bundle with nothing but public keys.

``DatabaseVerifier`` re-reads everything the log stored and trusts none of it: every entry is
decoded and its signature checked, every leaf re-hashed, every stored subtree hash recomputed, the
state row compared, every checkpoint's signature, root and consistency with the previous one
checked, and (given a policy) every cosignature. Each problem is reported with its kind and the
entry index (or checkpoint size) it concerns, so a changed byte anywhere is found and located.
"""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from livetrace.kit.errors import LivetraceError
from livetrace.ledger.checkpoint import Checkpoint, open_checkpoint
from livetrace.ledger.cosignature import CosignatureVerifier
from livetrace.ledger.errors import (
    MalformedCosignatureError,
    MalformedProofBundleError,
    StatementKeyError,
)
from livetrace.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    consistency_proof,
    leaf_hash,
    verify_consistency,
)
from livetrace.ledger.models import (
    ENTRY_BUNDLE_WIDTH,
    NODE_BLOCK_HEIGHT,
    NODE_BLOCK_WIDTH,
    LogCheckpoint,
    LogState,
)
from livetrace.ledger.note import Verifier, parse_note, verify_note
from livetrace.ledger.policy import Policy
from livetrace.ledger.proofbundle import VerifiedProof, parse_proof_bundle, verify_proof_bundle
from livetrace.ledger.repository import LogRepository, decode_bundle, leaf_key, node_slot
from livetrace.ledger.statements import (
    SignedStatement,
    decode_statement,
    key_fingerprint,
    verify_statement,
)

MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong: its kind, the entry index or checkpoint size, and what is wrong."""

    kind: str
    index: int | None
    message: str

    def __str__(self) -> str:
        where = f" at {self.index}" if self.index is not None else ""
        return f"{self.kind}{where}: {self.message}"


@dataclass
class DatabaseReport:
    """What a database verification checked and found."""

    size: int = 0
    leaves: int = 0
    signatures: int = 0
    subtree_hashes: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


class _Stored:
    """Sequential access to the stored hashes of every level, read block by block."""

    def __init__(self, repo: LogRepository) -> None:
        self._repo = repo
        self._cursors: dict[int, Iterator[tuple[int, bytes]]] = {}
        self._current: dict[int, tuple[int, bytes]] = {}

    def get(self, level: int, index: int) -> bytes | None:
        """The stored hash of subtree ``(level, index)``; indexes must be read in order."""
        tier, depth = divmod(level, NODE_BLOCK_HEIGHT)
        block = index // (NODE_BLOCK_WIDTH >> depth)
        if level not in self._cursors:
            self._cursors[level] = self._repo.iter_blocks(tier)
        current = self._current.get(level)
        while current is None or current[0] < block:
            current = next(self._cursors[level], (block + 1, b""))
            self._current[level] = current
        if current[0] != block:
            return None
        offset = node_slot(level, index)[1]
        value = current[1][offset : offset + HASH_SIZE]
        return value if len(value) == HASH_SIZE else None


class DatabaseVerifier:
    """Checks a log database end to end; ``run`` returns a report and never stops at the first problem."""

    def __init__(
        self,
        session: Session,
        origin: str,
        *,
        log_verifiers: Sequence[Verifier],
        party_keys: Mapping[tuple[uuid.UUID, str], bytes] | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.repo = LogRepository(session)
        self.origin = origin
        self.log_verifiers = list(log_verifiers)
        self._party_keys = dict(party_keys) if party_keys is not None else None
        self.policy = policy
        self.report = DatabaseReport()

    def run(self) -> DatabaseReport:
        """Verify everything; the report lists each problem found."""
        state = self.repo.state()
        checkpoints = list(self.repo.iter_checkpoints())
        sizes = {row.size for row in checkpoints}
        roots, leaf_keys, tree = self._check_entries(sizes)
        self._check_state(state, tree)
        self._check_checkpoints(checkpoints, roots)
        self._check_leaf_index(state, leaf_keys)
        return self.report

    def _problem(self, kind: str, index: int | None, message: str) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(Problem(kind, index, message))

    # --- entries and hashes ----------------------------------------------------------------------

    def _check_entries(self, sizes: set[int]) -> tuple[dict[int, bytes], array[int], CompactRange]:
        stored = _Stored(self.repo)
        tree = CompactRange()
        roots = {0: EMPTY_ROOT}
        keys: array[int] = array("q")
        for index, entry in self._entries():
            hashed = leaf_hash(entry)
            keys.append(leaf_key(hashed))
            self._check_statement(index, entry)
            for node in tree.append(hashed):
                self._compare(stored, node.level, node.index, node.hash)
            if tree.size in sizes:
                roots[tree.size] = tree.root()
        self.report.leaves = tree.size
        return roots, keys, tree

    def _entries(self) -> Iterator[tuple[int, bytes]]:
        index = 0
        for bundle, body in self.repo.iter_bundles():
            try:
                entries = decode_bundle(body)
            except LivetraceError as exc:
                self._problem("entry-bundle", index, f"bundle {bundle}: {exc.message}")
                return
            if bundle * ENTRY_BUNDLE_WIDTH != index:
                self._problem("entry-missing", index, f"bundle {bundle} follows a gap")
                return
            for entry in entries:
                yield index, entry
                index += 1

    def _compare(self, stored: _Stored, level: int, index: int, expected: bytes) -> None:
        self.report.subtree_hashes += 1
        found = stored.get(level, index)
        if found == expected:
            return
        kind = "leaf-hash" if level == 0 else "subtree-hash"
        where = index if level == 0 else index << level
        what = "is missing" if found is None else "differs from the recomputed hash"
        self._problem(kind, where, f"stored hash of subtree (level {level}, index {index}) {what}")

    def _check_statement(self, index: int, entry: bytes) -> None:
        try:
            signed = decode_statement(entry)
        except LivetraceError as exc:
            self._problem("statement-malformed", index, exc.message)
            return
        public_key = self._key_for(signed)
        if public_key is None:
            self._problem(
                "statement-key",
                index,
                f"party {signed.statement.party_id} has no key {signed.statement.key}",
            )
            return
        try:
            verify_statement(signed, public_key)
        except LivetraceError as exc:
            self._problem("statement-signature", index, exc.message)
            return
        self.report.signatures += 1

    def _key_for(self, signed: SignedStatement) -> bytes | None:
        statement = signed.statement
        if self._party_keys is None:
            self._party_keys = {}
        slot = (statement.party_id, statement.key)
        if slot not in self._party_keys:
            for key in self.repo.party_keys([statement.party_id]):
                self._party_keys[(key.party_id, key_fingerprint(key.public_key))] = key.public_key
        return self._party_keys.get(slot)

    # --- state, checkpoints, cosignatures, leaf index --------------------------------------------

    def _check_state(self, state: LogState | None, tree: CompactRange) -> None:
        self.report.size = tree.size
        if state is None:
            if tree.size:
                self._problem("log-state", None, "entries exist but the log state row is missing")
            return
        if state.origin != self.origin:
            self._problem("log-state", None, f"origin {state.origin!r}, expected {self.origin!r}")
        if state.size != tree.size:
            self._problem(
                "log-state", state.size, f"state says {state.size} entries, {tree.size} are stored"
            )
        if state.root_hash != tree.root():
            self._problem("log-state", state.size, "state root differs from the recomputed root")
        if state.compact != b"".join(tree.hashes):
            self._problem(
                "log-state", state.size, "state compact range differs from the recomputed one"
            )

    def _check_checkpoints(self, rows: Sequence[LogCheckpoint], roots: Mapping[int, bytes]) -> None:
        previous: Checkpoint | None = None
        for row in rows:
            checkpoint = self._open(row)
            if checkpoint is None:
                continue
            self.report.checkpoints += 1
            self._check_checkpoint_root(checkpoint, roots)
            if previous is not None:
                self._check_consistent(previous, checkpoint)
            self._check_cosignatures(row)
            previous = checkpoint

    def _open(self, row: LogCheckpoint) -> Checkpoint | None:
        try:
            checkpoint = open_checkpoint(
                row.note, self.log_verifiers, origin=self.origin
            ).checkpoint
        except LivetraceError as exc:
            self._problem("checkpoint-signature", row.size, exc.message)
            return None
        if (checkpoint.size, checkpoint.root_hash) != (row.size, row.root_hash):
            self._problem(
                "checkpoint-row", row.size, "size or root column differs from the signed note"
            )
        return checkpoint

    def _check_checkpoint_root(self, checkpoint: Checkpoint, roots: Mapping[int, bytes]) -> None:
        root = roots.get(checkpoint.size)
        if root is None:
            self._problem(
                "checkpoint-size", checkpoint.size, f"only {self.report.leaves} entries are stored"
            )
        elif root != checkpoint.root_hash:
            self._problem(
                "checkpoint-root", checkpoint.size, "signed root differs from the recomputed root"
            )

    def _check_consistent(self, previous: Checkpoint, current: Checkpoint) -> None:
        try:
            if previous.size == 0:
                if previous.root_hash != EMPTY_ROOT:
                    raise LivetraceError("the size-0 checkpoint has a non-empty root")
                return
            proof = consistency_proof(previous.size, current.size, self.repo.hash_reader())
            verify_consistency(
                previous.size, current.size, previous.root_hash, current.root_hash, proof
            )
        except LivetraceError as exc:
            self._problem(
                "checkpoint-consistency",
                current.size,
                f"not consistent with the checkpoint of size {previous.size}: {exc.message}",
            )

    def _check_cosignatures(self, row: LogCheckpoint) -> None:
        if self.policy is None:
            return
        witnesses = self.policy.witness_verifiers()
        for cosignature in self.repo.cosignatures([row.size]):
            verifier = witnesses.get(cosignature.witness)
            if verifier is None:
                continue
            try:
                _verify_cosignature_line(row.note, cosignature.line, verifier)
            except LivetraceError as exc:
                self._problem("cosignature", row.size, f"{cosignature.witness}: {exc.message}")
                continue
            self.report.cosignatures += 1

    def _check_leaf_index(self, state: LogState | None, keys: array[int]) -> None:
        indexed = state.indexed_size if state is not None else 0
        seen = 0
        for index, key in self.repo.iter_leaf_rows():
            seen += 1
            if index >= min(indexed, len(keys)) or keys[index] != key:
                self._problem(
                    "leaf-index", index, "leaf-hash lookup row does not match the leaf hash"
                )
        if seen != min(indexed, len(keys)):
            self._problem("leaf-index", None, f"{seen} lookup rows for {indexed} indexed leaves")


def _verify_cosignature_line(note: str, line: str, verifier: CosignatureVerifier) -> None:
    """Raise unless ``line`` is a valid cosignature by ``verifier`` on the checkpoint ``note``."""
    signed = parse_note(note + line)
    cosigned = [
        s for s in signed.signatures if (s.name, s.key_id) == (verifier.name, verifier.key_id)
    ]
    if not cosigned:
        raise MalformedCosignatureError(
            f"line is not a cosignature by {verifier.name}", field="line"
        )
    verify_note(signed, [verifier])


# --- bundles -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BundleResult:
    """A proof bundle that verified: the statement, its index and the accepted checkpoint."""

    proof: VerifiedProof
    statement: SignedStatement


def verify_bundle(
    bundle: str | bytes,
    policy: Policy,
    party_keys: Sequence[bytes],
    *,
    origin: str | None = None,
) -> BundleResult:
    """Verify a tlog-proof bundle offline; raise on the first failure.

    The bundle's extra data must be the entry (the signed statement): its signature is checked
    against one of ``party_keys``, its leaf hash proven included in a checkpoint that ``policy``
    accepts (log signature and witness quorum).
    """
    parsed = parse_proof_bundle(bundle)
    if parsed.extra is None:
        raise MalformedProofBundleError(
            "the bundle carries no statement (extra data)", field="extra"
        )
    signed = decode_statement(parsed.extra)
    by_fingerprint = {key_fingerprint(key): key for key in party_keys}
    public_key = by_fingerprint.get(signed.statement.key)
    if public_key is None:
        raise StatementKeyError(
            f"none of the given party keys is key {signed.statement.key} named by the statement",
            field="party_key",
        )
    verify_statement(signed, public_key)
    proof = verify_proof_bundle(parsed, policy, leaf_data=parsed.extra, origin=origin)
    return BundleResult(proof, signed)
