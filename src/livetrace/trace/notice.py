"""Recall exports: CSV of affected units and orders, and a printable PDF recall notice (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from livetrace.trace.schemas import RecallOut, RecallUnitOut

CJK_FONT = "STSong-Light"  # built into reportlab and every PDF viewer; no font file shipped
UNIT_COLUMNS = ("epc", "kind", "gtin", "lot_class", "location", "container", "owner", "sold",
                "progress", "orders")  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrderRow:
    """An order tied to an affected unit."""

    order: str
    type: str | None
    epc: str


def units_csv(units: Sequence[RecallUnitOut], orders: Sequence[OrderRow]) -> str:
    """Affected units, one a line, with the orders each is tied to."""
    by_unit: dict[str, list[str]] = {}
    for o in orders:
        by_unit.setdefault(o.epc, []).append(o.order)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    for u in units:
        writer.writerow([u.epc, u.kind, u.gtin or "", u.lot_class or "", u.location or "",
                         u.container or "", u.owner or "", "yes" if u.sold else "no", u.progress,
                         " ".join(sorted(by_unit.get(u.epc, [])))])  # fmt: skip
    return buf.getvalue()


def orders_csv(orders: Sequence[OrderRow]) -> str:
    """Orders (and other transactions) tied to affected units."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("order", "type", "epc"))
    for o in sorted(orders, key=lambda x: (x.order, x.epc)):
        writer.writerow((o.order, o.type or "", o.epc))
    return buf.getvalue()


def notice_pdf(recall: RecallOut, brand: str, units: Sequence[RecallUnitOut]) -> bytes:
    """A one-page (or longer) recall notice with the scope, reason, counts and lots."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, invariant=True)
    pdf.setTitle(f"Recall {recall.number}")
    y = A4[1] - 25 * mm
    for size, text in _lines(recall, brand, units):
        if y < 20 * mm:
            pdf.showPage()
            y = A4[1] - 25 * mm
        pdf.setFont(CJK_FONT, size)
        pdf.drawString(20 * mm, y, text[:110])
        y -= size * 0.5 * mm + 2 * mm
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _lines(recall: RecallOut, brand: str, units: Sequence[RecallUnitOut]) -> list[tuple[int, str]]:
    lots = sorted({u.epc for u in units if u.kind == "lot"})
    lines = [
        (18, "产品召回通知 Product recall notice"),
        (12, f"编号 Number: {recall.number}"),
        (11, f"发起方 Issued by: {brand}"),
        (11, f"日期 Opened: {recall.opened_at:%Y-%m-%d %H:%M} UTC"),
        (11, f"原因 Reason: {recall.reason}"),
        (11, f"范围 Scope: {recall.scope_kind} {_scope_text(recall.scope)}"),
        (11, "受影响 Affected: " + ", ".join(f"{k} {v}" for k, v in sorted(recall.counts.items()))),
        (9, f"日志 Log entry: {recall.statement_log_index}  ·  digest {recall.affected_digest}"),
        (12, "批次 Lots:"),
    ]
    lines += [(9, f"  {lot}") for lot in lots]
    lines.append(
        (10, "请停止销售与使用，并联系发起方退回。Stop selling and using; return to the issuer.")
    )
    return lines


def _scope_text(scope: dict[str, object]) -> str:
    return " ".join(
        f"{k}={v}" for k, v in sorted(scope.items()) if v not in (None, "") and k != "kind"
    )
