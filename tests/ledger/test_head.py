"""The log head: one read that changes with every append, checkpoint and cosignature."""

from __future__ import annotations

from sqlalchemy.orm import Session

from factories.ledger import fill_log, log_service, make_stater
from livetrace.crypto.keys import KeyEncryptor
from livetrace.ledger.repository import LogRepository


def test_an_empty_log_has_an_empty_head(session: Session) -> None:
    head = LogRepository(session).head()
    assert (head.size, head.checkpoint_size, head.cosignatures) == (0, 0, 0)


def test_the_head_changes_with_entries_checkpoints_and_cosignatures(
    session: Session, encryptor: KeyEncryptor
) -> None:
    service = log_service(session, encryptor)
    repo = LogRepository(session)
    _, checkpoints = fill_log(service, make_stater(session, encryptor), [3])
    first = repo.head()
    assert (first.size, first.checkpoint_size) == (3, checkpoints[0].checkpoint.size)
    service.append([make_stater(session, encryptor).state()])
    appended = repo.head()
    assert appended.size == 4 and appended.root_hash != first.root_hash
    assert appended.checkpoint_size == first.checkpoint_size
    service.issue_checkpoint()
    checkpointed = repo.head()
    assert checkpointed.checkpoint_size == 4 and checkpointed != appended
    repo.put_cosignature(4, "witness.example", 1_700_000_000, "— witness.example AAAA")
    session.flush()
    cosigned = repo.head()
    assert cosigned.cosignatures == checkpointed.cosignatures + 1 and cosigned != checkpointed
    repo.put_cosignature(4, "witness.example", 1_700_000_100, "— witness.example BBBB")
    session.flush()
    assert repo.head() != cosigned  # a replaced cosignature counts as a change too
