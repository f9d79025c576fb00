"""The demo data set, loaded through the real services: its chains, cases, log and witness."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from livetrace.codes.models import ItemCode
from livetrace.codes.serials import ALPHABET, SERIAL_LENGTH, randomness_bits
from livetrace.codes.service import keyring_for
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.demo import data
from livetrace.demo.catalogue import CASES, FORGED_SERIAL, NFC_TAP_PATH, case_links
from livetrace.demo.errors import DemoAlreadyLoadedError
from livetrace.demo.events import item, place
from livetrace.demo.loader import DemoSummary, load_demo
from livetrace.demo.nfc import next_counter, tap_url
from livetrace.demo.repository import DemoRepository
from livetrace.demo.witness import WITNESS_NAME
from livetrace.epcis.models import EpcisEventRow
from livetrace.identity.models import Party
from livetrace.ledger.cosignature import CosignatureVerifier
from livetrace.ledger.note import parse_note, verify_note
from livetrace.ledger.reads import LogReader
from livetrace.ledger.service import LogKeys
from livetrace.ledger.verifier import DatabaseVerifier
from livetrace.ledger.witness_service import witness_signer
from livetrace.scans.models import ScanAlert, ScanRecord
from livetrace.scans.service import ScanService
from livetrace.scans.verdict import ClientInfo, NfcParams, ScanOutcome, ScanRequest, Verdict
from livetrace.trace.service import TraceService


@pytest.fixture
def summary(session: Session, settings: Settings, encryptor: KeyEncryptor) -> DemoSummary:
    """The demo, loaded into the test transaction."""
    return load_demo(session, settings, encryptor)


def _scan(session: Session, settings: Settings, encryptor: KeyEncryptor, path: str) -> ScanOutcome:
    """What one newcomer's browser sees when it follows a case's scan link."""
    if path == NFC_TAP_PATH:
        uri = tap_url(session, settings, encryptor, next_counter(session))
    else:
        uri = settings.base_url + path
    query = dict(parse_qsl(urlsplit(uri).query))
    nfc = NfcParams(query["picc_data"], query["cmac"]) if "picc_data" in query else None
    client = ClientInfo(device="newcomer-browser-0000000001")
    return ScanService(session, keyring_for(settings), settings).scan(
        ScanRequest(uri=uri, client=client, nfc=nfc)
    )


def test_the_load_reports_what_it_made(summary: DemoSummary) -> None:
    assert (summary.parties, summary.products, summary.lots) == (10, 3, 5)
    assert summary.events > 50 and summary.scans > 20
    assert summary.witness == WITNESS_NAME


def test_every_case_gives_the_verdict_the_catalogue_promises_again_and_again(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    links = case_links(session, settings, encryptor)
    assert [link.case.key for link in links] == [c.key for c in CASES]
    assert {c.verdict for c in CASES} == set(Verdict)
    for link in links:
        seen = [_scan(session, settings, encryptor, link.scan_path) for _ in range(3)]
        assert [s.verdict for s in seen] == [link.case.verdict] * 3, (link.case.key, seen[-1])


def test_the_cloned_code_shows_many_devices_and_impossible_travel(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    link = next(x for x in case_links(session, settings, encryptor) if x.case.key == "cloned")
    outcome = _scan(session, settings, encryptor, link.scan_path)
    codes = {r.code for r in outcome.reasons}
    assert "scans.repeat_devices" in codes
    assert outcome.distinct_devices >= 10
    assert outcome.first_scan is not None and outcome.first_scan.place is not None


def test_the_diverted_case_alerts_the_brand_but_not_the_buyer(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    scans = ScanService(session, keyring_for(settings), settings)
    urumqi = data.CITIES["urumqi"]
    code = keyring_for(settings).signer(data.SERUM_GTIN, data.SERUM_LOT)
    third = DemoRepository(session).serials(data.SERUM_CHANNEL)[2]
    uri = code.links(code.link_prefix(settings.base_url), [third], code.tags([third]))[0]
    outcome = scans.scan(ScanRequest(uri=uri, client=ClientInfo(
        device="market-urc-09", latitude=urumqi[3], longitude=urumqi[4])))  # fmt: skip
    assert outcome.verdict is Verdict.GENUINE
    assert "diversion.outside_region" in {r.code for r in outcome.reasons}
    assert outcome.alerts


def test_a_backward_trace_from_a_rice_bag_reaches_its_plot(
    summary: DemoSummary, session: Session
) -> None:
    first = DemoRepository(session).serials(data.RICE_RUN)[0]
    trace = TraceService(session).backward(item(data.RICE_GTIN, first))
    paddy = next(lot for lot in trace.lots if lot.lot == data.PADDY_A07)
    assert paddy.role == "raw_material" and paddy.location == place(data.PLOT_A07)
    assert paddy.origin["grower"] == "王建国"
    assert paddy.origin["plot_coordinates"] == {"lat": 44.9412, "lon": 127.1803}
    milled = next(lot for lot in trace.lots if lot.lot == data.RICE_LOT)
    assert (milled.line, milled.shift) == ("MILL-1", "早班")
    assert any(doc.status == "passed" for doc in trace.documents)


def test_each_event_is_signed_by_the_party_that_states_it(
    summary: DemoSummary, session: Session
) -> None:
    names = {row.id: row.name for row in session.execute(select(Party.id, Party.name))}
    reader = LogReader(session)
    stated: dict[tuple[str | None, str], set[str]] = {}
    for row in session.scalars(select(EpcisEventRow)):
        statement = reader.entry(row.log_index).statement
        assert statement.party_id == row.party_id
        stated.setdefault((row.biz_step, row.event_type), set()).add(names[row.party_id])
    assert stated["commissioning", "TransformationEvent"] == {data.MILL, data.DAIRY}
    assert stated["inspecting", "ObjectEvent"] == {data.MILL, data.DAIRY, data.LAB}
    assert stated["retail_selling", "ObjectEvent"] == {data.STREAMER}
    assert data.CARRIER in stated["transporting", "ObjectEvent"]


def test_the_log_verifies_and_its_latest_checkpoint_is_cosigned_by_the_witness(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    keys = LogKeys(session, encryptor, settings.log_origin).verifiers()
    report = DatabaseVerifier(session, settings.log_origin, log_verifiers=keys).run()
    assert report.ok, report.problems
    assert report.size == summary.checkpoint
    latest = LogReader(session).latest_checkpoint()
    assert latest.checkpoint.size == summary.checkpoint and latest.cosignatures
    witness: CosignatureVerifier = witness_signer(session, encryptor, WITNESS_NAME).verifier()
    verified = verify_note(parse_note(latest.cosigned_note), [witness])
    assert [s.name for s in verified.verified] == [WITNESS_NAME]


def test_loading_twice_is_refused(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    with pytest.raises(DemoAlreadyLoadedError):
        load_demo(session, settings, encryptor)


def test_every_demo_code_carries_a_random_serial_and_the_cases_read_what_was_issued(
    summary: DemoSummary, session: Session, settings: Settings, encryptor: KeyEncryptor
) -> None:
    serials = [s for s in session.scalars(select(ItemCode.serial)) if s is not None]
    assert len(serials) == sum(run.count for run in data.RUNS)
    assert randomness_bits(SERIAL_LENGTH) >= 64
    for serial in serials:
        assert len(serial) == SERIAL_LENGTH and set(serial) <= set(ALPHABET), serial
    issued = set(serials)
    for link in case_links(session, settings, encryptor):
        if link.case.key == "forged":
            assert FORGED_SERIAL not in issued and FORGED_SERIAL in link.scan_path
            continue
        serial = DemoRepository(session).serials(link.case.run)[link.case.index]
        assert link.trace_path is not None and serial in link.trace_path


def test_viewers_scanning_the_display_code_raise_no_diversion_alert(
    summary: DemoSummary, session: Session
) -> None:
    paired = DemoRepository(session).serials(data.SERUM_PAIRED)[2]
    code_id = session.scalars(select(ItemCode.id).where(ItemCode.serial == paired)).one()
    scans = session.scalars(select(ScanRecord).where(ScanRecord.code_id == code_id)).all()
    assert len(scans) >= 7
    assert all("diversion.outside_region" not in s.reasons for s in scans)
    kinds = session.scalars(select(ScanAlert.kind).where(ScanAlert.code_id == code_id)).all()
    assert "diversion" not in kinds
