"""A run's CSV written on a thread of its own while the issuing thread stores the next chunk.

Issuing a large run into SQLite and writing its print-house CSV are about equally split between
the database engine and Python: storing a chunk runs inside SQLite with the GIL released, and
making its lines (authenticators, links) is Python. Handing each stored chunk to a second thread
lets both halves run at once on two cores. Only stored chunks are handed over: a chunk whose
serials collided is stored with replacement serials, and the file must hold those.

The thread touches nothing but the line maker and the output stream; the database session stays
with the issuing thread. A failure on either side stops both: the issuing side sees the writing
thread's error at its next hand-over or at the end, and an error on the issuing side makes the
thread drop what is still queued and stop.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import IO

from livetrace.codes.export import csv_header
from livetrace.codes.lines import LineMaker
from livetrace.codes.states import CodeState

DEPTH = 3  # chunks queued between the two threads: enough to smooth out uneven chunk costs
# Lines are made and written SLICE rows at a time. Writing a file gives up the GIL, so the
# issuing thread, back from a call into SQLite, waits about one slice for it rather than the
# interpreter's switch interval (5 ms), which it would otherwise pay several times per chunk.
SLICE = 500
_Chunk = tuple[int, Sequence[str | None]]  # first seq (from 0), serials in issue order


class CsvPipeline:
    """Writes the header, then each handed-over chunk's CSV lines in order, on a thread.

    Use as a context manager: leaving the block normally waits for the last lines, flushes the
    stream and raises the thread's error if it had one; leaving it with an exception stops the
    thread without writing further. The stream is the caller's to close (or discard).
    """

    def __init__(self, maker: LineMaker, out: IO[str], *, depth: int = DEPTH) -> None:
        self.maker = maker
        self.out = out
        self.rows = 0
        self._queue: queue.Queue[_Chunk | None] = queue.Queue(depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="codes-csv", daemon=True)

    def __enter__(self) -> CsvPipeline:
        self.out.write(csv_header(self.maker.info))
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self._stop.set()
        self._queue.put(None)
        self._thread.join()
        if kind is None:
            self._raise_thread_error()

    def put(self, start: int, serials: Sequence[str | None]) -> None:
        """Hand over a stored chunk: its first sequence number (from 0) and its serials."""
        self._raise_thread_error()
        self._queue.put((start, serials))

    def _raise_thread_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        # Consume until the end marker even after an error, so the issuing side never blocks
        # on a full queue; what comes after an error or a stop is dropped.
        issued = CodeState.ISSUED.value
        while (chunk := self._queue.get()) is not None:
            if self._error is not None or self._stop.is_set():
                continue
            start, serials = chunk
            try:
                for at in range(start, start + len(serials), SLICE):
                    part = serials[at - start : at - start + SLICE]
                    self.out.write(
                        self.maker.text([(at + i, s, issued) for i, s in enumerate(part)])
                    )
                self.rows += len(serials)
            except BaseException as error:  # noqa: BLE001 - re-raised on the issuing thread
                self._error = error
        if self._error is None and not self._stop.is_set():
            try:
                self.out.flush()
            except BaseException as error:  # noqa: BLE001 - re-raised on the issuing thread
                self._error = error
