"""The NFC tag registry: sealed keys, registration, tap verification and the rising counter."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.codes import Catalog, code_service, issue_run, make_catalog, tap_params
from livetrace.codes import sun
from livetrace.codes.errors import (
    DuplicateNfcTagError,
    MalformedSunError,
    NfcKeySetNotFoundError,
    SunCounterRollbackError,
    SunMacError,
    SunReplayError,
    UnknownNfcTagError,
    UnsupportedSunModeError,
)
from livetrace.codes.models import ItemCode, NfcKeySet, NfcTag
from livetrace.codes.nfc import NfcService, TagKeys, normalize_uid
from livetrace.codes.repository import CodeRepository
from livetrace.crypto.errors import KeyDecryptionError
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.kit.clock import utcnow

UID = "04DE5F1EACC040"


@pytest.fixture
def catalog(session: Session, encryptor: KeyEncryptor) -> Catalog:
    return make_catalog(session, encryptor)


@pytest.fixture
def nfc(session: Session, encryptor: KeyEncryptor) -> NfcService:
    return NfcService(session, encryptor, code_service(session))


@pytest.fixture
def code(session: Session, catalog: Catalog) -> ItemCode:
    run = issue_run(session, catalog, count=2)
    return session.scalars(select(ItemCode).where(ItemCode.run_id == run.id)).first()  # type: ignore[return-value]


@pytest.fixture
def keys(nfc: NfcService, catalog: Catalog, code: ItemCode) -> TagKeys:
    nfc.create_key_set(SYSTEM, catalog.brand.id)
    nfc.register_tag(SYSTEM, UID, code.id)
    return nfc.tag_keys(SYSTEM, UID)


def tap(keys: TagKeys, counter: int) -> dict[str, str]:
    return tap_params(bytes.fromhex(keys.uid), counter, keys.meta_read_key, keys.file_read_key)


def test_key_sets_are_sealed_and_versioned(
    session: Session, nfc: NfcService, catalog: Catalog, keys: TagKeys
) -> None:
    second = nfc.create_key_set(SYSTEM, catalog.brand.id)
    assert second.version == 2
    first = session.scalars(select(NfcKeySet).where(NfcKeySet.version == 1)).one()
    assert keys.meta_read_key not in first.sealed_meta_read_key
    assert keys.file_read_key == sun.diversify_key(
        KeyEncryptor.from_secret("test-secret-that-is-long-enough-for-the-settings-check").decrypt(
            first.sealed_master_key, bind_to=f"nfc-key-set/{first.id}/master"
        ),
        bytes.fromhex(UID),
    )
    with pytest.raises(KeyDecryptionError):
        KeyEncryptor.from_secret("x" * 40).decrypt(
            first.sealed_master_key, bind_to=f"nfc-key-set/{first.id}/master"
        )


def test_per_tag_keys_differ(
    nfc: NfcService, catalog: Catalog, keys: TagKeys, session: Session
) -> None:
    run = issue_run(session, catalog, count=1)
    other_code = session.scalars(select(ItemCode).where(ItemCode.run_id == run.id)).one()
    nfc.register_tag(SYSTEM, "04AABBCCDDEEFF", other_code.id)
    other = nfc.tag_keys(SYSTEM, "04aabbccddeeff")
    assert other.meta_read_key == keys.meta_read_key and other.file_read_key != keys.file_read_key


def test_a_genuine_tap_passes_and_raises_the_counter(
    nfc: NfcService, keys: TagKeys, code: ItemCode
) -> None:
    result = nfc.verify_tap(**tap(keys, 7))
    assert result.code.id == code.id and result.counter == 7
    assert result.tag.last_counter == 7 and result.tag.tap_count == 1
    assert nfc.verify_tap(**tap(keys, 8)).tag.tap_count == 2


def test_a_replayed_tap_fails(nfc: NfcService, keys: TagKeys) -> None:
    params = tap(keys, 5)
    nfc.verify_tap(**params)
    with pytest.raises(SunReplayError) as caught:
        nfc.verify_tap(**params)
    assert caught.value.details["last_counter"] == 5


def test_a_stale_copy_fails(nfc: NfcService, keys: TagKeys) -> None:
    stale = tap(keys, 3)
    nfc.verify_tap(**tap(keys, 9))
    with pytest.raises(SunCounterRollbackError):
        nfc.verify_tap(**stale)


def test_a_forged_mac_fails_without_touching_the_counter(
    nfc: NfcService, keys: TagKeys, session: Session
) -> None:
    params = tap(keys, 4)
    bad = params | {"cmac": ("0" if params["cmac"][0] != "0" else "1") + params["cmac"][1:]}
    with pytest.raises(SunMacError):
        nfc.verify_tap(**bad)
    assert nfc.get_tag(SYSTEM, UID).last_counter is None
    assert nfc.verify_tap(**params).counter == 4


def test_cloned_tag_with_guessed_keys_is_unknown(nfc: NfcService, keys: TagKeys) -> None:
    fake = tap_params(bytes.fromhex(UID), 10, bytes(16), bytes(16))
    with pytest.raises(UnknownNfcTagError):
        nfc.verify_tap(**fake)


def test_malformed_taps_get_precise_errors(nfc: NfcService, keys: TagKeys) -> None:
    with pytest.raises(MalformedSunError):
        nfc.verify_tap(picc_data="XYZ", cmac="00" * 8)
    with pytest.raises(UnsupportedSunModeError):
        nfc.verify_tap(picc_data="00" * 24, cmac="00" * 8)
    with pytest.raises(MalformedSunError):
        nfc.verify_tap(**(tap(keys, 1) | {"cmac": "00"}))


def test_the_counter_update_is_conditional(session: Session, keys: TagKeys) -> None:
    repo = CodeRepository(session)
    tag = session.scalars(select(NfcTag).where(NfcTag.uid == UID)).one()
    assert repo.advance_counter(tag.id, 10, utcnow())
    # A second tap with the same counter, e.g. from another worker that read the row before the
    # first committed, matches no row: the condition is evaluated by the database.
    assert not repo.advance_counter(tag.id, 10, utcnow())
    assert not repo.advance_counter(tag.id, 9, utcnow())
    assert repo.advance_counter(tag.id, 11, utcnow())
    assert repo.last_counter(tag.id) == 11


def test_registration_rules(
    nfc: NfcService, catalog: Catalog, code: ItemCode, session: Session
) -> None:
    with pytest.raises(NfcKeySetNotFoundError):
        nfc.register_tag(SYSTEM, UID, code.id)
    nfc.create_key_set(SYSTEM, catalog.brand.id)
    with pytest.raises(MalformedSunError, match="14 hex digits"):
        nfc.register_tag(SYSTEM, "04DE5F", code.id)
    tag = nfc.register_tag(SYSTEM, "04:de:5f:1e:ac:c0:40", code.id)
    assert tag.uid == UID
    with pytest.raises(DuplicateNfcTagError, match="already registered"):
        nfc.register_tag(SYSTEM, UID, code.id)
    with pytest.raises(DuplicateNfcTagError, match="already has a tag"):
        nfc.register_tag(SYSTEM, "04000000000001", code.id)


def test_register_by_digital_link(
    nfc: NfcService, catalog: Catalog, code: ItemCode, session: Session
) -> None:
    nfc.create_key_set(SYSTEM, catalog.brand.id)
    link = code_service(session).link(code)
    assert nfc.register_tag_for_link(SYSTEM, UID, link).code_id == code.id


def test_uid_normalisation() -> None:
    assert normalize_uid(" 04de5f1eacc040 ") == UID
