"""Print-house and encoder files: CSV, a ZIP with CSV and manifest, EPC hex lists, pure.

The CSV is RFC 4180 with CRLF line ends and a header row. Fields are quoted only when they hold a
comma, a quote or a line break; the run-wide fields (GTIN, lot, expiry) are quoted once per run
rather than once per row, which is what lets a million rows be written in seconds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from livetrace.codes.errors import InvalidCodeRequestError
from livetrace.codes.states import Target
from livetrace.gs1.epc import make_epc
from livetrace.gs1.epc_binary import encode, make_tag
from livetrace.gs1.keys import split_gtin

CSV_NAME = "codes.csv"
MANIFEST_NAME = "manifest.json"


class ExportRow(NamedTuple):
    """One code as print houses and encoders need it (a tuple: millions are made per export)."""

    seq: int
    serial: str | None
    uri: str
    state: str
    hidden_code: str | None = None
    epc_hex: str | None = None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run-wide fields repeated on every row, and what the manifest records."""

    gtin: str
    lot: str
    expiry: str | None
    paired: bool
    epc: bool
    manifest: Mapping[str, Any]


def csv_field(value: str) -> str:
    """`value` as one CSV field, quoted only when it must be."""
    # Four substring scans run in C; this is called twice per row of a million-row file.
    if "," not in value and '"' not in value and "\n" not in value and "\r" not in value:
        return value
    return '"' + value.replace('"', '""') + '"'


def csv_columns(info: RunInfo) -> list[str]:
    """The header of a run's CSV."""
    columns = ["seq", "gtin", "lot", "expiry", "serial", "digital_link", "state"]
    if info.paired:
        columns.append("hidden_code")
    if info.epc:
        columns.append("epc_hex")
    return columns


def csv_header(info: RunInfo) -> str:
    """The header line of a run's CSV, with its line break."""
    return ",".join(csv_columns(info)) + "\r\n"


def write_csv(info: RunInfo, chunks: Iterable[Sequence[ExportRow]], out: IO[str]) -> int:
    """Write the header and every row; returns the number of rows."""
    fixed = ",".join(csv_field(v) for v in (info.gtin, info.lot, info.expiry or ""))
    texts = (("".join(line(row, fixed, info) for row in chunk), len(chunk)) for chunk in chunks)
    return write_csv_text(info, texts, out)


def write_csv_text(info: RunInfo, texts: Iterable[tuple[str, int]], out: IO[str]) -> int:
    """Write the header and chunks of ready-made lines, given with their row counts."""
    out.write(csv_header(info))
    count = 0
    for text, rows in texts:
        out.write(text)
        count += rows
    return count


def line(row: ExportRow, fixed: str, info: RunInfo) -> str:
    """One CSV line; `fixed` is the run's GTIN, lot and expiry fields, already joined."""
    text = f"{row.seq},{fixed},{csv_field(row.serial or '')},{csv_field(row.uri)},{row.state}"
    if info.paired:
        text += f",{row.hidden_code or ''}"
    if info.epc:
        text += f",{row.epc_hex or ''}"
    return text + "\r\n"


class _HashingWriter(io.RawIOBase):
    """Passes bytes through to a file while hashing them (for the manifest's checksum)."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.sha256.update(view)
        self.target.write(view)
        return len(view)


def write_zip(info: RunInfo, chunks: Iterable[Sequence[ExportRow]], out: IO[bytes]) -> int:
    """A ZIP with `codes.csv` and `manifest.json` (run data, columns, row count, SHA-256)."""
    fixed = ",".join(csv_field(v) for v in (info.gtin, info.lot, info.expiry or ""))
    texts = (("".join(line(row, fixed, info) for row in chunk), len(chunk)) for chunk in chunks)
    return write_zip_text(info, texts, out)


def write_zip_text(info: RunInfo, texts: Iterable[tuple[str, int]], out: IO[bytes]) -> int:
    """`write_zip` from chunks of ready-made CSV lines and their row counts."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(CSV_NAME, "w", force_zip64=True) as member:
            hashing = _HashingWriter(member)
            text = io.TextIOWrapper(
                io.BufferedWriter(hashing, 1 << 16), encoding="utf-8", newline=""
            )
            count = write_csv_text(info, texts, text)
            text.flush()
            text.detach()
        manifest = {
            **info.manifest,
            "file": CSV_NAME,
            "columns": csv_columns(info),
            "rows": count,
            "sha256": hashing.sha256.hexdigest(),
        }
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=2))
    return count


def write_epc_hex(chunks: Iterable[Sequence[ExportRow]], out: IO[str]) -> int:
    """One EPC in hex per line, in issue order, for RFID encoders."""
    count = 0
    for chunk in chunks:
        out.write("".join(f"{row.epc_hex}\n" for row in chunk if row.epc_hex))
        count += len(chunk)
    return count


def not_rfid_error(target: str) -> InvalidCodeRequestError:
    """The error for an EPC export of a run whose codes are not meant for RFID tags."""
    return InvalidCodeRequestError(
        f"the run targets {target}; EPC encodings need a run that targets sgtin-96 or sgtin-198",
        field="format",
    )


class EpcEncoder:
    """EPC hex for the serials of one GTIN, SGTIN-96 or SGTIN-198, with a fixed filter value."""

    __slots__ = ("_high", "company_prefix", "filter_value", "reference", "scheme")

    def __init__(self, gtin: str, company_prefix: str, target: Target, filter_value: int) -> None:
        if target is Target.QR:
            raise not_rfid_error(target)
        self.company_prefix, self.reference = split_gtin(gtin, len(company_prefix))
        self.scheme = str(target)
        self.filter_value = filter_value
        # SGTIN-96 ends in a 38-bit serial: encode the fixed fields once, then add the serial.
        self._high = int(self._encode("0"), 16) if target is Target.SGTIN_96 else None

    def _encode(self, serial: str) -> str:
        epc = make_epc("sgtin", self.company_prefix, (self.reference, serial))
        return encode(make_tag(epc, self.scheme, self.filter_value))

    def hex(self, serial: str) -> str:
        """The tag's EPC binary encoding in upper-case hex."""
        if self._high is not None and serial.isdigit() and serial[0] != "0":
            value = int(serial)
            if value < 1 << 38:
                return f"{self._high | value:024X}"
        return self._encode(serial)


def csv_rows(data: str) -> list[dict[str, str]]:
    """Parse CSV text written by `write_csv` back into dicts (for checks and tests)."""
    return list(csv.DictReader(io.StringIO(data, newline="")))
