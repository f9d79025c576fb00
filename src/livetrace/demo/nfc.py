"""Simulated taps of the demo's NFC tag: the URL an NTAG 424 DNA would write, computed with its keys.

A real tag encrypts its UID and read counter under the SDM meta-read key and MACs them with a
session key derived from its own file-read key; the demo does the same with the keys the
registry holds, so the resolver verifies the tap exactly as it would a phone's.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from livetrace.codes import sun
from livetrace.codes.nfc import NfcService
from livetrace.codes.repository import CodeRepository
from livetrace.codes.service import CodeService, keyring_for
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import data
from livetrace.demo.errors import DemoError
from livetrace.identity.policy import SYSTEM


def tap_url(session: Session, settings: Settings, encryptor: KeyEncryptor, counter: int) -> str:
    """The demo tag's SUN URL for read counter `counter` (the item's link plus SUN parameters)."""
    codes = CodeService(session, keyring_for(settings), base_url=settings.base_url)
    keys = NfcService(session, encryptor, codes).tag_keys(SYSTEM, data.NFC_UID)
    uid = bytes.fromhex(keys.uid)
    picc = sun.encrypt_picc_data(uid, counter, keys.meta_read_key, data.NFC_PADDING)
    mac = sun.sdm_mac(sun.session_mac_key(keys.file_read_key, uid, counter), b"")
    tag = CodeRepository(session).tag_by_uid(keys.uid)
    if tag is None:
        raise DemoError("the demo NFC tag is not registered", field="uid")
    code = CodeRepository(session).code(tag.code_id)
    if code is None:
        raise DemoError("the demo NFC tag's item code is gone", field="uid")
    return f"{codes.link(code)}&picc_data={picc.hex().upper()}&cmac={mac.hex().upper()}"


def next_counter(session: Session) -> int:
    """The counter a fresh tap of the demo tag would carry: one above the last accepted."""
    tag = CodeRepository(session).tag_by_uid(data.NFC_UID)
    if tag is None:
        raise DemoError("the demo NFC tag is not registered", field="uid")
    return (tag.last_counter or 0) + 1
