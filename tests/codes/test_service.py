"""Issuance through the service on the real database: bulk runs, uniqueness, states, verify."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories.codes import BASE_URL, Catalog, code_service, issue_run, make_catalog, make_keyring
from factories.identity import make_party
from livetrace.catalog.errors import InvalidCatalogDataError, LotNotFoundError, ProductNotFoundError
from livetrace.codes import service as service_module
from livetrace.codes.errors import (
    AuthenticatorMismatchError,
    CodeNotFoundError,
    CodeRunNotFoundError,
    DuplicateSerialError,
    HiddenCodeError,
    InvalidCodeRequestError,
    InvalidStateTransitionError,
    SerialError,
)
from livetrace.codes.models import CodeRun, ItemCode
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.serials import ALPHABET, SERIAL_LENGTH
from livetrace.codes.states import CodeState
from livetrace.crypto.keys import KeyEncryptor
from livetrace.identity.errors import AccessDeniedError
from livetrace.identity.policy import SYSTEM, Principal
from livetrace.identity.roles import PartyRole, Scope
from livetrace.kit.pagination import PageRequest


@pytest.fixture
def catalog(session: Session, encryptor: KeyEncryptor) -> Catalog:
    return make_catalog(session, encryptor)


def _count(session: Session, model: type[CodeRun] | type[ItemCode]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _codes(session: Session, run: CodeRun) -> list[ItemCode]:
    stmt = select(ItemCode).where(ItemCode.run_id == run.id).order_by(ItemCode.seq)
    return list(session.scalars(stmt))


def test_issue_item_run_in_chunks_with_progress(
    session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHUNK", 40)
    seen: list[tuple[int, int]] = []
    request = IssueRequest(product=catalog.product.gtin, lot=catalog.lot.lot_number, count=100)
    run = code_service(session).issue(SYSTEM, request, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(40, 100), (80, 100), (100, 100)]
    codes = _codes(session, run)
    assert [c.seq for c in codes] == list(range(100))
    assert len({c.serial for c in codes}) == 100
    assert all(
        len(c.serial or "") == SERIAL_LENGTH and set(c.serial or "") <= set(ALPHABET) for c in codes
    )
    assert {c.state for c in codes} == {"issued"}
    assert run.auth_version == 1 and run.company_prefix == catalog.brand.company_prefix


def test_every_issued_link_verifies_and_finds_its_record(
    session: Session, catalog: Catalog
) -> None:
    svc = code_service(session)
    run = issue_run(session, catalog, count=3)
    for code in _codes(session, run):
        link = svc.link(code)
        assert link.startswith(f"{BASE_URL}/01/{catalog.product.gtin}/10/")
        result = svc.verify(link)
        assert result.code.id == code.id and not result.hidden_code_checked


def test_sgtin96_runs_get_numeric_serials_and_epc_hex(session: Session, catalog: Catalog) -> None:
    run = issue_run(session, catalog, count=20, target="sgtin-96")
    job = code_service(session).export(SYSTEM, run.id)
    rows = [row for chunk in job.chunks for row in chunk]
    assert all(
        (r.serial or "").isdigit() and r.epc_hex and r.epc_hex.startswith("30") for r in rows
    )


def test_rfid_targets_need_the_brand_company_prefix(session: Session, catalog: Catalog) -> None:
    catalog.brand.company_prefix = None
    session.flush()
    with pytest.raises(InvalidCodeRequestError, match="company prefix") as caught:
        issue_run(session, catalog, target="sgtin-198")
    assert caught.value.field == "target"
    assert issue_run(session, catalog, count=1).company_prefix is None


def test_gtins_outside_the_company_prefix_cannot_be_encoded(
    session: Session, catalog: Catalog
) -> None:
    catalog.brand.company_prefix = "6999999"
    session.flush()
    with pytest.raises(InvalidCodeRequestError, match="not under the brand's company prefix"):
        issue_run(session, catalog, target="sgtin-96")


def test_given_serials_are_validated_and_unique_per_gtin(
    session: Session, catalog: Catalog
) -> None:
    run = issue_run(session, catalog, serials=["1001", "1002"], target="sgtin-96")
    assert [c.serial for c in _codes(session, run)] == ["1001", "1002"]
    before = _count(session, ItemCode), _count(session, CodeRun)
    with pytest.raises(DuplicateSerialError, match="already issued"):
        issue_run(session, catalog, serials=["1003", "1002"])
    with pytest.raises(DuplicateSerialError, match="given twice"):
        issue_run(session, catalog, serials=["2001", "2001"])
    with pytest.raises(SerialError, match="does not fit SGTIN-96"):
        issue_run(session, catalog, serials=["3001", "ABC"], target="sgtin-96")
    with pytest.raises(SerialError, match="at most 20"):
        issue_run(session, catalog, serials=["X" * 21], target="sgtin-198")
    assert (_count(session, ItemCode), _count(session, CodeRun)) == before


def test_bad_lot_and_bad_gtin_issue_nothing(session: Session, catalog: Catalog) -> None:
    before = _count(session, ItemCode), _count(session, CodeRun)
    with pytest.raises(InvalidCodeRequestError, match="not a valid AI \\(10\\)") as caught:
        issue_run(session, catalog, lot="LOT#1")
    assert caught.value.field == "lot"
    with pytest.raises(LotNotFoundError, match="register the lot first"):
        issue_run(session, catalog, lot="NOSUCHLOT")
    gtin = catalog.product.gtin
    with pytest.raises(InvalidCatalogDataError, match="check digit"):
        issue_run(session, catalog, product=gtin[:-1] + str((int(gtin[-1]) + 1) % 10))
    assert (_count(session, ItemCode), _count(session, CodeRun)) == before


def test_collisions_with_issued_serials_are_replaced(session: Session, catalog: Catalog) -> None:
    svc = code_service(session)
    first = issue_run(session, catalog, count=3)
    taken = [c.serial or "" for c in _codes(session, first)]
    second = issue_run(session, catalog, count=1)
    # Re-run a chunk that collides with all three issued serials: they must be swapped out.
    svc._insert_chunk(second, [*taken, "FRESH2345"], 1)
    serials = [c.serial for c in _codes(session, second)]
    assert len(serials) == 5 and "FRESH2345" in serials and not set(taken) & set(serials)


def test_batch_level_runs_have_one_code_per_lot(session: Session, catalog: Catalog) -> None:
    svc = code_service(session)
    run = issue_run(session, catalog, level="batch", count=50)
    (code,) = _codes(session, run)
    assert code.serial is None and run.count == 50
    assert svc.verify(svc.link(code)).code.id == code.id
    with pytest.raises(DuplicateSerialError, match="already has its batch-level code"):
        issue_run(session, catalog, level="batch", count=1)
    with pytest.raises(InvalidCodeRequestError, match="only target QR"):
        issue_run(session, catalog, level="batch", count=1, target="sgtin-198")


def test_state_transitions_for_runs_and_codes(session: Session, catalog: Catalog) -> None:
    svc = code_service(session)
    run = issue_run(session, catalog, count=4)
    assert svc.transition_run(SYSTEM, run.id, CodeState.ACTIVE) == 0
    assert svc.transition_run(SYSTEM, run.id, CodeState.PRINTED) == 4
    assert svc.transition_run(SYSTEM, run.id, CodeState.ACTIVE) == 4
    session.expire_all()
    code = _codes(session, run)[0]
    svc.transition_code(SYSTEM, code.id, CodeState.RECALLED)
    assert svc.state_counts(run) == {"active": 3, "recalled": 1}
    with pytest.raises(InvalidStateTransitionError):
        svc.transition_code(SYSTEM, code.id, CodeState.SOLD)


def test_hidden_codes_verify_once_recorded(session: Session, catalog: Catalog) -> None:
    svc = code_service(session)
    run = issue_run(session, catalog, count=2, pairs=True)
    rows = [r for chunk in svc.export(SYSTEM, run.id).chunks for r in chunk]
    first = svc.verify(rows[0].uri, rows[0].hidden_code)
    assert first.hidden_code_checked and first.first_hidden_verification_at is not None
    again = svc.verify(rows[0].uri, rows[0].hidden_code)
    assert again.first_hidden_verification_at == first.first_hidden_verification_at
    with pytest.raises(HiddenCodeError):
        svc.verify(rows[0].uri, rows[1].hidden_code)
    plain = issue_run(session, catalog, count=1)
    link = svc.link(_codes(session, plain)[0])
    with pytest.raises(HiddenCodeError, match="without a hidden code"):
        svc.verify(link, "AAAA-BBBB-CCCC")


def test_authentic_but_unrecorded_codes_are_not_found(session: Session, catalog: Catalog) -> None:
    signer = make_keyring().signer(catalog.product.gtin, catalog.lot.lot_number)
    link = signer.link_prefix(BASE_URL) + "NEVER2345?auth=" + signer.tags(["NEVER2345"])[0]
    with pytest.raises(CodeNotFoundError, match="authentic"):
        code_service(session).verify(link)
    with pytest.raises(AuthenticatorMismatchError):
        code_service(session).verify(link.replace("NEVER2345", "NEVER2346"))


def test_other_brands_cannot_issue_or_see_runs(
    session: Session, encryptor: KeyEncryptor, catalog: Catalog
) -> None:
    other = make_party(session, encryptor)
    stranger = Principal(
        party_id=other.id,
        party_roles=frozenset({PartyRole.BRAND}),
        scopes=frozenset({Scope.READ, Scope.WRITE}),
    )
    request = IssueRequest(product=catalog.product.gtin, lot=catalog.lot.lot_number, count=1)
    svc = code_service(session)
    with pytest.raises(ProductNotFoundError):
        svc.issue(stranger, request)
    run = issue_run(session, catalog, count=1)
    with pytest.raises(CodeRunNotFoundError):
        svc.get_run(stranger, run.id)
    assert svc.list_runs(stranger, PageRequest(limit=10)).total == 0
    reader = Principal(
        party_id=catalog.brand.id,
        party_roles=frozenset({PartyRole.BRAND}),
        scopes=frozenset({Scope.READ}),
    )
    with pytest.raises(AccessDeniedError):
        svc.issue(reader, request)
    with pytest.raises(CodeNotFoundError):
        svc.get_code(stranger, uuid.uuid4())


def test_a_large_insert_cache_is_only_borrowed(session: Session, catalog: Catalog) -> None:
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
    run = issue_run(session, catalog, count=25)
    assert len(_codes(session, run)) == 25
    if sqlite:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == before
