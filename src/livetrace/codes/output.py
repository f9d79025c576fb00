"""Writing a run export in the format a caller asked for (shared by the API and the CLI)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO

from livetrace.codes import export, render
from livetrace.codes.errors import InvalidCodeRequestError
from livetrace.codes.service import RunExport


class ExportFormat(StrEnum):
    """File formats a run can be exported as."""

    CSV = "csv"
    ZIP = "zip"
    PDF = "pdf"
    SCRATCH_PDF = "scratch-pdf"
    EPC_HEX = "epc-hex"


MEDIA_TYPES = {
    ExportFormat.CSV: ("text/csv; charset=utf-8", "csv"),
    ExportFormat.ZIP: ("application/zip", "zip"),
    ExportFormat.PDF: ("application/pdf", "pdf"),
    ExportFormat.SCRATCH_PDF: ("application/pdf", "pdf"),
    ExportFormat.EPC_HEX: ("text/plain; charset=utf-8", "txt"),
}


def default_layout(fmt: ExportFormat) -> str:
    """The label sheet a PDF format uses unless told otherwise."""
    return render.SCRATCH_LAYOUT if fmt is ExportFormat.SCRATCH_PDF else render.DEFAULT_LAYOUT


def write_export(
    job: RunExport, fmt: ExportFormat, out: IO[bytes], *, layout: str | None = None
) -> int:
    """Write a run export in `fmt` to a binary file; returns the number of codes (or labels)."""
    layout = layout or default_layout(fmt)
    if fmt is ExportFormat.ZIP:
        return export.write_zip_text(job.info, job.csv_chunks(), out)
    if fmt is ExportFormat.SCRATCH_PDF:
        return write_scratch_sheet(job, out, layout=layout)
    if fmt is ExportFormat.PDF:
        sheet = render.layout_named(layout)
        labels = (label for chunk in job.chunks for label in labels_of(job, chunk))
        return render.label_sheet(labels, sheet, out, title=f"{job.product_name} {job.run.gtin}")
    check_exportable(job, fmt)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        if fmt is ExportFormat.EPC_HEX:
            return export.write_epc_hex(job.chunks, text)
        return export.write_csv_text(job.info, job.csv_chunks(), text)
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


def check_exportable(job: RunExport, fmt: ExportFormat) -> None:
    """Raise unless the run has what `fmt` needs (EPCs for epc-hex, hidden codes for scratch)."""
    if fmt is ExportFormat.EPC_HEX and not job.info.epc:
        raise export.not_rfid_error(job.run.target)
    if fmt is ExportFormat.SCRATCH_PDF and not job.info.paired:
        raise InvalidCodeRequestError(
            "the run was issued without hidden codes (issue it with pairs), so it has no "
            "scratch-off labels",
            field="format",
        )


def write_scratch_sheet(job: RunExport, out: IO[bytes], *, layout: str) -> int:
    """The hidden codes of a paired run on scratch-off labels, in issue order."""
    check_exportable(job, ExportFormat.SCRATCH_PDF)
    sheet = render.layout_named(layout)
    labels = (label for chunk in job.chunks for label in scratch_labels_of(job, chunk))
    title = f"{job.product_name} {job.run.gtin} hidden codes"
    return render.scratch_sheet(labels, sheet, out, title=title)


def scratch_labels_of(job: RunExport, chunk: list[export.ExportRow]) -> list[render.ScratchLabel]:
    """Scratch-off labels for one chunk: the hidden code, and the item it goes with.

    The reference (sequence number and serial) lets the packer match each label to its item's
    public code; it is printed outside the panel and reveals nothing about the hidden code.
    """
    labels = [render.ScratchLabel(row.hidden_code or "", _reference(row)) for row in chunk]
    if job.run.level == "batch":
        return labels * job.run.count
    return labels


def _reference(row: export.ExportRow) -> str:
    return f"#{row.seq} SN {row.serial}" if row.serial is not None else f"#{row.seq}"


@contextmanager
def replacing_text_file(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text stream (CRLFs kept as written) that becomes `path` only if the block succeeds.

    It writes to a hidden file beside `path`, renamed over `path` once the block has left without
    an error and removed otherwise, so `path` never holds a partial file. Put the block that
    commits inside this one: the file then appears only for a committed run.
    """
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with part.open("x", encoding="utf-8", newline="") as handle:
            yield handle
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
