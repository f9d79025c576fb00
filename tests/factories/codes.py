"""Builders for code runs, keyrings and NFC taps."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from factories.catalog import make_lot, make_product
from factories.identity import make_party
from livetrace.catalog.models import Lot, Product
from livetrace.codes import sun
from livetrace.codes.authenticator import CodeKeyring
from livetrace.codes.models import CodeRun
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.service import CodeService
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.models import Party
from livetrace.identity.policy import SYSTEM

BASE_URL = "https://id.example.cn"
KEYRING_SECRET = "test-secret-that-is-long-enough-for-the-settings-check"


def make_keyring(**options: Any) -> CodeKeyring:
    """The keyring a deployment with the test secret would use."""
    return CodeKeyring.from_secret(KEYRING_SECRET, **options)


def code_service(session: Session, keyring: CodeKeyring | None = None) -> CodeService:
    """A code service on the test session."""
    return CodeService(session, keyring or make_keyring(), base_url=BASE_URL)


@dataclass
class Catalog:
    """A brand with one product and one lot."""

    brand: Party
    product: Product
    lot: Lot


def make_catalog(session: Session, encryptor: KeyEncryptor, **lot_fields: Any) -> Catalog:
    """A brand (with a 7-digit company prefix), a rice product and a lot."""
    brand = make_party(session, encryptor)
    product = make_product(session, brand)
    return Catalog(brand, product, make_lot(session, product, **lot_fields))


def issue_run(session: Session, catalog: Catalog, **fields: Any) -> CodeRun:
    """Issue a run through the service (defaults: 5 QR codes)."""
    data = {"product": catalog.product.gtin, "lot": catalog.lot.lot_number} | fields
    if "serials" not in fields:
        data.setdefault("count", 5)
    return code_service(session).issue(SYSTEM, IssueRequest.model_validate(data))


def tap_params(
    uid: bytes, counter: int, meta_read_key: bytes, file_read_key: bytes
) -> dict[str, str]:
    """The `picc_data` and `cmac` a genuine NTAG 424 DNA would mirror for this read."""
    picc = sun.encrypt_picc_data(uid, counter, meta_read_key, os.urandom(5))
    mac = sun.sdm_mac(sun.session_mac_key(file_read_key, uid, counter), b"")
    return {"picc_data": picc.hex().upper(), "cmac": mac.hex().upper()}
