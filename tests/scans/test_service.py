"""ScanService.scan against real codes, trace projections, recalls and NFC tags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.codes import make_catalog, make_keyring, tap_params
from factories.ledger import ORIGIN
from factories.scans import (
    GUANGZHOU,
    HARBIN,
    HARBIN_NEAR,
    SHANGHAI,
    T0,
    Issued,
    code_service,
    commission_and_ship,
    issue_codes,
    lot_epc,
    make_destination,
    scan,
    scan_service,
)
from livetrace.codes.authenticator import code_elements, code_link
from livetrace.codes.errors import NfcTapConflictError
from livetrace.codes.models import ItemCode
from livetrace.codes.nfc import NfcService, TagKeys
from livetrace.codes.states import CodeState
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.scans.models import ScanAlert, ScanRecord
from livetrace.scans.policy import Thresholds
from livetrace.scans.service import ScanService, device_hash, scan_salt
from livetrace.scans.verdict import Verdict
from livetrace.trace.recall import RecallService
from livetrace.trace.schemas import OriginKind, RecallOpen, TraceOrigin

HEILONGJIANG_DC = "230184"  # Wuchang, Harbin


@pytest.fixture
def svc(session: Session, settings: Settings) -> ScanService:
    return scan_service(session, settings)


@pytest.fixture
def shipped(session: Session, encryptor: KeyEncryptor) -> Issued:
    """Five active codes, the first two commissioned, packed into a case shipped to Wuchang."""
    issued = issue_codes(session, encryptor)
    to = make_destination(session, encryptor, HEILONGJIANG_DC)
    commission_and_ship(session, encryptor, issued, issued.codes[:2], to=to)
    return issued


def reason_codes(outcome: object) -> list[str]:
    return [r.code for r in outcome.reasons]  # type: ignore[attr-defined]


def stored(session: Session, scan_id: object) -> ScanRecord:
    row = session.get(ScanRecord, scan_id)
    assert row is not None
    return row


def alerts(session: Session, kind: str | None = None) -> list[ScanAlert]:
    stmt = select(ScanAlert).order_by(ScanAlert.first_seen)
    if kind is not None:
        stmt = stmt.where(ScanAlert.kind == kind)
    return list(session.scalars(stmt))


# -- genuine scans, the log, the first scan --------------------------------------------------------


def test_a_shipped_code_scanned_where_it_was_sent_is_genuine(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    outcome = scan(svc, shipped.links[0], where=HARBIN_NEAR)
    assert outcome.verdict is Verdict.GENUINE and outcome.reasons == ()
    assert outcome.code is not None and outcome.code.code_id == shipped.codes[0].id
    assert outcome.code.brand_party_id == shipped.catalog.brand.id and not outcome.code.display
    assert outcome.place is not None and outcome.place.city_en == "Harbin"
    assert outcome.first_scan is not None and outcome.first_scan.at == outcome.at
    assert (outcome.total_scans, outcome.distinct_devices) == (1, 1)
    row = stored(session, outcome.scan_id)
    assert row.code_id == shipped.codes[0].id and row.verdict == "genuine"
    assert (row.gtin, row.lot, row.serial) == (
        shipped.codes[0].gtin, shipped.codes[0].lot, shipped.codes[0].serial
    )  # fmt: skip
    assert (row.latitude, row.longitude) == (45.75, 126.6)  # rounded to 0.05°
    assert row.region == "230100" and row.city == "哈尔滨"


def test_the_log_keeps_no_raw_device_id_or_ip(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    with_cookie = scan(svc, shipped.links[0], device="cookie-abc", ip="203.0.113.9")
    row = stored(session, with_cookie.scan_id)
    assert row.device_hash is not None and len(row.device_hash) == 32
    assert "cookie-abc" not in row.device_hash and "203.0.113" not in str(vars(row))
    # Without a cookie the IP of that day stands in, hashed; with neither, no device at all.
    ip_only = scan(svc, shipped.links[1], device=None, ip="203.0.113.9")
    ip_hash = stored(session, ip_only.scan_id).device_hash
    assert ip_hash is not None and ip_hash != row.device_hash
    anonymous = scan(svc, shipped.links[1], device=None, minutes=1)
    assert stored(session, anonymous.scan_id).device_hash is None
    assert anonymous.distinct_devices == 1  # the anonymous scan adds no device


def test_the_first_verified_scan_is_always_in_the_outcome(
    svc: ScanService, shipped: Issued
) -> None:
    first = scan(svc, shipped.links[0], where=HARBIN)
    later = scan(svc, shipped.links[0], device="device-2", where=HARBIN_NEAR, minutes=600)
    assert later.first_scan is not None and later.first_scan.at == first.at
    assert later.first_scan.place is not None and later.first_scan.place.city_zh == "哈尔滨"
    assert later.total_scans == 2 and later.distinct_devices == 2
    # A forged scan of the same item data neither counts nor becomes the first scan.
    scan(svc, shipped.links[0].replace("auth=1.", "auth=1.0"), device="forger")
    again = scan(svc, shipped.links[0], minutes=700)
    assert again.first_scan is not None and again.first_scan.at == first.at
    assert again.total_scans == 3 and again.distinct_devices == 2


# -- counterfeit -----------------------------------------------------------------------------------


def test_forged_truncated_and_malformed_links_are_counterfeit_and_logged(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    link = shipped.links[0]
    tag = link.rsplit("auth=1.", 1)[1]
    flipped = link[: -len(tag)] + ("0" if tag[0] != "0" else "1") + tag[1:]
    cases = {
        flipped: "authenticator.forged",
        link[:-4]: "authenticator.truncated",
        link.split("?")[0]: "authenticator.missing",
        link.replace("auth=1.", "auth=7."): "authenticator.retired_key",
        link.replace("auth=1.", "auth=x"): "authenticator.malformed",
        "https://id.example.cn/01/12345/21/<script>": "authenticator.malformed",
        "not a link at all" + "%" * 5000: "authenticator.malformed",
    }
    for uri, code in cases.items():
        outcome = scan(svc, uri)
        assert outcome.verdict is Verdict.COUNTERFEIT, uri
        assert reason_codes(outcome) == [code], uri
        assert outcome.code is None and outcome.first_scan is None
    forged_row = session.scalars(
        select(ScanRecord).where(ScanRecord.reasons.is_not(None), ScanRecord.code_id.is_(None))
    ).first()
    assert forged_row is not None and forged_row.gtin == shipped.codes[0].gtin
    assert forged_row.serial == shipped.codes[0].serial  # the data as scanned


def test_an_authentic_code_with_no_record_is_counterfeit(svc: ScanService, shipped: Issued) -> None:
    # Signed with the deployment key, but no run ever issued this serial.
    gtin, lot = shipped.codes[0].gtin, shipped.codes[0].lot
    tag = make_keyring().tag_for(code_elements(gtin, lot, "NEVERISSUED7"), 1)
    outcome = scan(svc, code_link("https://id.example.cn", gtin, lot, "NEVERISSUED7", tag))
    assert outcome.verdict is Verdict.COUNTERFEIT
    assert reason_codes(outcome) == ["code.unknown"]


@pytest.mark.parametrize(
    ("state", "verdict", "code"),
    [
        (CodeState.ISSUED, Verdict.SUSPECT, "code.not_activated"),
        (CodeState.PRINTED, Verdict.SUSPECT, "code.not_activated"),
        (CodeState.VOID, Verdict.COUNTERFEIT, "code.void"),
        (CodeState.DESTROYED, Verdict.COUNTERFEIT, "code.destroyed"),
        (CodeState.RECALLED, Verdict.RECALLED, "recall.code"),
    ],
)
def test_code_states(
    session: Session,
    encryptor: KeyEncryptor,
    svc: ScanService,
    state: CodeState,
    verdict: Verdict,
    code: str,
) -> None:
    issued = issue_codes(session, encryptor, state=state, count=1)
    outcome = scan(svc, issued.links[0])
    assert outcome.verdict is verdict
    assert code in reason_codes(outcome)


# -- recall, shipping, expiry, diversion -----------------------------------------------------------


def test_an_open_recall_of_the_lot_makes_the_item_recalled(
    session: Session, encryptor: KeyEncryptor, svc: ScanService, shipped: Issued
) -> None:
    RecallService(session, encryptor, ORIGIN).open(
        SYSTEM, shipped.catalog.brand.id,
        RecallOpen(scope=TraceOrigin(kind=OriginKind.LOT, id=lot_epc(shipped.codes[0])),
                   reason="镉超标 cadmium above limit"),
    )  # fmt: skip
    outcome = scan(svc, shipped.links[0], where=HARBIN)
    assert outcome.verdict is Verdict.RECALLED
    assert reason_codes(outcome) == ["recall.open"]
    assert "cadmium" in outcome.reasons[0].message_en
    # A code of the same lot that never entered the trace is covered through its lot too.
    assert scan(svc, shipped.links[3]).verdict is Verdict.RECALLED


def test_an_active_code_never_shipped_deserves_caution(
    session: Session, encryptor: KeyEncryptor, svc: ScanService, shipped: Issued
) -> None:
    # codes[2] was never captured at all; codes[3] commissioned and packed but never shipped.
    assert reason_codes(scan(svc, shipped.links[2])) == ["code.never_shipped"]
    commission_and_ship(session, encryptor, shipped, [shipped.codes[3]], to=None)
    outcome = scan(svc, shipped.links[3])
    assert outcome.verdict is Verdict.CAUTION and reason_codes(outcome) == ["code.never_shipped"]


def test_items_shipped_loose_count_as_shipped(
    session: Session, encryptor: KeyEncryptor, svc: ScanService, shipped: Issued
) -> None:
    to = make_destination(session, encryptor, "440100")
    commission_and_ship(session, encryptor, shipped, [shipped.codes[4]], to=to, in_case=False)
    assert scan(svc, shipped.links[4], where=GUANGZHOU).verdict is Verdict.GENUINE


def test_an_expired_lot_deserves_caution(
    session: Session, encryptor: KeyEncryptor, svc: ScanService
) -> None:
    catalog = make_catalog(
        session, encryptor, production_date="2025-10-01", expiry_date="2026-10-01"
    )
    issued = issue_codes(session, encryptor, catalog=catalog, count=1)
    to = make_destination(session, encryptor, HEILONGJIANG_DC)
    commission_and_ship(session, encryptor, issued, issued.codes, to=to)
    outcome = scan(svc, issued.links[0])
    assert outcome.verdict is Verdict.CAUTION and reason_codes(outcome) == ["lot.expired"]


def test_a_scan_far_from_the_shipping_destination_alerts_the_brand_only(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    outcome = scan(svc, shipped.links[0], where=GUANGZHOU)
    assert outcome.verdict is Verdict.GENUINE  # never a worse verdict for the buyer
    assert reason_codes(outcome) == ["diversion.outside_region"]
    assert outcome.reasons[0].public is False
    (alert,) = alerts(session, "diversion")
    assert outcome.alerts == (alert.id,)
    assert alert.brand_party_id == shipped.catalog.brand.id and alert.code_id == shipped.codes[0].id
    assert (alert.status, alert.count, alert.severity) == ("open", 1, "warn")
    # Another scan from the south is the same alert seen again, not a new one.
    again = scan(svc, shipped.links[0], where=GUANGZHOU, minutes=60 * 24)
    assert again.alerts == (alert.id,)
    session.refresh(alert)
    assert alert.count == 2 and alert.last_seen == again.at
    assert len(alerts(session, "diversion")) == 1


# -- clones: devices, travel -------------------------------------------------------------------------


def test_repeat_scans_are_counted_by_distinct_devices(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    for minute in range(5):  # one device scanning again and again is not a clone sign
        assert scan(svc, shipped.links[0], minutes=minute).verdict is Verdict.GENUINE
    scan(svc, shipped.links[0], device="device-2", minutes=10)
    third = scan(svc, shipped.links[0], device="device-3", minutes=20)
    assert third.verdict is Verdict.CAUTION and reason_codes(third) == ["scans.repeat_devices"]
    assert third.distinct_devices == 3 and third.total_scans == 7
    for n in range(4, 10):
        last = scan(svc, shipped.links[0], device=f"device-{n}", minutes=20 + n)
    assert last.verdict is Verdict.CAUTION
    tenth = scan(svc, shipped.links[0], device="device-10", minutes=40)
    assert tenth.verdict is Verdict.SUSPECT and tenth.distinct_devices == 10
    (clone,) = alerts(session, "clone")
    assert clone.severity == "alarm" and clone.count == 8  # from the 3rd device to the 10th


def test_per_product_thresholds_change_the_repeat_rule(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    gtin = shipped.codes[0].gtin
    svc.set_thresholds(SYSTEM, gtin, Thresholds(warn_devices=2, alarm_devices=3))
    scan(svc, shipped.links[0])
    assert scan(svc, shipped.links[0], device="d2").verdict is Verdict.CAUTION
    assert scan(svc, shipped.links[0], device="d3").verdict is Verdict.SUSPECT


def test_impossible_travel_is_suspect_and_alerts(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    scan(svc, shipped.links[1], where=HARBIN)
    outcome = scan(svc, shipped.links[1], device="device-2", where=SHANGHAI, minutes=30)
    assert outcome.verdict is Verdict.SUSPECT
    assert "travel.impossible" in reason_codes(outcome)
    (travel,) = alerts(session, "travel")
    assert travel.severity == "alarm" and travel.code_id == shipped.codes[1].id
    # Half a day later the same trip is plausible.
    slow = scan(svc, shipped.links[0], where=HARBIN)
    assert slow.verdict is Verdict.GENUINE
    later = scan(svc, shipped.links[0], device="device-2", where=SHANGHAI, minutes=720)
    assert "travel.impossible" not in reason_codes(later)


# -- display and hidden codes ------------------------------------------------------------------------


def test_display_codes_shown_on_camera_stay_at_caution(
    session: Session, encryptor: KeyEncryptor, svc: ScanService
) -> None:
    issued = issue_codes(session, encryptor, pairs=True, count=1)
    to = make_destination(session, encryptor, HEILONGJIANG_DC)
    commission_and_ship(session, encryptor, issued, issued.codes, to=to)
    for n in range(30):
        outcome = scan(svc, issued.links[0], device=f"viewer-{n}", minutes=n)
    assert outcome.code is not None and outcome.code.display
    assert outcome.verdict is Verdict.CAUTION
    assert reason_codes(outcome) == ["scans.display_code"]
    assert alerts(session, "clone") == []


def test_a_hidden_code_verified_on_a_second_device_is_suspect(
    session: Session, encryptor: KeyEncryptor, svc: ScanService
) -> None:
    issued = issue_codes(session, encryptor, pairs=True, count=1)
    to = make_destination(session, encryptor, HEILONGJIANG_DC)
    commission_and_ship(session, encryptor, issued, issued.codes, to=to)
    code = issued.codes[0]
    hidden = code_service(session).keyring.hidden_code(code.gtin, code.lot, code.serial, 1)
    buyer = scan(svc, issued.links[0], device="buyer", hidden=hidden.lower().replace("-", " "))
    assert buyer.verdict is Verdict.GENUINE and buyer.hidden_code_checked
    session.refresh(code)
    assert code.hidden_verified_at == buyer.at
    # The buyer checking again on the same phone is fine.
    assert scan(svc, issued.links[0], device="buyer", hidden=hidden, minutes=5).verdict is (
        Verdict.GENUINE
    )
    copier = scan(svc, issued.links[0], device="copier", hidden=hidden, minutes=10)
    assert copier.verdict is Verdict.SUSPECT
    assert reason_codes(copier) == ["hidden.reused"]
    assert "already used" in copier.reasons[0].message_en
    assert alerts(session, "clone")[0].severity == "alarm"
    session.refresh(code)
    assert code.hidden_verified_at == buyer.at  # the first verification is kept


def test_a_wrong_hidden_code_is_suspect_and_unpaired_items_say_so(
    session: Session, encryptor: KeyEncryptor, svc: ScanService, shipped: Issued
) -> None:
    paired = issue_codes(session, encryptor, pairs=True, count=1)
    wrong = scan(svc, paired.links[0], hidden="AAAA-BBBB-CCCC")
    assert wrong.verdict is Verdict.SUSPECT and "hidden.mismatch" in reason_codes(wrong)
    assert not wrong.hidden_code_checked
    blank = scan(svc, paired.links[0], hidden="  ", device="blank-form")
    assert "hidden.mismatch" not in reason_codes(blank) and not blank.hidden_code_checked
    unpaired = scan(svc, shipped.links[0], hidden="AAAA-BBBB-CCCC")
    assert unpaired.verdict is Verdict.GENUINE and reason_codes(unpaired) == ["hidden.not_paired"]


# -- NFC ---------------------------------------------------------------------------------------------


@pytest.fixture
def tag(session: Session, encryptor: KeyEncryptor, shipped: Issued) -> TagKeys:
    nfc = NfcService(session, encryptor, code_service(session))
    nfc.create_key_set(SYSTEM, shipped.catalog.brand.id)
    nfc.register_tag(SYSTEM, "04DE5F1EACC040", shipped.codes[0].id)
    nfc.register_tag(SYSTEM, "04DE5F1EACC041", shipped.codes[1].id)
    return nfc.tag_keys(SYSTEM, "04DE5F1EACC040")


def tap(keys: TagKeys, counter: int) -> dict[str, str]:
    return tap_params(bytes.fromhex(keys.uid), counter, keys.meta_read_key, keys.file_read_key)


def test_nfc_taps_genuine_replayed_forged_and_malformed(
    session: Session, svc: ScanService, shipped: Issued, tag: TagKeys
) -> None:
    genuine = scan(svc, shipped.links[0], nfc=tap(tag, 5))
    assert genuine.verdict is Verdict.GENUINE
    assert stored(session, genuine.scan_id).nfc_counter == 5
    replayed = scan(svc, shipped.links[0], device="device-2", nfc=tap(tag, 5), minutes=1)
    assert replayed.verdict is Verdict.SUSPECT and reason_codes(replayed) == ["nfc.replay"]
    assert [a.kind for a in alerts(session)] == ["replay"]
    stale = scan(svc, shipped.links[0], nfc=tap(tag, 3), minutes=2)
    assert reason_codes(stale) == ["nfc.replay"]
    forged = dict(tap(tag, 9)) | {"cmac": "00" * 8}
    assert reason_codes(scan(svc, shipped.links[0], nfc=forged)) == ["nfc.forged"]
    bad = {"picc_data": "zz" * 16, "cmac": "00" * 8}
    assert reason_codes(scan(svc, shipped.links[0], nfc=bad)) == ["nfc.malformed"]
    assert scan(svc, shipped.links[0], nfc=tap(tag, 10), minutes=3).verdict is Verdict.GENUINE


def test_a_genuine_tap_of_another_items_tag_is_counterfeit(
    svc: ScanService, shipped: Issued, tag: TagKeys
) -> None:
    outcome = scan(svc, shipped.links[1], nfc=tap(tag, 1))  # tag of codes[0], link of codes[1]
    assert outcome.verdict is Verdict.COUNTERFEIT and reason_codes(outcome) == ["nfc.mismatch"]


def test_a_genuine_tap_authenticates_a_link_without_auth(
    svc: ScanService, shipped: Issued, tag: TagKeys
) -> None:
    bare = shipped.links[0].split("?")[0]
    outcome = scan(svc, bare, nfc=tap(tag, 1))
    assert outcome.verdict is Verdict.GENUINE
    assert outcome.code is not None and outcome.code.code_id == shipped.codes[0].id
    assert reason_codes(scan(svc, bare)) == ["authenticator.missing"]


# -- forged bursts -----------------------------------------------------------------------------------


def test_a_burst_of_forged_scans_of_a_brands_gtin_alerts_the_brand(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    link = shipped.links[0]
    for n in range(4):
        forged = scan(svc, link.replace("auth=1.", f"auth=1.{n}")[: len(link)], device=f"f{n}")
        assert forged.alerts == ()
    fifth = scan(svc, link.replace("auth=1.", "auth=1.9")[: len(link)], device="f9")
    (burst,) = alerts(session, "forged_burst")
    assert fifth.alerts == (burst.id,)
    assert burst.code_id is None and burst.gtin == shipped.codes[0].gtin
    assert burst.brand_party_id == shipped.catalog.brand.id
    # Forged scans of a GTIN nobody here owns raise nothing.
    stranger = "https://id.example.cn/01/09506000134352/21/ABC?auth=1." + "0" * 20
    for _ in range(6):
        assert scan(svc, stranger).alerts == ()


def test_the_scan_path_flushes_but_never_commits(
    session: Session, svc: ScanService, shipped: Issued
) -> None:
    outcome = scan(svc, shipped.links[0])
    assert session.in_transaction()
    count = session.scalar(select(func.count()).select_from(ScanRecord))
    assert count == 1 and stored(session, outcome.scan_id) is not None
    assert session.get(ItemCode, shipped.codes[0].id) is not None


def test_device_hashes_are_salted_and_ip_ones_change_daily(settings: Settings) -> None:
    salt = scan_salt(settings)
    assert salt != settings.secret_key.get_secret_value().encode()
    configured = settings.model_copy(update={"scan_salt": SecretStr("another-deployment-salt")})
    assert scan_salt(configured) == b"another-deployment-salt"
    day1, day2 = T0, T0 + timedelta(days=1)
    cookie = device_hash(salt, "cookie-1", "203.0.113.9", day1)
    assert cookie == device_hash(salt, "cookie-1", None, day2)  # the cookie wins, every day
    assert cookie != device_hash(scan_salt(configured), "cookie-1", None, day1)
    ip1, ip2 = (
        device_hash(salt, None, "203.0.113.9", day1),
        device_hash(salt, None, "203.0.113.9", day2),
    )
    assert ip1 and ip2 and ip1 != ip2 and len(ip1) == 32
    assert device_hash(salt, None, None, day1) is None


def test_a_display_code_scanned_far_away_raises_no_diversion_alert(
    session: Session, encryptor: KeyEncryptor, svc: ScanService
) -> None:
    issued = issue_codes(session, encryptor, pairs=True, count=1)
    to = make_destination(session, encryptor, HEILONGJIANG_DC)
    commission_and_ship(session, encryptor, issued, issued.codes, to=to)
    viewer = scan(svc, issued.links[0], device="viewer", where=GUANGZHOU)
    assert viewer.verdict is Verdict.GENUINE and reason_codes(viewer) == []
    assert alerts(session, "diversion") == []
    # The holder of the pack typing its hidden code far away is a diversion after all.
    code = issued.codes[0]
    hidden = code_service(session).keyring.hidden_code(code.gtin, code.lot, code.serial, 1)
    holder = scan(svc, issued.links[0], device="holder", where=GUANGZHOU, hidden=hidden, minutes=5)
    assert holder.verdict is Verdict.GENUINE and holder.hidden_code_checked
    assert reason_codes(holder) == ["diversion.outside_region"]
    assert len(alerts(session, "diversion")) == 1


def _untagged_link(link: str) -> str:
    """A tag's URL as a tag may write it: the item's link without the printed authenticator."""
    base, query = link.split("?", 1)
    kept = [p for p in query.split("&") if not p.startswith("auth=")]
    return base + ("?" + "&".join(kept) if kept else "")


def test_a_tap_under_a_retired_key_set_says_so_and_alerts_the_brand(
    session: Session, encryptor: KeyEncryptor, svc: ScanService, shipped: Issued, tag: TagKeys
) -> None:
    nfc = NfcService(session, encryptor, code_service(session))
    assert scan(svc, shipped.links[0], nfc=tap(tag, 1)).verdict is Verdict.GENUINE
    key_set = nfc.get_tag(SYSTEM, tag.uid).key_set_id
    nfc.retire_key_set(SYSTEM, key_set)
    printed = scan(svc, shipped.links[0], nfc=tap(tag, 2), minutes=1)
    assert printed.verdict is Verdict.CAUTION and reason_codes(printed) == ["nfc.key_retired"]
    assert "retired by the brand" in printed.reasons[0].message_en
    assert printed.code is not None and printed.code.code_id == shipped.codes[0].id
    (alert,) = alerts(session, "retired_key")
    assert alert.code_id == shipped.codes[0].id and printed.alerts == (alert.id,)
    assert stored(session, printed.scan_id).verdict == "caution"
    # A tag URL with no printed authenticator: the tag names the item, but vouches for nothing.
    tag_only = scan(svc, _untagged_link(shipped.links[0]), nfc=tap(tag, 3), minutes=2)
    assert tag_only.verdict is Verdict.SUSPECT and reason_codes(tag_only) == ["nfc.key_retired"]
    assert tag_only.code is not None and tag_only.code.code_id == shipped.codes[0].id
    assert "nfc.forged" not in {r.code for r in tag_only.reasons}


def test_a_tap_that_loses_a_race_is_retried_not_recorded_as_forged(
    session: Session,
    svc: ScanService,
    shipped: Issued,
    tag: TagKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def conflict(*_: object, **__: object) -> None:
        raise NfcTapConflictError("another tap won", field="counter")

    monkeypatch.setattr(NfcService, "verify_tap", conflict)
    before = session.scalar(select(func.count()).select_from(ScanRecord))
    with pytest.raises(NfcTapConflictError):
        scan(svc, shipped.links[0], nfc=tap(tag, 4))
    assert session.scalar(select(func.count()).select_from(ScanRecord)) == before
    assert alerts(session) == []
