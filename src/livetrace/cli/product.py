"""`livetrace product …`: products, lots and category templates."""

from __future__ import annotations

from datetime import date

import typer

from livetrace.catalog.schemas import LotCreate, LotOut, ProductCreate, ProductOut, TemplateOut
from livetrace.catalog.service import CatalogService
from livetrace.cli.common import context, out, parse_json_option, show, work
from livetrace.identity.policy import SYSTEM
from livetrace.identity.service import IdentityService
from livetrace.kit.pagination import PageRequest

app = typer.Typer(help="Products (GTIN), lots and category templates.", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
PRODUCT_COLUMNS = ("id", "gtin", "name", "net_content")
LOT_COLUMNS = ("id", "lot_number", "production_date", "expiry_date")


@app.command()
def create(
    gtin: str = typer.Option(..., help="GTIN-8/12/13/14."),
    brand: str = typer.Option(..., help="Brand party id, name or GLN."),
    template: str = typer.Option(..., help="Category template code (see `product templates`)."),
    name: str = typer.Option(...),
    description: str = typer.Option(""),
    net_content: str | None = typer.Option(None),
    attributes: str | None = typer.Option(None, help="Product-level attributes as a JSON object."),
    as_json: bool = JSON,
) -> None:
    """Register a product of a brand."""
    ctx = context()
    with work(ctx) as session:
        brand_id = IdentityService(session, ctx.encryptor).find_party(SYSTEM, brand).id
        data = ProductCreate.model_validate(
            {
                "gtin": gtin,
                "brand_party_id": brand_id,
                "template": template,
                "name": name,
                "description": description,
                "net_content": net_content,
                "attributes": parse_json_option(attributes, "--attributes"),
            }
        )
        product = ProductOut.model_validate(CatalogService(session).create_product(SYSTEM, data))
    show(product, as_json=as_json, columns=PRODUCT_COLUMNS)


@app.command("list")
def list_(as_json: bool = JSON) -> None:
    """List products."""
    ctx = context()
    with work(ctx) as session:
        page = CatalogService(session).list_products(SYSTEM, PageRequest(limit=500))
        rows = [ProductOut.model_validate(p) for p in page.items]
    show(rows, as_json=as_json, columns=PRODUCT_COLUMNS)


@app.command()
def templates(as_json: bool = JSON) -> None:
    """List category templates."""
    ctx = context()
    with work(ctx) as session:
        rows = [
            TemplateOut.model_validate(t) for t in CatalogService(session).list_templates(SYSTEM)
        ]
    if as_json:
        show(rows, as_json=True, columns=())
        return
    for t in rows:
        out.print(f"[bold]{t.code}[/bold] {t.name} {t.name_zh}")
        for a in t.attributes:
            flag = "required" if a.required else "optional"
            out.print(f"  {a.layer:<11} {a.level:<7} {a.key:<26} {a.type:<11} {flag}")


@app.command("add-lot")
def add_lot(
    product: str = typer.Argument(..., help="Product id or GTIN."),
    lot: str = typer.Option(..., "--lot", help="Lot number (AI 10)."),
    produced: date | None = typer.Option(None, formats=["%Y-%m-%d"], help="Production date."),
    expires: date | None = typer.Option(None, formats=["%Y-%m-%d"], help="Expiry date."),
    attributes: str | None = typer.Option(None, help="Lot-level attributes as a JSON object."),
    as_json: bool = JSON,
) -> None:
    """Register a lot of a product."""
    ctx = context()
    with work(ctx) as session:
        svc = CatalogService(session)
        product_id = svc.find_product(SYSTEM, product).id
        data = LotCreate.model_validate(
            {
                "lot_number": lot,
                "production_date": produced,
                "expiry_date": expires,
                "attributes": parse_json_option(attributes, "--attributes"),
            }
        )
        row = LotOut.model_validate(svc.create_lot(SYSTEM, product_id, data))
    show(row, as_json=as_json, columns=LOT_COLUMNS)


@app.command()
def lots(
    product: str = typer.Argument(..., help="Product id or GTIN."), as_json: bool = JSON
) -> None:
    """List the lots of a product."""
    ctx = context()
    with work(ctx) as session:
        svc = CatalogService(session)
        page = svc.list_lots(SYSTEM, svc.find_product(SYSTEM, product).id, PageRequest(limit=500))
        rows = [LotOut.model_validate(lot) for lot in page.items]
    show(rows, as_json=as_json, columns=LOT_COLUMNS)
