"""CSV lines of a run made straight from its stored (seq, serial, state) rows, pure.

This is the print-house export's hot loop: for a million codes it computes a million
authenticators and writes a million lines. It makes no per-row objects: the MACs of a chunk come
out as one hex string, and each line is one f-string holding the serial, its Digital Link and its
authenticator. Chunks whose text could need CSV quoting or URI escaping (caller-supplied serials
with punctuation, a resolver URL with a comma) take the general path through `ExportRow`, which
gives the same bytes.

Everything runs in the calling process. Formatting the chunks in worker processes while the parent
reads the next ones was measured and did not pay off on the two-core machine: reading the rows
is as costly as formatting them, and the second core is rarely idle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from livetrace.codes.authenticator import (
    AUTH_PARAM,
    TAG_CHARS,
    CodeSigner,
    PrefixedHmac,
    fast_link,
    hidden_text,
)
from livetrace.codes.export import EpcEncoder, ExportRow, RunInfo, csv_field, line

StoredRow = tuple[int, str | None, str]  # seq (from 0), serial, state


@dataclass(slots=True)
class LineMaker:
    """Formats chunks of a run's stored rows as CSV text (header excluded).

    Holds what one run's lines need and nothing more: the product's MAC keys, not the keyring.
    """

    info: RunInfo
    version: int
    mac: PrefixedHmac
    link_prefix: str
    hidden: PrefixedHmac | None = None
    epc: EpcEncoder | None = None
    batch: tuple[str, str | None] | None = None  # a batch run's one link and hidden code
    _fixed: str = field(init=False)
    _plain: bool = field(init=False)

    def __post_init__(self) -> None:
        info = self.info
        self._fixed = ",".join(csv_field(v) for v in (info.gtin, info.lot, info.expiry or ""))
        # Links of this run need no CSV quoting if their shared part needs none.
        self._plain = self.batch is None and csv_field(self.link_prefix) == self.link_prefix

    @classmethod
    def for_signer(
        cls,
        info: RunInfo,
        signer: CodeSigner,
        stem: str,
        *,
        batch: bool = False,
        epc: EpcEncoder | None = None,
    ) -> LineMaker:
        """The line maker of a run whose codes `signer` authenticates, links under `stem`."""
        hidden = signer.hidden_mac() if info.paired else None
        whole = None
        if batch:
            hidden_code = signer.hidden_codes([None])[0] if info.paired else None
            whole = (signer.batch_link(stem), hidden_code)
        return cls(info, signer.version, signer.mac, signer.link_prefix(stem), hidden, epc, whole)

    def text(self, chunk: Sequence[StoredRow]) -> str:
        """The CSV lines of one chunk, in order."""
        serials = [serial or "" for _, serial, _ in chunk]
        if self._plain and _plain_serials(serials):
            return self._fast(chunk, serials)
        return "".join(line(row, self._fixed, self.info) for row in self.rows(chunk))

    def rows(self, chunk: Sequence[StoredRow]) -> list[ExportRow]:
        """The chunk as `ExportRow`s (labels, EPC lists, and CSV text that needs quoting)."""
        if self.batch is not None:
            link, hidden_code = self.batch
            return [
                ExportRow(seq + 1, serial, link, state, hidden_code) for seq, serial, state in chunk
            ]
        serials = [serial or "" for _, serial, _ in chunk]
        encoded = [s.encode("ascii") for s in serials]
        tags = b"".join(self.mac.digests(encoded, length=TAG_CHARS // 2)).hex().upper()
        head = f"{self.version}."
        prefix, epc = self.link_prefix, self.epc
        hidden = self._hidden_codes(encoded)
        return [
            ExportRow(
                seq=seq + 1,
                serial=serial,
                uri=fast_link(prefix, serial, head + tags[at : at + TAG_CHARS]),
                state=state,
                hidden_code=hidden_code,
                epc_hex=epc.hex(serial) if epc is not None else None,
            )
            for (seq, _, state), serial, hidden_code, at in zip(
                chunk, serials, hidden, range(0, len(tags), TAG_CHARS), strict=True
            )
        ]

    def _hidden_codes(self, encoded: list[bytes]) -> list[str | None]:
        if self.hidden is None:
            return [None] * len(encoded)
        return [hidden_text(d) for d in self.hidden.digests(encoded, length=16)]

    def _fast(self, chunk: Sequence[StoredRow], serials: list[str]) -> str:
        encoded = [s.encode("ascii") for s in serials]
        tags = b"".join(self.mac.digests(encoded, length=TAG_CHARS // 2)).hex().upper()
        head = f"?{AUTH_PARAM}={self.version}."
        fixed, prefix = self._fixed, self.link_prefix
        ends = self._ends(chunk, serials, encoded)
        return "".join(
            [
                f"{row[0] + 1},{fixed},{s},{prefix}{s}{head}{tags[at : at + TAG_CHARS]},{end}"
                for row, s, end, at in zip(
                    chunk, serials, ends, range(0, len(tags), TAG_CHARS), strict=True
                )
            ]
        )

    def _ends(
        self, chunk: Sequence[StoredRow], serials: list[str], encoded: list[bytes]
    ) -> list[str]:
        """Each line's state and optional columns, with the line break."""
        states = [state for _, _, state in chunk]
        if self.hidden is None and self.epc is None:
            return [f"{state}\r\n" for state in states]
        columns = [states]
        if self.hidden is not None:
            columns.append([hidden_text(d) for d in self.hidden.digests(encoded, length=16)])
        if self.epc is not None:
            columns.append([self.epc.hex(s) for s in serials])
        return [",".join(values) + "\r\n" for values in zip(*columns, strict=True)]


def _plain_serials(serials: list[str]) -> bool:
    """Whether every serial is non-empty ASCII letters and digits (no escaping, no quoting)."""
    if not all(serials):
        return False
    joined = "".join(serials)
    return joined.isascii() and joined.isalnum()


def csv_text(maker: LineMaker, chunks: Iterable[Sequence[StoredRow]]) -> Iterator[tuple[str, int]]:
    """Each chunk's CSV text and its row count, in order."""
    return ((maker.text(chunk), len(chunk)) for chunk in chunks)
