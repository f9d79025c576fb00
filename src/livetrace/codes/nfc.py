"""The NFC tag registry: key sets, tags bound to item codes, and tap verification. Never commits.

Each brand holds key sets of two random AES-128 keys, sealed with the deployment secret like
signing keys: the SDM meta-read key (shared by the set's tags, since a tap's UID is unknown until
its PICC data is decrypted) and an AN10922 master key from which each tag's SDM file-read key is
diversified with the tag's UID. Only the master is stored; per-tag keys are derived on demand.

A tap does not say whose tag it is, so `verify_tap` tries the meta-read keys of the active key
sets in turn: a wrong key almost never yields the 0xC7 PICC tag byte, and if it does, the random
UID it yields is not registered under that key set. The MAC is then checked, and the counter is
accepted with one conditional UPDATE (`… WHERE last_counter IS NULL OR last_counter < :new`), so
of two concurrent taps with the same counter only one can pass; the other is told it replayed.
A tap declares its write before it reads (`store.uow.begin_for_write`: SQLite's write lock is
taken at BEGIN), so the loser waits for the winner's commit instead of failing on a stale
snapshot; a caller whose transaction had already read gets `NfcTapConflictError` instead.

A brand retires a key set when its keys may have leaked; taps of its tags are then refused with
`NfcKeySetRetiredError`. Retired sets are tried only after every active one, so genuine taps cost
no more.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from livetrace.codes import sun
from livetrace.codes.errors import (
    CodeNotFoundError,
    DuplicateNfcTagError,
    MalformedSunError,
    NfcKeySetAlreadyRetiredError,
    NfcKeySetNotFoundError,
    NfcKeySetRetiredError,
    NfcTagNotFoundError,
    SunDecryptionError,
    SunReplayError,
    UnknownNfcTagError,
)
from livetrace.codes.models import ItemCode, NfcKeySet, NfcTag
from livetrace.codes.repository import CodeRepository
from livetrace.codes.service import CodeService
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity import policy
from livetrace.identity.errors import PartyNotFoundError
from livetrace.identity.models import Party
from livetrace.identity.policy import Principal
from livetrace.kit.clock import utcnow
from livetrace.kit.ids import new_id
from livetrace.store.uow import begin_for_write

_UID = re.compile(r"[0-9A-Fa-f]{14}")
ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class TagKeys:
    """The keys an encoder writes onto one tag."""

    uid: str
    key_set_version: int
    meta_read_key: bytes
    file_read_key: bytes


@dataclass(frozen=True, slots=True)
class TapResult:
    """A genuine, fresh tap: the tag (counter updated) and its item code."""

    tag: NfcTag
    code: ItemCode
    counter: int
    file_data: bytes | None


def normalize_uid(uid: str) -> str:
    """A 7-byte UID as 14 upper-case hex digits, or a precise error."""
    text = uid.strip().replace(":", "")
    if not _UID.fullmatch(text):
        raise MalformedSunError(
            f"a tag UID is 7 bytes written as 14 hex digits, got {uid[:40]!r}", field="uid"
        )
    return text.upper()


def _bind(key_set_id: uuid.UUID, purpose: str) -> str:
    # Bound into the AES-GCM associated data: a sealed key cannot be moved to another row or role.
    return f"nfc-key-set/{key_set_id}/{purpose}"


class NfcService:
    """Registers NFC tags and verifies their taps."""

    def __init__(self, session: Session, encryptor: KeyEncryptor, codes: CodeService) -> None:
        self.session = session
        self.repo = CodeRepository(session)
        self.encryptor = encryptor
        self.codes = codes

    # -- key sets -----------------------------------------------------------------------------

    def create_key_set(self, principal: Principal, party_id: uuid.UUID) -> NfcKeySet:
        """A new key set for the party (version one above its newest)."""
        policy.require_admin(principal, party_id)
        if self.session.get(Party, party_id) is None:
            raise PartyNotFoundError(f"no party {party_id}", field="party_id")
        existing = self.repo.key_sets(party_id)
        key_set_id = new_id()
        row = NfcKeySet(
            id=key_set_id,
            party_id=party_id,
            version=(existing[0].version + 1) if existing else 1,
            sealed_master_key=self._seal(os.urandom(sun.KEY_SIZE), key_set_id, "master"),
            sealed_meta_read_key=self._seal(os.urandom(sun.KEY_SIZE), key_set_id, "meta-read"),
            status=ACTIVE,
        )
        self.repo.add(row)
        return row

    def list_key_sets(self, principal: Principal, party_id: uuid.UUID) -> list[NfcKeySet]:
        """The party's key sets, newest first."""
        policy.require_read(principal, party_id)
        return list(self.repo.key_sets(party_id))

    def retire_key_set(self, principal: Principal, key_set_id: uuid.UUID) -> NfcKeySet:
        """Retire a key set: taps of its tags are refused from now on (the party's `admin`)."""
        key_set = self.repo.key_set(key_set_id)
        if key_set is None or not policy.can_read(principal, key_set.party_id):
            raise NfcKeySetNotFoundError(f"no NFC key set {key_set_id}", field="key_set_id")
        policy.require_admin(principal, key_set.party_id)
        if key_set.status == RETIRED:
            raise NfcKeySetAlreadyRetiredError(
                f"NFC key set {key_set_id} (version {key_set.version}) is already retired, "
                f"since {key_set.updated_at.isoformat()}",
                field="key_set_id",
            )
        key_set.status = RETIRED
        key_set.updated_at = utcnow()
        self.session.flush()
        return key_set

    def _seal(self, key: bytes, key_set_id: uuid.UUID, purpose: str) -> bytes:
        return self.encryptor.encrypt(key, bind_to=_bind(key_set_id, purpose))

    def _keys(self, key_set: NfcKeySet) -> tuple[bytes, bytes]:
        """(master, meta-read) keys of a key set, unsealed."""
        master = self.encryptor.decrypt(
            key_set.sealed_master_key, bind_to=_bind(key_set.id, "master")
        )
        meta = self.encryptor.decrypt(
            key_set.sealed_meta_read_key, bind_to=_bind(key_set.id, "meta-read")
        )
        return master, meta

    # -- tags ---------------------------------------------------------------------------------

    def register_tag(
        self,
        principal: Principal,
        uid: str,
        code_id: uuid.UUID,
        key_set_id: uuid.UUID | None = None,
    ) -> NfcTag:
        """Bind a tag UID to an item code, under the brand's newest key set by default."""
        uid_hex = normalize_uid(uid)
        code = self.codes.get_code(principal, code_id)
        run = self.codes.get_run(principal, code.run_id)
        policy.require_write(principal, run.brand_party_id)
        key_set = self._key_set_for(run.brand_party_id, key_set_id)
        if self.repo.tag_by_uid(uid_hex) is not None:
            raise DuplicateNfcTagError(f"tag {uid_hex} is already registered", field="uid")
        if self.repo.tag_for_code(code.id) is not None:
            raise DuplicateNfcTagError(f"code {code.id} already has a tag", field="code_id")
        tag = NfcTag(uid=uid_hex, code_id=code.id, key_set_id=key_set.id, tap_count=0)
        self.repo.add(tag)
        return tag

    def register_tag_for_link(
        self, principal: Principal, uid: str, uri: str, key_set_id: uuid.UUID | None = None
    ) -> NfcTag:
        """Bind a tag to the item code a (verified) Digital Link names."""
        code = self.codes.verify(uri).code
        return self.register_tag(principal, uid, code.id, key_set_id)

    def _key_set_for(self, party_id: uuid.UUID, key_set_id: uuid.UUID | None) -> NfcKeySet:
        sets = [k for k in self.repo.key_sets(party_id) if k.status == ACTIVE]
        chosen = next((k for k in sets if key_set_id in (None, k.id)), None)
        if chosen is None:
            raise NfcKeySetNotFoundError(
                "the brand has no such active NFC key set: create one first", field="key_set_id"
            )
        return chosen

    def get_tag(self, principal: Principal, uid: str) -> NfcTag:
        """A tag the caller may see."""
        tag = self.repo.tag_by_uid(normalize_uid(uid))
        if tag is None:
            raise NfcTagNotFoundError(f"no tag {uid}", field="uid")
        try:
            self.codes.get_code(principal, tag.code_id)
        except CodeNotFoundError as error:
            raise NfcTagNotFoundError(f"no tag {uid}", field="uid") from error
        return tag

    def tag_keys(self, principal: Principal, uid: str) -> TagKeys:
        """The meta-read key and diversified file-read key to write onto a tag (admins only)."""
        tag = self.get_tag(principal, uid)
        key_set = self.repo.key_set(tag.key_set_id)
        assert key_set is not None  # foreign key guarantees it
        policy.require_admin(principal, key_set.party_id)
        master, meta = self._keys(key_set)
        file_key = sun.diversify_key(master, bytes.fromhex(tag.uid))
        return TagKeys(tag.uid, key_set.version, meta, file_key)

    # -- taps ---------------------------------------------------------------------------------

    def verify_tap(
        self, *, picc_data: str, cmac: str, enc: str | None = None, now: datetime | None = None
    ) -> TapResult:
        """Verify a SUN tap (public): find the tag, check the MAC, accept the counter atomically."""
        picc = _hex16(picc_data)
        begin_for_write(self.session)
        for key_set in self.repo.active_key_sets():
            master, meta = self._keys(key_set)
            tag = self._tag_under(picc, meta, key_set)
            if tag is None:
                continue
            tap = sun.verify_sun(
                picc_data=picc_data,
                cmac=cmac,
                enc=enc,
                meta_read_key=meta,
                file_read_key=sun.diversify_key(master, bytes.fromhex(tag.uid)),
                last_counter=None,  # freshness is decided by the conditional UPDATE below
            )
            self._accept(tag, tap, now or utcnow())
            code = self.repo.code(tag.code_id)
            assert code is not None  # foreign key guarantees it
            return TapResult(tag, code, tap.counter, tap.file_data)
        self._refuse_retired(picc)
        raise UnknownNfcTagError(
            "the tap belongs to no registered tag: unknown tag, wrong keys, or forged data",
            field="picc_data",
        )

    def _refuse_retired(self, picc: bytes) -> None:
        """Raise `NfcKeySetRetiredError` if the tap is of a tag under a retired key set."""
        for key_set in self.repo.key_sets_in(RETIRED):
            tag = self._tag_under(picc, self._keys(key_set)[1], key_set)
            if tag is not None:
                raise NfcKeySetRetiredError(
                    f"tag {tag.uid} is keyed with NFC key set version {key_set.version}, which its "
                    f"brand retired on {key_set.updated_at.isoformat()}: its taps are no longer "
                    "trusted",
                    field="picc_data",
                    details={"uid": tag.uid, "key_set_id": str(key_set.id)},
                )

    def _tag_under(self, picc: bytes, meta: bytes, key_set: NfcKeySet) -> NfcTag | None:
        try:
            data = sun.decrypt_picc_data(picc, meta)
        except SunDecryptionError:
            return None
        tag = self.repo.tag_by_uid(data.uid.hex().upper())
        return tag if tag is not None and tag.key_set_id == key_set.id else None

    def _accept(self, tag: NfcTag, tap: sun.SunTap, now: datetime) -> None:
        if not self.repo.advance_counter(tag.id, tap.counter, now):
            sun.check_counter(tap.uid, tap.counter, self.repo.last_counter(tag.id))
            raise SunReplayError(  # pragma: no cover - only if the row changed in between
                "the tap lost a race with another tap of the same tag", field="counter"
            )
        self.session.refresh(tag)


def _hex16(picc_data: str) -> bytes:
    """PICC data as bytes; its size is checked by the SUN decryption."""
    try:
        return bytes.fromhex(picc_data)
    except ValueError as error:
        raise MalformedSunError(
            f"`picc_data` must be hex digits, got {picc_data[:64]!r}", field="picc_data"
        ) from error
