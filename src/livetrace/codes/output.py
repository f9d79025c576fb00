"""Writing a run export in the format a caller asked for (shared by the API and the CLI)."""

from __future__ import annotations

import io
from enum import StrEnum
from typing import IO

from livetrace.codes import export, render
from livetrace.codes.service import RunExport


class ExportFormat(StrEnum):
    """File formats a run can be exported as."""

    CSV = "csv"
    ZIP = "zip"
    PDF = "pdf"
    EPC_HEX = "epc-hex"


MEDIA_TYPES = {
    ExportFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    ExportFormat.ZIP: ("application/zip", "zip"),
    ExportFormat.PDF: ("application/pdf", "pdf"),
    ExportFormat.EPC_HEX: ("text/plain; charset=utf-8", "txt"),
}


def write_export(
    job: RunExport, fmt: ExportFormat, out: IO[bytes], *, layout: str = render.DEFAULT_LAYOUT
) -> int:
    """Write a run export in `fmt` to a binary file; returns the number of codes (or labels)."""
    if fmt is ExportFormat.ZIP:
        return export.write_zip(job.info, job.chunks, out)
    if fmt is ExportFormat.PDF:
        sheet = render.layout_named(layout)
        labels = (label for chunk in job.chunks for label in labels_of(job, chunk))
        return render.label_sheet(labels, sheet, out, title=f"{job.product_name} {job.run.gtin}")
    if fmt is ExportFormat.EPC_HEX and not job.info.epc:
        raise export.not_rfid_error(job.run.target)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        if fmt is ExportFormat.EPC_HEX:
            return export.write_epc_hex(job.chunks, text)
        return export.write_csv(job.info, job.chunks, text)
    finally:
        text.flush()
        text.detach()


def labels_of(job: RunExport, chunk: list[export.ExportRow]) -> list[render.Label]:
    """Labels for one chunk of rows: the code's link plus GTIN, lot, expiry and serial lines.

    A batch-level run prints its one code `count` times.
    """
    info = job.info
    rows = [(row.uri, info.gtin, info.lot, info.expiry, row.serial) for row in chunk]
    if job.run.level == "batch":
        rows = rows * job.run.count
    return render.labels_for(rows, title=job.product_name or None)
