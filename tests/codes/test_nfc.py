"""The NFC tag registry: sealed keys, registration, tap verification and the rising counter."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories.codes import Catalog, code_service, issue_run, make_catalog, tap_params
from factories.identity import make_member
from livetrace.codes import sun
from livetrace.codes.errors import (
    DuplicateNfcTagError,
    MalformedSunError,
    NfcKeySetAlreadyRetiredError,
    NfcKeySetNotFoundError,
    NfcKeySetRetiredError,
    SunCounterRollbackError,
    SunMacError,
    SunReplayError,
    UnknownNfcTagError,
    UnsupportedSunModeError,
)
from livetrace.codes.models import ItemCode, NfcKeySet, NfcTag
from livetrace.codes.nfc import RETIRED, NfcService, TagKeys, normalize_uid
from livetrace.codes.repository import CodeRepository
from livetrace.crypto.errors import KeyDecryptionError
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit.clock import utcnow
from livetrace.kit.errors import PermissionDeniedError

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


def _key_set_of(session: Session, uid: str) -> NfcKeySet:
    tag = session.scalars(select(NfcTag).where(NfcTag.uid == uid)).one()
    return session.get_one(NfcKeySet, tag.key_set_id)


def test_taps_under_a_retired_key_set_are_refused_precisely(
    nfc: NfcService, keys: TagKeys, session: Session
) -> None:
    assert nfc.verify_tap(**tap(keys, 1)).counter == 1
    key_set = _key_set_of(session, UID)
    retired = nfc.retire_key_set(SYSTEM, key_set.id)
    assert retired.status == RETIRED
    with pytest.raises(NfcKeySetRetiredError, match="version 1, which its brand retired") as caught:
        nfc.verify_tap(**tap(keys, 2))
    assert caught.value.details == {"uid": UID, "key_set_id": str(key_set.id)}
    assert nfc.get_tag(SYSTEM, UID).last_counter == 1  # the refused tap moved nothing
    # Made-up taps stay unknown: retirement reveals nothing about tags under other keys.
    with pytest.raises(UnknownNfcTagError):
        nfc.verify_tap(**tap_params(bytes.fromhex(UID), 3, bytes(16), bytes(16)))


def test_tags_under_other_key_sets_keep_working(
    nfc: NfcService, catalog: Catalog, keys: TagKeys, session: Session
) -> None:
    newer = nfc.create_key_set(SYSTEM, catalog.brand.id)
    run = issue_run(session, catalog, count=1)
    other_code = session.scalars(select(ItemCode).where(ItemCode.run_id == run.id)).one()
    nfc.register_tag(SYSTEM, "04AABBCCDDEEFF", other_code.id, newer.id)
    nfc.retire_key_set(SYSTEM, _key_set_of(session, UID).id)
    other = nfc.tag_keys(SYSTEM, "04AABBCCDDEEFF")
    assert nfc.verify_tap(**tap(other, 5)).tag.uid == "04AABBCCDDEEFF"
    with pytest.raises(NfcKeySetRetiredError):
        nfc.verify_tap(**tap(keys, 5))


def test_retiring_rules(
    nfc: NfcService, catalog: Catalog, keys: TagKeys, session: Session, encryptor: KeyEncryptor
) -> None:
    key_set = _key_set_of(session, UID)
    other = make_catalog(session, encryptor)
    member = make_member(session, encryptor, other.brand)
    outsider = IdentityService(session, encryptor).authenticate(member.token)
    with pytest.raises(NfcKeySetNotFoundError):
        nfc.retire_key_set(outsider, key_set.id)  # another brand does not even see it
    viewer = make_member(session, encryptor, catalog.brand, role="viewer", scopes=("read",))
    with pytest.raises(PermissionDeniedError):
        nfc.retire_key_set(
            IdentityService(session, encryptor).authenticate(viewer.token), key_set.id
        )
    nfc.retire_key_set(SYSTEM, key_set.id)
    with pytest.raises(NfcKeySetAlreadyRetiredError, match="already retired"):
        nfc.retire_key_set(SYSTEM, key_set.id)
    with pytest.raises(NfcKeySetNotFoundError, match="no such active NFC key set"):
        nfc.register_tag(SYSTEM, "04AABBCCDDEE00", _untagged_code_id(session))


def _untagged_code_id(session: Session) -> uuid.UUID:
    """A code of the catalog's run that has no tag yet."""
    tagged = session.scalars(select(NfcTag.code_id)).all()
    return session.scalars(select(ItemCode.id).where(ItemCode.id.not_in(tagged))).one()
