"""Transactions that will write take SQLite's write lock up front and wait their turn."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from livetrace.store.engine import make_engine, make_sessionmaker
from livetrace.store.uow import begin_for_write, unit_of_work, write_transaction


@pytest.fixture
def file_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'intent.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE tally (n INTEGER NOT NULL)")
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM tally")).scalar_one())


def test_a_reader_cannot_become_a_writer_after_another_writer_committed(
    file_engine: Engine,
) -> None:
    sessions = make_sessionmaker(file_engine)
    reader = sessions()
    reader.execute(text("SELECT count(*) FROM tally"))  # deferred: a read snapshot only
    with unit_of_work(sessions) as other:
        other.execute(text("INSERT INTO tally VALUES (1)"))
    with pytest.raises(OperationalError, match="locked"):
        reader.execute(text("INSERT INTO tally VALUES (2)"))
    reader.rollback()
    reader.close()
    assert _count(file_engine) == 1


def test_a_declared_writer_makes_the_next_one_wait_instead_of_fail(file_engine: Engine) -> None:
    sessions = make_sessionmaker(file_engine)
    first = sessions()
    begin_for_write(first)
    first.execute(text("SELECT count(*) FROM tally"))
    started, failures = threading.Event(), []

    def second_writer() -> None:
        try:
            started.set()
            with unit_of_work(sessions) as second:  # BEGIN IMMEDIATE waits for `first`
                seen = second.execute(text("SELECT count(*) FROM tally")).scalar_one()
                second.execute(text("INSERT INTO tally VALUES (:n)"), {"n": seen + 1})
        except OperationalError as error:  # pragma: no cover - the failure this test guards
            failures.append(error)

    thread = threading.Thread(target=second_writer)
    thread.start()
    started.wait(5)
    thread.join(0.3)
    assert thread.is_alive()  # queued on the busy timeout behind `first`, not failed
    first.execute(text("INSERT INTO tally VALUES (1)"))
    first.commit()
    first.close()
    thread.join(15)
    assert not failures
    with file_engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT n FROM tally ORDER BY n"))] == [1, 2]


def test_write_intent_is_a_no_op_inside_a_begun_transaction(file_engine: Engine) -> None:
    session = make_sessionmaker(file_engine)()
    session.execute(text("SELECT 1"))
    begin_for_write(session)  # already begun: nothing changes, nothing fails
    session.execute(text("INSERT INTO tally VALUES (7)"))
    session.commit()
    session.close()
    assert _count(file_engine) == 1


def test_write_transactions_commit_roll_back_and_queue_in_the_process(
    file_engine: Engine,
) -> None:
    sessions = make_sessionmaker(file_engine)
    session = sessions()
    with write_transaction(session):
        session.execute(text("INSERT INTO tally VALUES (1)"))
    with pytest.raises(RuntimeError), write_transaction(session):
        session.execute(text("INSERT INTO tally VALUES (2)"))
        raise RuntimeError("the block failed")
    session.close()
    assert _count(file_engine) == 1  # the failed block wrote nothing

    # A second writer of this process waits on the process's lock, before it asks SQLite.
    seen: list[tuple[str, str]] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append((threading.current_thread().name, statement))

    first = sessions()
    event.listen(file_engine, "before_cursor_execute", record)
    try:
        with write_transaction(first):
            first.execute(text("INSERT INTO tally VALUES (3)"))

            def second_writer() -> None:
                own = sessions()
                with write_transaction(own):
                    own.execute(text("INSERT INTO tally VALUES (4)"))
                own.close()

            second = threading.Thread(target=second_writer, name="second-writer")
            second.start()
            second.join(timeout=0.3)
            assert second.is_alive()  # waiting for the first to commit
            assert not [s for name, s in seen if name == "second-writer"]  # not even a BEGIN
        second.join(timeout=30)
    finally:
        event.remove(file_engine, "before_cursor_execute", record)
        first.close()
    assert not second.is_alive()
    assert ("second-writer", "BEGIN IMMEDIATE") in seen
    assert _count(file_engine) == 3
