"""Each scan rule alone, then all of them together through `default_policy`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from livetrace.codes.states import CodeState
from livetrace.scans.errors import ScanPolicyError
from livetrace.scans.policy import (
    AllOf,
    AuthenticatorRule,
    AuthStatus,
    CodeFacts,
    DiversionRule,
    ExpiryRule,
    HiddenCodeRule,
    HiddenStatus,
    NfcRule,
    NfcStatus,
    PriorScan,
    RecallRef,
    RecallRule,
    RecordRule,
    RepeatDevicesRule,
    ScanContext,
    ShippedRule,
    StateRule,
    Thresholds,
    TravelRule,
    alerts_for,
    default_policy,
)
from livetrace.scans.verdict import Place, Reason, Severity, Verdict, verdict_for

AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
HARBIN = Place("230100", "哈尔滨", "Harbin", 45.80, 126.55)
HARBIN_EDGE = Place("230100", "哈尔滨", "Harbin", 45.90, 126.90)  # ~30 km away
GUANGZHOU = Place("440100", "广州", "Guangzhou", 23.15, 113.25)
SHENZHEN = Place("440300", "深圳", "Shenzhen", 22.55, 114.05)
GOOD = CodeFacts(state=CodeState.ACTIVE, display=False, shipped=True, shipped_region="230184")


def ctx(**fields: object) -> ScanContext:
    """A genuine, unremarkable scan in Harbin, with `fields` changed."""
    base = ScanContext(at=AT, auth=AuthStatus.OK, code=GOOD, place=HARBIN, placed=True, devices=1)
    return replace(base, **fields)  # type: ignore[arg-type]


def codes(reasons: list[Reason]) -> list[tuple[str, Severity]]:
    return [(r.code, r.severity) for r in reasons]


def test_an_empty_all_of_is_refused() -> None:
    with pytest.raises(ScanPolicyError, match="at least one rule"):
        AllOf()


def test_a_clean_scan_has_no_reason_and_is_genuine() -> None:
    reasons = list(default_policy().check(ctx()))
    assert reasons == []
    assert verdict_for(reasons) is Verdict.GENUINE


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (AuthStatus.MISSING, "authenticator.missing"),
        (AuthStatus.MALFORMED, "authenticator.malformed"),
        (AuthStatus.TRUNCATED, "authenticator.truncated"),
        (AuthStatus.RETIRED, "authenticator.retired_key"),
        (AuthStatus.FORGED, "authenticator.forged"),
    ],
)
def test_authenticator_failures_are_counterfeit(status: AuthStatus, code: str) -> None:
    reasons = list(AuthenticatorRule().check(ctx(auth=status, code=None, auth_message="x")))
    assert codes(reasons) == [(code, Severity.FAIL)]
    assert reasons[0].message_zh and reasons[0].message_en
    assert verdict_for(reasons) is Verdict.COUNTERFEIT


def test_authenticator_rule_is_silent_when_the_tag_verified() -> None:
    assert list(AuthenticatorRule().check(ctx())) == []


def test_an_authentic_code_without_record_is_counterfeit() -> None:
    assert codes(list(RecordRule().check(ctx(code=None)))) == [("code.unknown", Severity.FAIL)]
    # A forged link has no record either, but that is the authenticator rule's finding.
    assert list(RecordRule().check(ctx(auth=AuthStatus.FORGED, code=None))) == []


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (CodeState.ISSUED, [("code.not_activated", Severity.ALARM)]),
        (CodeState.PRINTED, [("code.not_activated", Severity.ALARM)]),
        (CodeState.VOID, [("code.void", Severity.FAIL)]),
        (CodeState.DESTROYED, [("code.destroyed", Severity.FAIL)]),
        (CodeState.ACTIVE, []),
        (CodeState.SOLD, []),
        (CodeState.RECALLED, []),
    ],
)
def test_state_rule(state: CodeState, expected: list[tuple[str, Severity]]) -> None:
    assert codes(list(StateRule().check(ctx(code=replace(GOOD, state=state))))) == expected


def test_recalled_state_and_open_campaigns_are_recalled() -> None:
    by_state = list(RecallRule().check(ctx(code=replace(GOOD, state=CodeState.RECALLED))))
    assert codes(by_state) == [("recall.code", Severity.RECALL)]
    campaign = replace(GOOD, recalls=(RecallRef("RC-2026-0001", "霉变 mould"),))
    by_campaign = list(RecallRule().check(ctx(code=campaign)))
    assert codes(by_campaign) == [("recall.open", Severity.RECALL)]
    assert "RC-2026-0001" in by_campaign[0].message_en
    assert by_campaign[0].details == {"number": "RC-2026-0001"}
    assert verdict_for(by_campaign) is Verdict.RECALLED
    assert list(RecallRule().check(ctx())) == []


def test_an_active_code_never_shipped_deserves_caution() -> None:
    unshipped = replace(GOOD, shipped=False, shipped_region=None)
    assert codes(list(ShippedRule().check(ctx(code=unshipped)))) == [
        ("code.never_shipped", Severity.WARN)
    ]
    # Not looked up (None), or already sold: nothing to say.
    assert list(ShippedRule().check(ctx(code=replace(unshipped, shipped=None)))) == []
    sold = replace(unshipped, state=CodeState.SOLD)
    assert list(ShippedRule().check(ctx(code=sold))) == []


def test_an_expired_lot_deserves_caution() -> None:
    expired = replace(GOOD, expiry=date(2026, 10, 31))
    reasons = list(ExpiryRule().check(ctx(code=expired)))
    assert codes(reasons) == [("lot.expired", Severity.WARN)]
    assert reasons[0].details == {"expiry": "2026-10-31"}
    # Expiring on the scan day is not expired yet.
    assert list(ExpiryRule().check(ctx(code=replace(GOOD, expiry=AT.date())))) == []


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        (1, []),
        (2, []),
        (3, [("scans.repeat_devices", Severity.WARN)]),
        (9, [("scans.repeat_devices", Severity.WARN)]),
        (10, [("scans.repeat_devices", Severity.ALARM)]),
        (250, [("scans.repeat_devices", Severity.ALARM)]),
    ],
)
def test_repeat_devices_default_thresholds(
    devices: int, expected: list[tuple[str, Severity]]
) -> None:
    assert codes(list(RepeatDevicesRule().check(ctx(devices=devices)))) == expected


def test_repeat_devices_follow_per_product_thresholds() -> None:
    strict = Thresholds(warn_devices=2, alarm_devices=4)
    assert codes(list(RepeatDevicesRule().check(ctx(devices=2, thresholds=strict)))) == [
        ("scans.repeat_devices", Severity.WARN)
    ]
    assert codes(list(RepeatDevicesRule().check(ctx(devices=4, thresholds=strict)))) == [
        ("scans.repeat_devices", Severity.ALARM)
    ]


def test_display_codes_never_reach_suspect_from_device_counts() -> None:
    display = replace(GOOD, display=True)
    reasons = list(RepeatDevicesRule().check(ctx(code=display, devices=5000)))
    assert codes(reasons) == [("scans.display_code", Severity.WARN)]
    assert "hidden" in reasons[0].message_en
    assert "隐藏验证码" in reasons[0].message_zh
    assert verdict_for(reasons) is Verdict.CAUTION


def test_hidden_code_rule() -> None:
    rule = HiddenCodeRule()
    display = replace(GOOD, display=True)
    once = ctx(code=display, hidden=HiddenStatus.VERIFIED, hidden_devices=1)
    assert list(rule.check(once)) == []
    again = ctx(code=display, hidden=HiddenStatus.VERIFIED, hidden_devices=2)
    reused = list(rule.check(again))
    assert codes(reused) == [("hidden.reused", Severity.ALARM)]
    assert "already used" in reused[0].message_en
    assert verdict_for(reused) is Verdict.SUSPECT
    wrong = list(rule.check(ctx(code=display, hidden=HiddenStatus.MISMATCH)))
    assert codes(wrong) == [("hidden.mismatch", Severity.ALARM)]
    unpaired = list(rule.check(ctx(hidden=HiddenStatus.NOT_PAIRED)))
    assert codes(unpaired) == [("hidden.not_paired", Severity.INFO)]
    assert list(rule.check(ctx())) == []


def test_impossible_travel_is_suspect() -> None:
    prior = PriorScan(AT - timedelta(hours=1), HARBIN.latitude or 0, HARBIN.longitude or 0)
    reasons = list(TravelRule().check(ctx(place=GUANGZHOU, previous_placed=prior)))
    assert codes(reasons) == [("travel.impossible", Severity.ALARM)]
    assert reasons[0].details["minutes"] == 60
    assert 2700 < int(str(reasons[0].details["km"])) < 2900


def test_plausible_or_short_moves_are_not_travel() -> None:
    rule = TravelRule()
    far_but_slow = PriorScan(AT - timedelta(hours=5), HARBIN.latitude or 0, HARBIN.longitude or 0)
    assert list(rule.check(ctx(place=GUANGZHOU, previous_placed=far_but_slow))) == []
    # Guangzhou → Shenzhen is ~100 km: 20 minutes is a fast train, 5 minutes is impossible.
    by_train = PriorScan(AT - timedelta(minutes=20), GUANGZHOU.latitude or 0, 113.25)
    assert list(rule.check(ctx(place=SHENZHEN, previous_placed=by_train))) == []
    prior = PriorScan(AT - timedelta(minutes=5), GUANGZHOU.latitude or 0, 113.25)
    assert codes(list(rule.check(ctx(place=SHENZHEN, previous_placed=prior)))) == [
        ("travel.impossible", Severity.ALARM)
    ]
    # Under ~50 km apart counts as the same place even at the same instant.
    same_time = PriorScan(AT, HARBIN.latitude or 0, HARBIN.longitude or 0)
    assert list(rule.check(ctx(place=HARBIN_EDGE, previous_placed=same_time))) == []
    # A place only from a proxy region (not the phone) is not precise enough to judge speed.
    unplaced = ctx(place=GUANGZHOU, placed=False, previous_placed=same_time)
    assert list(rule.check(unplaced)) == []


def test_travel_threshold_is_per_product() -> None:
    prior = PriorScan(AT - timedelta(hours=5), HARBIN.latitude or 0, HARBIN.longitude or 0)
    slow = Thresholds(travel_kmh=300)
    assert codes(list(TravelRule().check(ctx(place=GUANGZHOU, previous_placed=prior,
                                                 thresholds=slow)))) == [
        ("travel.impossible", Severity.ALARM)
    ]  # fmt: skip


def test_display_codes_cap_travel_at_caution() -> None:
    prior = PriorScan(AT - timedelta(minutes=5), HARBIN.latitude or 0, HARBIN.longitude or 0)
    display = replace(GOOD, display=True)
    reasons = list(TravelRule().check(ctx(code=display, place=GUANGZHOU, previous_placed=prior)))
    assert codes(reasons) == [("travel.impossible", Severity.WARN)]


def test_diversion_is_a_hidden_info_reason_never_a_worse_verdict() -> None:
    reasons = list(DiversionRule().check(ctx(place=GUANGZHOU)))
    assert codes(reasons) == [("diversion.outside_region", Severity.INFO)]
    assert reasons[0].public is False
    assert reasons[0].details == {"shipped_region": "230184", "scan_region": "440100"}
    assert verdict_for(reasons) is Verdict.GENUINE
    # Same province as the destination (Wuchang → Harbin, both 23xxxx): nothing.
    assert list(DiversionRule().check(ctx())) == []
    # Unknown destination or unknown scan region: nothing to compare.
    assert list(DiversionRule().check(ctx(code=replace(GOOD, shipped_region=None)))) == []
    assert list(DiversionRule().check(ctx(place=None))) == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (NfcStatus.OK, []),
        (None, []),
        (NfcStatus.REPLAY, [("nfc.replay", Severity.ALARM)]),
        (NfcStatus.FORGED, [("nfc.forged", Severity.FAIL)]),
        (NfcStatus.MALFORMED, [("nfc.malformed", Severity.FAIL)]),
        (NfcStatus.MISMATCH, [("nfc.mismatch", Severity.FAIL)]),
        (NfcStatus.RETIRED, [("nfc.key_retired", Severity.WARN)]),
    ],
)
def test_nfc_rule(status: NfcStatus | None, expected: list[tuple[str, Severity]]) -> None:
    assert codes(list(NfcRule().check(ctx(nfc=status)))) == expected


def test_a_tap_under_retired_keys_is_a_caution_unless_the_tag_is_all_that_names_the_item() -> None:
    printed = list(NfcRule().check(ctx(nfc=NfcStatus.RETIRED)))
    assert verdict_for(printed) is Verdict.CAUTION
    assert "retired by the brand" in printed[0].message("en")
    assert "品牌方停用" in printed[0].message("zh")
    tag_only = list(NfcRule().check(ctx(nfc=NfcStatus.RETIRED, tag_only=True)))
    assert codes(tag_only) == [("nfc.key_retired", Severity.ALARM)]
    assert alerts_for(printed) == {"retired_key": Severity.WARN}
    assert alerts_for(tag_only) == {"retired_key": Severity.ALARM}


def test_display_code_scans_never_count_as_diversion_unless_the_hidden_code_was_verified() -> None:
    display = replace(GOOD, display=True)
    assert list(DiversionRule().check(ctx(code=display, place=GUANGZHOU))) == []
    typed_wrong = ctx(code=display, place=GUANGZHOU, hidden=HiddenStatus.MISMATCH)
    assert list(DiversionRule().check(typed_wrong)) == []
    verified = ctx(code=display, place=GUANGZHOU, hidden=HiddenStatus.VERIFIED)
    assert codes(list(DiversionRule().check(verified))) == [
        ("diversion.outside_region", Severity.INFO)
    ]
    whole = list(default_policy().check(ctx(code=display, place=GUANGZHOU)))
    assert "diversion.outside_region" not in {r.code for r in whole}
    assert alerts_for(whole) == {}


def test_a_forged_link_yields_exactly_one_reason_from_the_whole_policy() -> None:
    reasons = list(default_policy().check(ctx(auth=AuthStatus.FORGED, code=None, devices=40)))
    assert codes(reasons) == [("authenticator.forged", Severity.FAIL)]


def test_rules_together_the_heaviest_reason_decides() -> None:
    prior = PriorScan(AT - timedelta(minutes=30), HARBIN.latitude or 0, HARBIN.longitude or 0)
    messy = ctx(
        code=replace(GOOD, expiry=date(2026, 1, 1), recalls=(RecallRef("RC-1", "mould"),)),
        place=GUANGZHOU,
        previous_placed=prior,
        devices=4,
    )
    reasons = list(default_policy().check(messy))
    assert codes(reasons) == [
        ("recall.open", Severity.RECALL),
        ("scans.repeat_devices", Severity.WARN),
        ("travel.impossible", Severity.ALARM),
        ("lot.expired", Severity.WARN),
        ("diversion.outside_region", Severity.INFO),
    ]
    assert verdict_for(reasons) is Verdict.SUSPECT
    assert alerts_for(reasons) == {
        "clone": Severity.WARN,
        "travel": Severity.ALARM,
        "diversion": Severity.WARN,
    }


def test_recall_outweighs_caution_and_counterfeit_outweighs_everything() -> None:
    recalled = ctx(code=replace(GOOD, state=CodeState.RECALLED, expiry=date(2026, 1, 1)))
    assert verdict_for(list(default_policy().check(recalled))) is Verdict.RECALLED
    void_replayed = ctx(code=replace(GOOD, state=CodeState.VOID), nfc=NfcStatus.REPLAY)
    assert verdict_for(list(default_policy().check(void_replayed))) is Verdict.COUNTERFEIT


def test_display_code_with_many_devices_and_a_reused_hidden_code() -> None:
    display = replace(GOOD, display=True)
    scan = ctx(code=display, devices=50, hidden=HiddenStatus.VERIFIED, hidden_devices=2)
    reasons = list(default_policy().check(scan))
    assert codes(reasons) == [("hidden.reused", Severity.ALARM)]
    assert alerts_for(reasons) == {"clone": Severity.ALARM}
    # The first check of the hidden code settles what the display code's crowd of scans asked.
    first = list(default_policy().check(replace(scan, hidden_devices=1)))
    assert first == []
    # Without the hidden code the crowd is a warning, and raises no clone alert.
    unchecked = list(default_policy().check(replace(scan, hidden=HiddenStatus.NOT_GIVEN)))
    assert codes(unchecked) == [("scans.display_code", Severity.WARN)]
    assert alerts_for(unchecked) == {}


def test_custom_policies_compose() -> None:
    only_expiry = AllOf(ExpiryRule())
    scan = ctx(code=replace(GOOD, expiry=date(2026, 1, 1)), nfc=NfcStatus.FORGED)
    assert codes(list(only_expiry.check(scan))) == [("lot.expired", Severity.WARN)]
    nested = AllOf(only_expiry, AllOf(NfcRule()))
    assert codes(list(nested.check(scan))) == [
        ("lot.expired", Severity.WARN),
        ("nfc.forged", Severity.FAIL),
    ]
