"""Whatever a scanner sends, `ScanService.scan` answers with a verdict and never raises."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from factories.codes import code_service
from factories.scans import issue_codes, scan_service
from livetrace.codes.nfc import NfcService
from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.scans.verdict import ClientInfo, NfcParams, ScanRequest, Verdict

PATH_CHARS = string.ascii_letters + string.digits + "/?=&%.-_~:<>\"'#\x00 é漢"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _mutations(link: str) -> st.SearchStrategy[str]:
    """A genuine link with a slice replaced by junk, or pure junk."""
    junk = st.text(alphabet=PATH_CHARS, max_size=80)
    cut = st.integers(min_value=0, max_value=len(link))
    spliced = st.builds(lambda a, b, j: link[: min(a, b)] + j + link[max(a, b) :], cut, cut, junk)
    return st.one_of(spliced, st.text(max_size=300), junk.map(lambda j: link + "&" + j))


def test_mutated_links_and_junk_never_raise(
    session: Session, encryptor: KeyEncryptor, settings: Settings
) -> None:
    issued = issue_codes(session, encryptor, count=1)
    service = scan_service(session, settings)
    link = issued.links[0]

    @FUZZ
    @given(
        uri=_mutations(link),
        hidden=st.none() | st.text(max_size=40),
        device=st.none() | st.text(max_size=40),
        lat=st.none() | st.floats(allow_nan=True, allow_infinity=True),
        lon=st.none() | st.floats(allow_nan=True, allow_infinity=True),
        region=st.none() | st.text(max_size=8),
    )
    def check(
        uri: str,
        hidden: str | None,
        device: str | None,
        lat: float | None,
        lon: float | None,
        region: str | None,
    ) -> None:
        client = ClientInfo(device=device, latitude=lat, longitude=lon, region=region)
        outcome = service.scan(ScanRequest(uri=uri, client=client, hidden_code=hidden))
        assert isinstance(outcome.verdict, Verdict)
        if outcome.code is None:
            assert outcome.verdict is Verdict.COUNTERFEIT
        if outcome.place is not None and outcome.place.latitude is not None:
            assert -90 <= outcome.place.latitude <= 90

    check()


def test_junk_nfc_parameters_never_raise(
    session: Session, encryptor: KeyEncryptor, settings: Settings
) -> None:
    issued = issue_codes(session, encryptor, count=1)
    nfc = NfcService(session, encryptor, code_service(session))
    nfc.create_key_set(SYSTEM, issued.catalog.brand.id)  # taps are tried against its keys
    nfc.register_tag(SYSTEM, "04DE5F1EACC040", issued.codes[0].id)
    service = scan_service(session, settings)
    hexish = st.text(alphabet="0123456789abcdefABCDEFxz", max_size=80)

    @FUZZ
    @given(picc=hexish, cmac=hexish, enc=st.none() | hexish)
    def check(picc: str, cmac: str, enc: str | None) -> None:
        request = ScanRequest(uri=issued.links[0], client=ClientInfo(device="d"),
                              nfc=NfcParams(picc, cmac, enc))  # fmt: skip
        outcome = service.scan(request)
        assert {r.code for r in outcome.reasons} & {"nfc.forged", "nfc.malformed"}
        assert outcome.verdict is Verdict.COUNTERFEIT

    check()
