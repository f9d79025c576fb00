"""The resolver over HTTP: representations, linksets, redirects, proofs, limits and bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.codes import code_service, tap_params
from factories.resolver import (
    GROWER,
    PRODUCT_NAME,
    RECALL_REASON,
    ScanWorld,
    build_scan_world,
    resolver_settings,
)
from livetrace.api.app import create_app
from livetrace.codes.errors import NfcTapConflictError
from livetrace.codes.nfc import NfcService, TagKeys
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.policy import SYSTEM
from livetrace.ledger.proofbundle import parse_proof_bundle
from livetrace.scans.linkset import GS1_VOC
from livetrace.scans.models import ScanRecord
from scans.test_linkset import conformance_errors

BASE = "https://id.example.cn"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return resolver_settings(tmp_path, BASE)


@pytest.fixture
def world(session: Session, encryptor: KeyEncryptor, settings: Settings) -> ScanWorld:
    world = build_scan_world(session, encryptor, settings)
    session.commit()
    return world


def test_a_browser_gets_the_page_in_chinese_with_a_device_cookie(
    client: TestClient, world: ScanWorld
) -> None:
    response = client.get(world.genuine, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-verdict="genuine"' in response.text
    assert "正品" in response.text and 'lang="zh-CN"' in response.text
    assert response.cookies.get("lt_device")
    assert response.headers["cache-control"] == "no-store"
    assert 'rel="linkset"' in response.headers["link"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    # the layers, the proof panel and the follow entry point are there
    for anchor in (
        'id="origin"',
        'id="production"',
        'id="circulation"',
        'id="proof"',
        'id="follow"',
    ):
        assert anchor in response.text
    assert "WC-007" in response.text and "mill-1" in response.text


def test_stored_text_is_escaped(client: TestClient, world: ScanWorld) -> None:
    page = client.get(world.genuine).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert PRODUCT_NAME not in page and GROWER not in page


def test_english_by_parameter_or_header_and_a_switch_back(
    client: TestClient, world: ScanWorld
) -> None:
    by_param = client.get(f"{world.genuine}&lang=en").text
    assert 'lang="en"' in by_param and "Genuine" in by_param
    assert re.search(r'class="lang" href="[^"]*lang=zh"', by_param)
    by_header = client.get(world.genuine, headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert 'lang="en"' in by_header.text
    assert 'lang="zh-CN"' in client.get(world.genuine, headers={"Accept-Language": "fr"}).text


def test_the_json_verdict(client: TestClient, world: ScanWorld) -> None:
    body = client.get(world.genuine, headers={"Accept": "application/json"}).json()
    assert body["verdict"] == "genuine"
    assert body["code"]["serial"] and body["product"]["name"] == PRODUCT_NAME
    assert body["links"]["linkset"].endswith("linkType=all")
    forged = client.get(f"{world.forged}&format=json").json()
    assert forged["verdict"] == "counterfeit" and forged["code"] is None
    assert "product" not in forged


def test_recalled_and_cloned_codes(client: TestClient, world: ScanWorld) -> None:
    recalled = client.get(world.recalled).text
    assert 'data-verdict="recalled"' in recalled
    assert RECALL_REASON in recalled and world.recall_number in recalled
    cloned = client.get(world.cloned).text
    assert 'data-verdict="suspect"' in cloned


def test_a_forged_code_shows_nothing_about_the_item(client: TestClient, world: ScanWorld) -> None:
    page = client.get(world.forged).text
    assert 'data-verdict="counterfeit"' in page
    for leak in ("WC-007", "mill-1", "五常大米", 'id="proof"', 'id="origin"'):
        assert leak not in page


def test_the_linkset_conforms_and_advertises_itself(client: TestClient, world: ScanWorld) -> None:
    for response in (
        client.get(f"{world.genuine}&linkType=all"),
        client.get(world.genuine, headers={"Accept": "application/linkset+json"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/linkset+json")
        document = response.json()
        assert conformance_errors(document) == []
        context = document["linkset"][0]
        assert context["anchor"] == BASE + world.genuine.split("?")[0]
        assert {GS1_VOC + t for t in ("pip", "verificationService", "traceability",
                                      "recallStatus")} <= set(context)  # fmt: skip
        assert response.headers["access-control-allow-origin"] == "*"


def test_link_types_redirect_with_307(client: TestClient, world: ScanWorld) -> None:
    verify = client.get(f"{world.genuine}&linkType=gs1:verificationService", follow_redirects=False)
    assert verify.status_code == 307
    assert "format=json" in verify.headers["location"]
    english = client.get(f"{world.genuine}&linkType=gs1:pip&lang=en", follow_redirects=False)
    assert english.headers["location"].endswith("lang=en")
    missing = client.get(f"{world.genuine}&linkType=gs1:allergenInfo", follow_redirects=False)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    unknown = client.get(
        f"{world.genuine}&linkType=gs1:noSuchType", headers={"Accept": "application/json"}
    )
    assert unknown.status_code == 400


def test_linksets_and_redirects_need_an_authentic_code(
    client: TestClient, world: ScanWorld
) -> None:
    for suffix in ("&linkType=all", "&linkType=gs1:pip", "&download=proof&index=0"):
        response = client.get(world.forged + suffix, headers={"Accept": "application/json"})
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "item-not-found"
        assert "五常" not in response.text


def test_proof_bundles_download_for_the_page_statements_only(
    client: TestClient, world: ScanWorld
) -> None:
    page = client.get(world.genuine).text
    indexes = [int(i) for i in re.findall(r'class="proof" data-index="(\d+)"', page)]
    assert indexes
    bundle = client.get(f"{world.genuine}&download=proof&index={indexes[0]}")
    assert bundle.status_code == 200
    assert "attachment" in bundle.headers["content-disposition"]
    assert parse_proof_bundle(bundle.text).index == indexes[0]
    assert 0 not in indexes  # entry 0 is the farm's paddy lot, not on this item's page
    other = client.get(f"{world.genuine}&download=proof&index=0")
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/01/12345678901234?auth=1.00", "(01)"),  # bad check digit
        ("/01/0690123400001X", "path"),
        ("/01/06901234000017/21/A/10/B", "(01)"),  # qualifiers out of order
        ("/01/06901234000017?10=LOT", "(10)"),  # a qualifier in the query
        ("/01/06901234000017/21/%00", "path"),
        ("/01/06901234000017?auth=1&auth=2", "auth"),
        ("/01/06901234000017?lang=zh&format=xml", "format"),
        ("/01/06901234000017?picc_data=ZZ&cmac=00", "picc_data"),
    ],
)
def test_malformed_requests_are_a_clear_400(client: TestClient, path: str, field: str) -> None:
    problem = client.get(path, headers={"Accept": "application/json"})
    assert problem.status_code == 400, problem.text
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["status"] == 400
    page = client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 400 and "无法识别这个码" in page.text


def test_oversized_paths_and_queries_are_refused(client: TestClient) -> None:
    long_path = "/01/06901234000017/21/" + "A" * 500
    assert client.get(long_path, headers={"Accept": "application/json"}).status_code == 400
    long_query = "/01/06901234000017?x=" + "y" * 2000
    assert client.get(long_query, headers={"Accept": "application/json"}).status_code == 400
    many = "/01/06901234000017?" + "&".join(f"p{i}=1" for i in range(40))
    assert client.get(many, headers={"Accept": "application/json"}).status_code == 400


@pytest.fixture
def strict_client(ctx: AppContext, tmp_path: Path) -> Iterator[TestClient]:
    settings = resolver_settings(tmp_path, BASE).model_copy(update={
        "resolver_rate_burst": 5, "resolver_rate_per_minute": 0.01,
        "resolver_failure_burst": 3, "resolver_failure_per_minute": 0.01})  # fmt: skip
    strict = AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions,
                        encryptor=ctx.encryptor)  # fmt: skip
    with TestClient(create_app(ctx=strict)) as c:
        yield c


def test_each_client_is_rate_limited(strict_client: TestClient, world: ScanWorld) -> None:
    codes = [strict_client.get(world.genuine).status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    limited = strict_client.get(world.genuine, headers={"Accept": "application/json"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()["code"] == "rate-limited"


def test_enumeration_runs_out_of_failures_first(
    strict_client: TestClient, world: ScanWorld
) -> None:
    forged = [strict_client.get(world.forged).status_code for _ in range(3)]
    assert forged == [200, 200, 200]  # each a counterfeit verdict, each a failure spent
    blocked = strict_client.get(world.genuine)
    assert blocked.status_code == 429 and "请求过于频繁" in blocked.text


def test_forms_send_a_hidden_code_and_a_rough_location(
    client: TestClient, world: ScanWorld
) -> None:
    located = client.post(world.genuine, data={"region": "230100"})
    assert located.status_code == 200 and "data-verdict=" in located.text
    gps = client.post(f"{world.genuine}&format=json", data={"lat": "23.1291234", "lon": "113.2644"})
    assert gps.json()["place"]["city_zh"] == "广州"
    picked = client.post(f"{world.genuine}&format=json", data={"region": "230100"})
    assert picked.json()["place"]["city_en"] == "Harbin"
    hidden = client.post(world.genuine, data={"hidden_code": "WRONG-CODE"})
    assert hidden.status_code == 200  # the run has no hidden codes: the rule says so
    assert 'data-code="hidden.not_paired"' in hidden.text
    history = client.get(world.genuine, headers={"Accept": "application/json"}).json()
    assert history["total_scans"] >= 4  # the three form posts were scans too


def test_head_options_and_the_description_file(client: TestClient, world: ScanWorld) -> None:
    head = client.head(world.genuine)
    assert head.status_code == 200 and 'rel="linkset"' in head.headers["link"]
    options = client.options(world.genuine)
    assert options.status_code == 204 and "GET" in options.headers["access-control-allow-methods"]
    description = client.get("/.well-known/gs1resolver").json()
    assert description["resolverRoot"] == BASE and description["supportedPrimaryKeys"] == ["01"]


def _tag(session: Session, encryptor: KeyEncryptor, world: ScanWorld, uid: str) -> TagKeys:
    """An NFC tag on the second code, under a fresh key set of its brand (committed)."""
    nfc = NfcService(session, encryptor, code_service(session))
    nfc.create_key_set(SYSTEM, world.issued.catalog.brand.id)
    nfc.register_tag(SYSTEM, uid, world.issued.codes[1].id)
    keys = nfc.tag_keys(SYSTEM, uid)
    session.commit()
    return keys


def test_nfc_taps_are_scans_and_a_replayed_tap_is_caught(
    client: TestClient, world: ScanWorld, session: Session, encryptor: KeyEncryptor
) -> None:
    keys = _tag(session, encryptor, world, "04DE5F1EACC050")
    params = tap_params(bytes.fromhex(keys.uid), 7, keys.meta_read_key, keys.file_read_key)
    tapped = f"{world.second}&{urlencode(params)}"
    first = client.get(tapped, headers={"Accept": "application/json"}).json()
    assert first["verdict"] == "genuine", first["reasons"]
    assert "picc_data" not in first["links"]["page"]  # a tap's data is good for one read
    again = client.get(tapped)
    assert 'data-verdict="suspect"' in again.text and 'data-code="nfc.replay"' in again.text


def test_a_tag_without_an_authenticator_gets_authenticated_page_links(
    client: TestClient, world: ScanWorld, session: Session, encryptor: KeyEncryptor
) -> None:
    keys = _tag(session, encryptor, world, "04DE5F1EACC051")
    params = tap_params(bytes.fromhex(keys.uid), 3, keys.meta_read_key, keys.file_read_key)
    bare = world.second.split("?")[0]
    tapped = client.get(f"{bare}?{urlencode(params)}", headers={"Accept": "application/json"})
    body = tapped.json()
    assert body["verdict"] == "genuine", body["reasons"]
    assert body["links"]["page"] == BASE + world.second  # the printed link, authenticator included
    switched = client.get(body["links"]["page"].removeprefix(BASE) + "&lang=en")
    assert 'data-verdict="genuine"' in switched.text


def test_a_tap_that_lost_a_race_asks_for_another_tap(
    client: TestClient,
    world: ScanWorld,
    session: Session,
    encryptor: KeyEncryptor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def conflict(*_: object, **__: object) -> None:
        raise NfcTapConflictError("another tap of this tag won", field="counter")

    monkeypatch.setattr(NfcService, "verify_tap", conflict)
    before = session.scalar(select(func.count()).select_from(ScanRecord))
    params = {"picc_data": "00" * 16, "cmac": "00" * 8}
    tapped = f"{world.second}&{urlencode(params)}"
    as_json = client.get(tapped, headers={"Accept": "application/json"})
    assert as_json.status_code == 409
    assert as_json.headers["content-type"].startswith("application/problem+json")
    assert as_json.json()["code"] == "nfc-tap-conflict"
    assert as_json.headers["retry-after"] == "1"
    page = client.get(tapped, headers={"Accept": "text/html"})
    assert page.status_code == 409
    assert 'data-error="error.retry"' in page.text and "请再碰一次" in page.text
    assert "nfc.forged" not in page.text
    english = client.get(f"{tapped}&lang=en", headers={"Accept": "text/html"})
    assert "Please tap again" in english.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ScanRecord)) == before


def test_a_tag_under_retired_keys_gets_no_authenticated_page_links(
    client: TestClient, world: ScanWorld, session: Session, encryptor: KeyEncryptor
) -> None:
    nfc = NfcService(session, encryptor, code_service(session))
    key_set = nfc.create_key_set(SYSTEM, world.issued.catalog.brand.id)
    nfc.register_tag(SYSTEM, "04DE5F1EACC052", world.issued.codes[1].id)
    keys = nfc.tag_keys(SYSTEM, "04DE5F1EACC052")
    nfc.retire_key_set(SYSTEM, key_set.id)
    session.commit()
    params = tap_params(bytes.fromhex(keys.uid), 3, keys.meta_read_key, keys.file_read_key)
    bare = world.second.split("?")[0]
    body = client.get(f"{bare}?{urlencode(params)}", headers={"Accept": "application/json"}).json()
    assert body["verdict"] == "suspect"
    assert [r["code"] for r in body["reasons"]] == ["nfc.key_retired"]
    assert "auth=" not in body["links"]["page"]  # retired keys prove nothing: no printed tag
    page = client.get(f"{bare}?{urlencode(params | {'lang': 'en'})}")
    assert "retired by the brand" in page.text


@pytest.mark.parametrize("threads", [0, 3])
def test_scans_answer_alike_in_the_event_loop_and_on_threads(
    ctx: AppContext, world: ScanWorld, threads: int
) -> None:
    settings = ctx.settings.model_copy(update={"resolver_threads": threads})
    threaded = AppContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions,
                          encryptor=ctx.encryptor)  # fmt: skip
    with TestClient(create_app(ctx=threaded)) as client:
        page = client.get(world.genuine, headers={"Accept": "text/html"})
        verdict = client.get(world.recalled, headers={"Accept": "application/json"})
        form = client.post(world.genuine, data={"region": "110100"})
    assert page.status_code == 200 and 'data-verdict="genuine"' in page.text
    assert verdict.status_code == 200 and verdict.json()["verdict"] == "recalled"
    assert form.status_code == 200 and "北京" in form.text
    with ctx.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(ScanRecord))
    assert stored is not None and stored >= 3  # every scan was recorded, in either mode
