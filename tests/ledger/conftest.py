"""Fixtures for the ledger tests: golden vectors under tests/assets/ledger and fixed test keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from livetrace.ledger import ed25519
from livetrace.ledger.cosignature import CosignatureSigner
from livetrace.ledger.note import Ed25519Signer

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "ledger"


@pytest.fixture(scope="session")
def assets() -> Path:
    """The ledger golden-vector folder."""
    return ASSETS


@pytest.fixture(scope="session")
def load_json() -> Callable[[str], Any]:
    """Load a JSON asset by its path relative to the ledger assets folder."""

    def load(name: str) -> Any:
        return json.loads((ASSETS / name).read_text(encoding="utf-8"))

    return load


def _private(byte: int) -> ed25519.PrivateKey:
    return ed25519.PrivateKey(bytes([byte]) * 32)


@pytest.fixture(scope="session")
def log_signer() -> Ed25519Signer:
    """A fixed log key named like its origin, as the checkpoint spec recommends."""
    return Ed25519Signer("example.com/log", _private(1))


@pytest.fixture(scope="session")
def witness_signers() -> list[CosignatureSigner]:
    """Three fixed witness keys."""
    return [CosignatureSigner(f"witness{i}.example", _private(10 + i)) for i in range(3)]
