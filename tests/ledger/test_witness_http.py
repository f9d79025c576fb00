"""Witnesses over real HTTP on loopback: cosigning, quorum, split views, restarts, status codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from factories.ledger import ORIGIN, Stater, WitnessServer, fill_log, log_service, make_stater
from livetrace.crypto.keys import KeyEncryptor
from livetrace.ledger import ed25519
from livetrace.ledger.checkpoint import Checkpoint, sign_checkpoint
from livetrace.ledger.errors import (
    WitnessBadRequestError,
    WitnessInconsistentProofError,
    WitnessRootMismatchError,
    WitnessStaleOldSizeError,
    WitnessUnknownOriginError,
    WitnessUntrustedCheckpointError,
)
from livetrace.ledger.merkle import InMemoryHashStore, consistency_proof, leaf_hash
from livetrace.ledger.note import Ed25519Signer
from livetrace.ledger.policy import Policy, parse_policy, verify_checkpoint
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogService
from livetrace.ledger.verifier import DatabaseVerifier, verify_bundle
from livetrace.ledger.witness import format_add_checkpoint
from livetrace.ledger.witness_client import CosigningService, HttpWitnessClient, targets_from_policy

NAMES = ("brand", "carrier", "regulator")


@pytest.fixture
def stater(session: Session, encryptor: KeyEncryptor) -> Stater:
    return make_stater(session, encryptor)


@pytest.fixture
def service(session: Session, encryptor: KeyEncryptor) -> LogService:
    service = log_service(session, encryptor)
    service.log_keys.ensure()
    return service


@pytest.fixture
def witnesses(service: LogService, tmp_path: Path) -> Iterator[list[WitnessServer]]:
    known = {ORIGIN: list(service.log_keys.verifiers())}
    servers = [
        WitnessServer(f"{n}.witness.example", tmp_path / f"{n}.sqlite3", known) for n in NAMES
    ]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.close()


def policy_for(service: LogService, servers: list[WitnessServer], quorum: str = "q") -> Policy:
    lines = [f"log {service.log_keys.verifiers()[0].vkey()}"]
    lines += [f"witness {n} {s.vkey()} {s.url}" for n, s in zip(NAMES, servers, strict=True)]
    lines += [f"group q 2 {' '.join(NAMES)}", f"quorum {quorum}"]
    return parse_policy("\n".join(lines) + "\n")


def push(session: Session, policy: Policy) -> dict[str, bool]:
    with httpx.Client(timeout=10) as http:
        results = CosigningService(session, targets_from_policy(policy, http)).push_latest()
    return {r.witness: r.ok for r in results}


def test_checkpoints_are_cosigned_and_meet_the_quorum(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    policy = policy_for(service, witnesses)
    for batch in ([3], [20], [1]):
        fill_log(service, stater, batch)
        session.commit()
        assert push(session, policy) == dict.fromkeys(NAMES, True)
    latest = LogReader(session, policy).latest_checkpoint()
    assert latest.checkpoint.size == 24 and len(latest.cosignatures) == 3
    accepted = verify_checkpoint(latest.cosigned_note, policy)
    assert accepted.cosigners == set(NAMES)
    bundle = LogReader(session, policy).proof_bundle(5)
    assert verify_bundle(bundle, policy, [stater.signer.public_key]).proof.index == 5
    report = DatabaseVerifier(
        session, ORIGIN, log_verifiers=service.log_keys.verifiers(), policy=policy
    ).run()
    assert report.ok and report.cosignatures == 9


def test_one_witness_down_does_not_stop_the_others(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    policy = policy_for(service, witnesses)
    witnesses[1].stop()
    fill_log(service, stater, [4])
    session.commit()
    assert push(session, policy) == {"brand": True, "carrier": False, "regulator": True}
    assert verify_checkpoint(LogReader(session, policy).latest_checkpoint().cosigned_note, policy)


def _post(server: WitnessServer, old: int, proof: list[bytes], note: str) -> str:
    with httpx.Client(timeout=10) as http:
        return HttpWitnessClient(server.url, http=http).add_checkpoint(
            format_add_checkpoint(old, proof, note)
        )


def test_split_view_is_refused_by_every_witness(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    policy = policy_for(service, witnesses)
    fill_log(service, stater, [8])
    session.commit()
    assert all(push(session, policy).values())
    # The log (or whoever holds its key) signs a second tree of the same size...
    fork = InMemoryHashStore.from_leaf_hashes(leaf_hash(b"fork %d" % i) for i in range(12))
    signer = service.log_keys.signer()
    same_size = sign_checkpoint(Checkpoint(ORIGIN, 8, fork.read_hashes([(3, 0)])[0]), [signer])
    bigger = sign_checkpoint(Checkpoint(ORIGIN, 12, fork.root()), [signer])
    for server in witnesses:
        with pytest.raises(WitnessRootMismatchError):
            _post(server, 8, [], same_size)
        # ...or a bigger tree that does not extend the one the witness cosigned.
        with pytest.raises(WitnessInconsistentProofError):
            _post(server, 8, consistency_proof(8, 12, fork), bigger)
    # Nothing moved: the honest next checkpoint still cosigns from size 8.
    fill_log(service, stater, [2])
    session.commit()
    assert all(push(session, policy).values())


def test_witness_state_survives_a_restart(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    policy = policy_for(service, witnesses)
    fill_log(service, stater, [6])
    session.commit()
    assert all(push(session, policy).values())
    restarted = witnesses[0]
    restarted.stop()
    restarted.start()
    note = LogReader(session).latest_checkpoint().note
    with pytest.raises(WitnessStaleOldSizeError) as stale:
        _post(restarted, 0, [], note)
    assert stale.value.latest_size == 6
    policy = policy_for(service, witnesses)  # the restarted witness listens on a new port
    fill_log(service, stater, [5])
    session.commit()
    assert all(push(session, policy).values())


def test_log_catches_up_from_the_size_a_witness_reports(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    fill_log(service, stater, [5])
    session.commit()
    note = LogReader(session).latest_checkpoint().note
    _post(witnesses[0], 0, [], note)  # cosigned, but the log never stored it
    fill_log(service, stater, [3])
    session.commit()
    assert push(session, policy_for(service, witnesses))["brand"] is True


def test_status_codes_of_the_spec(
    service: LogService, stater: Stater, witnesses: list[WitnessServer], session: Session
) -> None:
    server = witnesses[0]
    fill_log(service, stater, [4])
    session.commit()
    note = LogReader(session).latest_checkpoint().note
    stranger = Ed25519Signer(ORIGIN, ed25519.PrivateKey(bytes([5]) * 32))
    untrusted = sign_checkpoint(Checkpoint(ORIGIN, 4, bytes(32)), [stranger])
    unknown = sign_checkpoint(
        Checkpoint("elsewhere.example/log", 1, bytes(32)),
        [Ed25519Signer("elsewhere.example/log", ed25519.PrivateKey(bytes([6]) * 32))],
    )
    with pytest.raises(WitnessUnknownOriginError):
        _post(server, 0, [], unknown)
    with pytest.raises(WitnessUntrustedCheckpointError):
        _post(server, 0, [], untrusted)
    with pytest.raises(WitnessBadRequestError, match="400"):
        _post(server, 5, [], note)
    with httpx.Client(timeout=10) as http:
        garbage = http.post(f"{server.url}/add-checkpoint", content=b"old x\n\nnot a note")
        assert garbage.status_code == 400
        assert _post(server, 0, [], note).startswith("\u2014 brand.witness.example ")
        stale = http.post(
            f"{server.url}/add-checkpoint", content=format_add_checkpoint(0, [], note).encode()
        )
        assert (stale.status_code, stale.text) == (409, "4\n")
        assert stale.headers["content-type"] == "text/x.tlog.size"
