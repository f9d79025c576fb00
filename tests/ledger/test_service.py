"""LogService on the real database: batched append, key checks, checkpoints, refusals."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from factories.ledger import ORIGIN, Stater, fill_log, log_service, make_stater
from livetrace.crypto.keys import KeyEncryptor
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.identity.models import Party
from livetrace.kit import canonical_json
from livetrace.ledger.checkpoint import open_checkpoint
from livetrace.ledger.errors import (
    LogIntegrityError,
    MalformedStatementError,
    StatementKeyError,
    StatementSignatureError,
)
from livetrace.ledger.merkle import EMPTY_ROOT, root_of
from livetrace.ledger.models import LogCheckpoint, LogNodeBlock, LogState
from livetrace.ledger.reads import LogReader
from livetrace.ledger.repository import LogRepository, node_slot
from livetrace.ledger.service import LogService
from livetrace.ledger.statements import SignedStatement, decode_statement, verify_statement


@pytest.fixture
def stater(session: Session, encryptor: KeyEncryptor) -> Stater:
    return make_stater(session, encryptor)


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor) -> LogService:
    return log_service(session, encryptor)


def state(session: Session) -> LogState | None:
    return LogRepository(session).state()


def test_append_in_batches_gives_the_rfc_root(service: LogService, stater: Stater) -> None:
    entries, checkpoints = fill_log(service, stater, [1, 2, 31, 1, 64, 100])
    assert [e.index for e in entries] == list(range(199))
    expected = root_of([e.leaf_hash for e in entries])
    latest = checkpoints[-1]
    assert latest.checkpoint.size == 199 and latest.checkpoint.root_hash == expected
    opened = open_checkpoint(latest.note, service.log_keys.verifiers(), origin=ORIGIN)
    assert opened.checkpoint == latest.checkpoint
    assert LogRepository(service.session).entries(0, 199) == [e.entry for e in entries]


def test_many_appends_in_one_caller_transaction(service: LogService, stater: Stater) -> None:
    first = service.append([stater.state() for _ in range(3)])
    second = service.append([stater.state().entry for _ in range(4)])  # raw bytes work too
    signed = service.issue_checkpoint()
    assert [e.index for e in first + second] == list(range(7))
    assert signed.checkpoint.size == 7
    assert service.issue_checkpoint().note == signed.note  # unchanged tree: same checkpoint


def test_empty_log_checkpoint_and_empty_batch(service: LogService) -> None:
    assert service.append([]) == []
    signed = service.issue_checkpoint()
    assert (signed.checkpoint.size, signed.checkpoint.root_hash) == (0, EMPTY_ROOT)


def _assert_nothing_appended(session: Session, size: int) -> None:
    current = state(session)
    assert (current.size if current else 0) == size


def test_forged_signature_is_refused_and_nothing_appended(
    service: LogService, stater: Stater, session: Session
) -> None:
    service.append([stater.state()])
    data = json.loads(stater.state().entry)
    data["statement"]["body"] = {"forged": True}
    forged = canonical_json.canonicalize(data)
    with pytest.raises(StatementSignatureError) as exc:
        service.append([stater.state(), forged])
    assert exc.value.field == "statements[1].signature"
    _assert_nothing_appended(session, 1)


def test_malformed_entry_is_refused_with_its_position(
    service: LogService, stater: Stater, session: Session
) -> None:
    with pytest.raises(MalformedStatementError) as exc:
        service.append([stater.state(), stater.state(), b'{"statement": 1}'])
    assert exc.value.field == "statements[2].entry"
    _assert_nothing_appended(session, 0)


def test_retired_key_unknown_party_and_inactive_party_are_refused(
    service: LogService, stater: Stater, session: Session, encryptor: KeyEncryptor
) -> None:
    old = stater.state()
    KeyService(session, encryptor).rotate(KeyOwnerKind.PARTY, stater.party.id)
    with pytest.raises(StatementKeyError, match="retired") as retired:
        service.append([old])
    assert retired.value.field == "statements[0].statement.key"

    other = make_stater(session, encryptor)
    foreign = Stater(other.party, stater.signer)  # signs with a key the party does not own
    with pytest.raises(StatementKeyError, match="has no key"):
        service.append([foreign.state()])

    session.execute(update(Party).where(Party.id == other.party.id).values(active=False))
    fresh = KeyService(session, encryptor).signer(KeyOwnerKind.PARTY, other.party.id)
    with pytest.raises(StatementKeyError, match="unknown or inactive") as inactive:
        service.append([Stater(other.party, fresh).state()])
    assert inactive.value.field == "statements[0].statement.party"
    _assert_nothing_appended(session, 0)


def test_only_statements_signed_here_skip_the_signature_check(
    service: LogService, stater: Stater, session: Session
) -> None:
    here = stater.state()
    assert here.signed_here
    forged_signature = bytes(64)
    forged = SignedStatement(here.statement, forged_signature, here.entry.replace(
        base64.b64encode(here.signature), base64.b64encode(forged_signature)
    ), here.signed_bytes)  # fmt: skip
    with pytest.raises(StatementSignatureError) as exc:
        service.append([stater.state(), forged])
    assert exc.value.field == "statements[1].signature"
    _assert_nothing_appended(session, 0)
    entries = service.append([here, stater.state().entry])
    stored = LogRepository(session).entries(0, 2)
    for entry in entries:  # the log holds exactly what a verifier with the public key accepts
        verify_statement(decode_statement(stored[entry.index]), stater.signer.public_key)


def test_log_refuses_to_sign_when_stored_hashes_are_tampered(
    service: LogService, stater: Stater, session: Session
) -> None:
    fill_log(service, stater, [40])
    # The subtree of leaves 0..31 is on every later root's path; O(log n) checks see it.
    key, offset = node_slot(5, 0)
    block = session.get(LogNodeBlock, key)
    assert block is not None
    block.hashes = block.hashes[:offset] + bytes(32) + block.hashes[offset + 32 :]
    session.flush()
    service.append([stater.state()])
    with pytest.raises(LogIntegrityError, match="another root"):
        service.issue_checkpoint()
    assert LogRepository(session).latest_checkpoint().size == 40  # type: ignore[union-attr]


def test_log_refuses_a_checkpoint_inconsistent_with_the_previous_one(
    service: LogService, stater: Stater, session: Session
) -> None:
    fill_log(service, stater, [10])
    # Make the last signed checkpoint disagree with the tree (as if the log had been rewritten).
    forged_root = bytes(32)
    row = session.get(LogCheckpoint, 10)
    assert row is not None
    row.root_hash = forged_root
    session.flush()
    service.append([stater.state()])
    with pytest.raises(LogIntegrityError, match="disagrees with its signed note"):
        service.issue_checkpoint()


def test_origin_of_the_database_must_match_the_settings(
    service: LogService, stater: Stater, session: Session, encryptor: KeyEncryptor
) -> None:
    service.append([stater.state()])
    other = LogService(session, encryptor, "other.example/log")
    with pytest.raises(LogIntegrityError, match="holds the log"):
        other.append([stater.state()])


def test_leaf_index_is_secondary_and_lookups_cover_the_tail(
    service: LogService, stater: Stater, session: Session
) -> None:
    entries, _ = fill_log(service, stater, [50, 30])
    reader = LogReader(session)
    assert reader.find_leaf(entries[60].leaf_hash) == 60  # not indexed yet: tail scan
    assert service.index_leaves(limit=40) == 40
    assert service.index_leaves() == 40
    assert service.index_leaves() == 0
    assert reader.find_leaf(entries[7].leaf_hash) == 7
    assert reader.find_leaf(entries[79].leaf_hash) == 79
    assert state(session).indexed_size == 80  # type: ignore[union-attr]
