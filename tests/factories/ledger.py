"""Builders for signed statements and a populated log."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.orm import Session

from factories.identity import make_party
from livetrace.api.witness_app import WitnessConfig, create_witness_app
from livetrace.crypto.keys import KeyEncryptor, Signer
from livetrace.crypto.models import KeyOwnerKind
from livetrace.crypto.service import KeyService
from livetrace.identity.models import Party
from livetrace.ledger.note import Verifier
from livetrace.ledger.service import LogEntry, LogService, SignedCheckpoint
from livetrace.ledger.statements import SignedStatement, new_statement, sign_statement
from livetrace.ledger.witness_service import witness_signer
from livetrace.migrations import runner
from livetrace.store.engine import make_engine, make_sessionmaker
from livetrace.store.uow import unit_of_work

ORIGIN = "test.livetrace.example/log"
WITNESS_SECRET = "witness-test-secret-that-is-long-enough-for-settings"
_seq = itertools.count(1)


@dataclass
class Stater:
    """A party and its active signing key: something that makes statements."""

    party: Party
    signer: Signer

    def state(
        self, body: Any = None, *, kind: str = "test.fact", time: datetime | None = None
    ) -> SignedStatement:
        """A statement by this party, signed with its current key."""
        content = body if body is not None else {"n": next(_seq), "note": "稻花香2号 lot"}
        statement = new_statement(kind, self.party.id, self.signer.public_key, content, time=time)
        return sign_statement(statement, self.signer)


def make_stater(session: Session, encryptor: KeyEncryptor, **fields: Any) -> Stater:
    """A new party with a signing key, ready to make statements."""
    party = make_party(session, encryptor, **fields)
    signer = KeyService(session, encryptor).signer(KeyOwnerKind.PARTY, party.id)
    return Stater(party, signer)


def log_service(session: Session, encryptor: KeyEncryptor, origin: str = ORIGIN) -> LogService:
    """The log service for the test origin."""
    return LogService(session, encryptor, origin)


def fill_log(
    service: LogService, stater: Stater, batches: list[int]
) -> tuple[list[LogEntry], list[SignedCheckpoint]]:
    """Append batches of the given sizes, one checkpoint after each."""
    entries: list[LogEntry] = []
    checkpoints: list[SignedCheckpoint] = []
    for count in batches:
        appended, checkpoint = service.append_batch([stater.state() for _ in range(count)])
        entries.extend(appended)
        checkpoints.append(checkpoint)
    return entries, checkpoints


class WitnessServer:
    """A real witness (``livetrace witness serve`` minus the CLI) on 127.0.0.1, in a thread."""

    def __init__(self, name: str, db_path: Path, known_logs: dict[str, list[Verifier]]) -> None:
        self.name = name
        self.engine = make_engine(f"sqlite:///{db_path}")
        runner.upgrade(self.engine)
        self.config = WitnessConfig(
            name=name,
            sessions=make_sessionmaker(self.engine),
            encryptor=KeyEncryptor.from_secret(WITNESS_SECRET),
            known_logs=known_logs,
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> WitnessServer:
        """Serve on a free port; return once it accepts connections."""
        config = uvicorn.Config(
            create_witness_app(self.config),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="off",
            ws="none",
            http="h11",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"witness {self.name} did not start")
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        """Base URL (the submission prefix)."""
        assert self._server is not None
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        """Shut the server down (the state database stays)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def vkey(self) -> str:
        """The witness's cosignature vkey."""
        with unit_of_work(self.config.sessions) as session:
            return witness_signer(session, self.config.encryptor, self.name).verifier().vkey()

    def close(self) -> None:
        """Stop and release the database."""
        self.stop()
        self.engine.dispose()
