"""Foundation costs on SQLite: token authentication and lot registration through the services.

Baselines, measured in the same run: a bare indexed SELECT of the token row, and a bare INSERT
of a lot row. The ratios show what hashing, validation and the ORM add.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from livetrace.catalog.schemas import LotCreate, ProductCreate
from livetrace.catalog.service import CatalogService
from livetrace.crypto.keys import KeyEncryptor
from livetrace.gs1.keys import with_check_digit
from livetrace.identity.policy import SYSTEM
from livetrace.identity.schemas import PartyCreate, TokenCreate, UserCreate
from livetrace.identity.service import IdentityService
from livetrace.kit.ids import new_id
from livetrace.migrations import runner
from livetrace.store.engine import make_engine

N_AUTH = 3_000
N_LOTS = 2_000
LOT_ATTRS = {"plot_code": "A07", "plot_coordinates": {"lat": 44.9, "lon": 127.1}, "grower": "王",
             "harvest_date": "2026-10-02", "paddy_lot": "P1"}  # fmt: skip


def _rate(n: int, fn: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def _setup(session: Session, enc: KeyEncryptor) -> tuple[str, str, object]:
    ids = IdentityService(session, enc)
    CatalogService(session).install_builtin_templates()
    brand = ids.create_party(
        SYSTEM, PartyCreate(name="B", roles=["brand"], company_prefix="6970002")
    )
    user = ids.add_user(SYSTEM, brand.id, UserCreate(name="U", email="u@example.com", role="admin"))
    token = ids.issue_token(
        SYSTEM, brand.id, TokenCreate(user_id=user.id, name="b", scopes=["read"])
    )
    product = CatalogService(session).create_product(SYSTEM, ProductCreate(
        gtin=with_check_digit("697000200001"), brand_party_id=brand.id, template="rice", name="米",
        attributes={"variety": "稻花香2号"}))  # fmt: skip
    return token.token, token.record.lookup, product.id


def main() -> None:
    """Print rates and ratios."""
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{Path(d) / 'bench.sqlite3'}")
        runner.upgrade(engine)
        enc = KeyEncryptor.from_secret("bench-secret-that-is-long-enough-for-settings")
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory.begin() as s:
            token, lookup, product_id = _setup(s, enc)
        with factory() as s:
            ids = IdentityService(s, enc)
            auth = _rate(N_AUTH, lambda _i: ids.authenticate(token))
            raw = _rate(N_AUTH, lambda _i: s.execute(
                text("SELECT * FROM api_token WHERE lookup = :l"), {"l": lookup}).one())  # fmt: skip
        with factory.begin() as s:
            cat = CatalogService(s)
            lots = _rate(N_LOTS, lambda i: cat.create_lot(SYSTEM, product_id, LotCreate(  # type: ignore[arg-type]
                lot_number=f"L{i}", attributes=LOT_ATTRS)))  # fmt: skip
        with factory.begin() as s:
            pid = str(product_id).replace("-", "")
            bare = _rate(N_LOTS, lambda i: s.execute(text(
                "INSERT INTO lot (id, product_id, lot_number, attributes, created_at, updated_at) "
                "VALUES (:id, :p, :n, '{}', '2026-01-01', '2026-01-01')"),
                {"id": new_id().hex, "p": pid, "n": f"R{i}"}))  # fmt: skip
        engine.dispose()
    out = sys.stdout.write
    out(
        f"token authentication: {auth:,.0f}/s  (bare indexed SELECT {raw:,.0f}/s, ratio {auth / raw:.2f})\n"
    )
    out(
        f"lot registration:     {lots:,.0f}/s  (bare INSERT {bare:,.0f}/s, ratio {lots / bare:.2f})\n"
    )


if __name__ == "__main__":
    main()
