"""The log side of C2SP tlog-witness: push each new checkpoint to the configured witnesses.

Witnesses come from a tlog-policy file (``LIVETRACE_WITNESS_POLICY``): every ``witness`` line
with a URL is a witness the log pushes to (the URL is its submission prefix). For each witness the
log sends ``add-checkpoint`` with a consistency proof from the size that witness last cosigned,
retries once from the size a 409 reports, checks the returned cosignature against the witness's
key, and stores the line. Push only committed checkpoints: a witness that cosigned a checkpoint
the log then rolled back would hold the log to a tree it no longer has.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx
from sqlalchemy.orm import Session

from livetrace.kit.errors import LivetraceError
from livetrace.ledger.cosignature import CosignatureVerifier, decode
from livetrace.ledger.errors import (
    CheckpointNotFoundError,
    WitnessBadRequestError,
    WitnessInconsistentProofError,
    WitnessRootMismatchError,
    WitnessStaleOldSizeError,
    WitnessUnavailableError,
    WitnessUnknownOriginError,
    WitnessUntrustedCheckpointError,
)
from livetrace.ledger.merkle import consistency_proof
from livetrace.ledger.note import parse_note, verify_note
from livetrace.ledger.policy import Policy
from livetrace.ledger.repository import LogRepository
from livetrace.ledger.witness import SIZE_CONTENT_TYPE, format_add_checkpoint

logger = logging.getLogger(__name__)


class WitnessClient(Protocol):
    """Sends one ``add-checkpoint`` request; returns the cosignature lines or raises the spec's error."""

    def add_checkpoint(self, body: str) -> str:
        """POST the body; the 200 response body, or a typed witness error."""
        ...


class HttpWitnessClient:
    """``WitnessClient`` over HTTP with httpx."""

    def __init__(
        self, url: str, *, http: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url.rstrip("/") + "/add-checkpoint"
        self._http = http or httpx.Client(timeout=timeout)

    def add_checkpoint(self, body: str) -> str:
        """POST ``add-checkpoint`` and translate the status codes into witness errors."""
        try:
            response = self._http.post(self.url, content=body.encode("utf-8"))
        except httpx.HTTPError as exc:
            raise WitnessUnavailableError(f"{self.url}: {exc}", field="url") from exc
        if response.status_code == 200:
            return response.text
        raise _error_for(response)


def _error_for(response: httpx.Response) -> LivetraceError:
    text = response.text.strip()[:500]
    status = response.status_code
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if status == 409 and content_type == SIZE_CONTENT_TYPE:
        try:
            latest = int(text)
        except ValueError:
            return WitnessUnavailableError(f"409 with a malformed size body {text!r}")
        return WitnessStaleOldSizeError(f"witness is at size {latest}", latest_size=latest)
    errors: dict[int, type[LivetraceError]] = {
        400: WitnessBadRequestError,
        403: WitnessUntrustedCheckpointError,
        404: WitnessUnknownOriginError,
        409: WitnessRootMismatchError,
        422: WitnessInconsistentProofError,
    }
    return errors.get(status, WitnessUnavailableError)(f"witness answered {status}: {text}")


@dataclass(frozen=True, slots=True)
class WitnessTarget:
    """A witness the log pushes to: its policy name, cosignature key and client."""

    name: str
    verifier: CosignatureVerifier
    client: WitnessClient


def targets_from_policy(policy: Policy, http: httpx.Client | None = None) -> list[WitnessTarget]:
    """Every policy witness that has a URL, with an HTTP client."""
    verifiers = policy.witness_verifiers()
    return [
        WitnessTarget(name, verifiers[name], HttpWitnessClient(witness.url, http=http))
        for name, witness in policy.witnesses.items()
        if witness.url
    ]


@dataclass(frozen=True, slots=True)
class PushResult:
    """What one witness did with the checkpoint."""

    witness: str
    size: int
    ok: bool
    detail: str


class CosigningService:
    """Collects cosignatures on the latest checkpoint. Stores them; never commits."""

    def __init__(self, session: Session, targets: Sequence[WitnessTarget]) -> None:
        self.repo = LogRepository(session)
        self.targets = list(targets)
        if not self.targets:
            logger.warning("no witnesses configured: checkpoints stay uncosigned")

    def push_latest(self) -> list[PushResult]:
        """Push the latest checkpoint to every witness; one failing witness does not stop the rest."""
        row = self.repo.latest_checkpoint()
        if row is None:
            raise CheckpointNotFoundError("the log has not issued a checkpoint yet")
        results = []
        for target in self.targets:
            try:
                detail = self._push(target, row.size, row.note)
            except LivetraceError as exc:
                logger.warning("witness %s refused size %d: %s", target.name, row.size, exc)
                results.append(
                    PushResult(target.name, row.size, ok=False, detail=exc.diagnostics())
                )
            else:
                results.append(PushResult(target.name, row.size, ok=True, detail=detail))
        return results

    def _push(self, target: WitnessTarget, size: int, note: str) -> str:
        old = self.repo.last_cosigned_size(target.name) or 0
        try:
            response = target.client.add_checkpoint(self._body(old, size, note))
        except WitnessStaleOldSizeError as exc:
            if not 0 <= exc.latest_size <= size or exc.latest_size == old:
                raise
            response = target.client.add_checkpoint(self._body(exc.latest_size, size, note))
        self._store(target, size, note, response)
        return "cosigned"

    def _body(self, old: int, size: int, note: str) -> str:
        proof = consistency_proof(old, size, self.repo.hash_reader()) if 0 < old < size else []
        return format_add_checkpoint(old, proof, note)

    def _store(self, target: WitnessTarget, size: int, note: str, response: str) -> None:
        signed = parse_note(note + response)
        mine = [
            s
            for s in signed.signatures
            if (s.name, s.key_id) == (target.verifier.name, target.verifier.key_id)
        ]
        if not mine:
            raise WitnessUnavailableError(
                f"witness {target.name} answered without a cosignature by its key", field="response"
            )
        verify_note(signed, [target.verifier])
        cosignature = decode(mine[0])
        self.repo.put_cosignature(size, target.name, cosignature.timestamp, mine[0].line())
