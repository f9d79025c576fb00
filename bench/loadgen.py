"""An HTTP/1.1 keep-alive load generator for loopback benchmarks, run in its own process.

Two modes:

* open loop (`rate` > 0): requests are *scheduled* at a fixed rate and each latency is measured
  from its scheduled start, not from when a connection became free, so a slow server cannot hide
  its queueing delay by slowing the client down (no coordinated omission);
* closed loop (`rate` = 0): each connection sends its next request as soon as the previous answer
  arrived, for the maximum throughput a few clients get; latency is measured from the send.

An optional warm-up (`warmup` seconds, same mode, results dropped) runs first, like `wrk`'s
first requests that only open connections and fill caches. Connections are persistent; responses
are read by Content-Length or chunked framing; a request that meets a keep-alive connection the
server has just closed for idleness is sent again on a new one, as browsers do (`retries`).
Each connection can carry its own device cookie (one simulated phone per connection), or each
target its own (one phone per scanned item).
`tally` is a regular expression with one group: the group's values over all response bodies are
counted, so a caller can check that every answer carries, say, a verdict.

Run as `python -m bench.loadgen '<json spec>'`, or `python -m bench.loadgen -` with the spec on
stdin (a long target list does not fit in one argument): prints one JSON result line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import resource
import secrets
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

MODES_OF_COOKIE = ("", "connection", "target")


@dataclass(frozen=True, slots=True)
class Spec:
    """What to send: request targets cycled in order, at `rate` per second for `duration` s."""

    host: str
    port: int
    targets: list[str]
    rate: float  # requests per second; 0 for a closed loop
    duration: float
    connections: int = 64
    headers: dict[str, str] = field(default_factory=dict)
    warmup: float = 0.0
    device_cookie: str = ""  # "", "connection" or "target" (see the module docstring)
    cookie_name: str = "lt_device"
    tally: str = ""  # regular expression with one group, searched in each body
    timeout: float = 30.0  # a request not answered by then counts as an error
    drain: float = 10.0  # open loop: how long the last requests may take once all are sent


@dataclass(slots=True)
class Result:
    """What came back: counts by status and latencies (ms)."""

    scheduled: int = 0
    completed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    tallies: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    bytes_read: int = 0
    dispatch_lag_ms: float = 0.0  # how late the scheduler itself ran at worst (open loop)
    # Open loop: requests still queued or in flight when the drain time ran out. Their age then
    # is a lower bound of their latency and is counted in `latencies_ms` as such.
    unfinished: int = 0
    retries: int = 0  # requests sent again after the server closed an idle connection
    closed: bool = False  # set once the unfinished are counted: later answers are not recorded
    targets_used: int = 0  # how far into the target list the run got (warm-up included)


class _Connection:
    """One keep-alive connection and the device it speaks for."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.device = secrets.token_urlsafe(16)
        self.tally = re.compile(spec.tally.encode()) if spec.tally else None

    async def send(self, target: str, result: Result, started: float) -> None:
        """One request; its latency counts from `started`."""
        try:
            status, body = await asyncio.wait_for(self._exchange(target, result), self.spec.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                ConnectionError, TimeoutError) as error:  # fmt: skip
            if not result.closed:
                result.errors[type(error).__name__] += 1
            self.close()
            return
        if result.closed:
            return
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.statuses[str(status)] += 1
        result.completed += 1
        result.bytes_read += len(body)
        if self.tally is not None:
            found = self.tally.search(body)
            result.tallies[found.group(1).decode("latin-1") if found else "(none)"] += 1

    async def _exchange(self, target: str, result: Result) -> tuple[int, bytes]:
        reused = self.writer is not None
        try:
            return await self._once(target)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            nothing = not isinstance(error, asyncio.IncompleteReadError) or not error.partial
            if not (reused and nothing):
                raise
        # The server closed the idle keep-alive connection as the request went out: send it
        # again on a new one, as browsers do for an idempotent request (RFC 9112, 9.3.1).
        self.close()
        result.retries += 1
        return await self._once(target)

    async def _once(self, target: str) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.spec.host, self.spec.port, limit=1 << 20
            )
        self.writer.write(self._request(target))
        return await _read_response(self.reader)

    def _request(self, target: str) -> bytes:
        spec = self.spec
        lines = [f"GET {target} HTTP/1.1", f"Host: {spec.host}:{spec.port}",
                 "Connection: keep-alive"]  # fmt: skip
        lines += [f"{k}: {v}" for k, v in spec.headers.items()]
        if spec.device_cookie == "connection":
            lines.append(f"Cookie: {spec.cookie_name}={self.device}")
        elif spec.device_cookie == "target":
            lines.append(f"Cookie: {spec.cookie_name}={target_device(target)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def target_device(target: str) -> str:
    """A stable device id for a target: the one phone that scans this item."""
    return hashlib.sha256(target.encode()).hexdigest()[:32]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one response; return (status, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return status, await _read_chunked(reader)
    raise ConnectionError("response without Content-Length or chunked framing")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append((await reader.readexactly(size + 2))[:size])
        if size == 0:
            return b"".join(parts)


class _Targets:
    """The spec's targets in order, cycled; the warm-up and the measured run continue one list."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.position = 0

    def next(self) -> str:
        """The next target."""
        target = self.targets[self.position % len(self.targets)]
        self.position += 1
        return target


async def _open_loop(
    spec: Spec, connections: list[_Connection], targets: _Targets, seconds: float
) -> Result:
    result = Result()
    queue: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()

    in_flight: dict[int, float] = {}

    async def worker(n: int, connection: _Connection) -> None:
        while (job := await queue.get()) is not None:
            scheduled, target = job
            in_flight[n] = scheduled
            await connection.send(target, result, scheduled)
            del in_flight[n]

    workers = [asyncio.create_task(worker(n, c)) for n, c in enumerate(connections)]
    total = int(spec.rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        due = start + i / spec.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.dispatch_lag_ms = max(result.dispatch_lag_ms, -delay * 1000)
        queue.put_nowait((due, targets.next()))
        result.scheduled += 1
    for _ in workers:
        queue.put_nowait(None)
    _done, pending = await asyncio.wait(workers, timeout=spec.drain)
    if pending:
        result.closed = True
        now = time.perf_counter()
        waiting = [job[0] for job in _drain(queue) if job is not None]
        ages = [(now - t) * 1000 for t in [*waiting, *in_flight.values()]]
        result.unfinished = len(ages)
        result.latencies_ms += ages
        for _ in pending:
            queue.put_nowait(None)  # a worker whose cancellation is lost still finds its end
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=5)
        for connection in connections:
            connection.close()  # an answer half read must not be taken for the next one's
    result.elapsed_s = time.perf_counter() - start
    return result


def _drain(queue: asyncio.Queue[tuple[float, str] | None]) -> list[tuple[float, str] | None]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


async def _closed_loop(
    spec: Spec, connections: list[_Connection], targets: _Targets, seconds: float
) -> Result:
    del spec  # same signature as the open loop
    result = Result()
    start = time.perf_counter()
    end = start + seconds

    async def worker(connection: _Connection) -> None:
        while (now := time.perf_counter()) < end:
            result.scheduled += 1
            await connection.send(targets.next(), result, now)

    await asyncio.gather(*(worker(c) for c in connections))
    result.elapsed_s = time.perf_counter() - start
    return result


async def run(spec: Spec) -> Result:
    """Warm up (if asked), then send the load and collect the result."""
    if spec.device_cookie not in MODES_OF_COOKIE:
        raise ValueError(f"device_cookie must be one of {MODES_OF_COOKIE}")
    connections = [_Connection(spec) for _ in range(spec.connections)]
    load = _open_loop if spec.rate > 0 else _closed_loop
    targets = _Targets(spec.targets)
    try:
        if spec.warmup > 0:
            await load(spec, connections, targets, spec.warmup)
        result = await load(spec, connections, targets, spec.duration)
        result.targets_used = targets.position
        return result
    finally:
        for connection in connections:
            connection.close()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summary(result: Result) -> dict[str, Any]:
    """Throughput and latency percentiles of a result."""
    lat = result.latencies_ms  # unfinished requests included, with their age as a lower bound
    return {
        "scheduled": result.scheduled,
        "completed": result.completed,
        "unfinished": result.unfinished,
        "retries": result.retries,
        "targets_used": result.targets_used,
        "errors": sum(result.errors.values()),
        "error_kinds": dict(result.errors),
        "statuses": dict(result.statuses),
        "tallies": dict(result.tallies),
        "rps": result.completed / result.elapsed_s if result.elapsed_s else 0.0,
        "elapsed_s": result.elapsed_s,
        "p50_ms": percentile(lat, 0.50),
        "p90_ms": percentile(lat, 0.90),
        "p99_ms": percentile(lat, 0.99),
        "max_ms": max(lat, default=float("nan")),
        "mean_bytes": result.bytes_read / result.completed if result.completed else 0,
        "dispatch_lag_ms": result.dispatch_lag_ms,
    }


def main(argv: list[str]) -> int:
    """Read a JSON spec from argv[0] (`-`: from stdin), run it, print the summary as JSON."""
    if len(argv) != 1:
        sys.stderr.write("usage: python -m bench.loadgen '<json spec>' | -\n")
        return 2
    spec = Spec(**json.loads(sys.stdin.read() if argv[0] == "-" else argv[0]))
    try:
        import uvloop  # noqa: PLC0415 - optional: a faster loop leaves more CPU to the server
    except ImportError:
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out = summary(result) | {
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
        "spec": asdict(spec) | {"targets": len(spec.targets)},
    }
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
