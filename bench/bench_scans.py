"""Consumer scans over HTTP on loopback: the Digital Link resolver's JSON verdict and HTML page.

Each database (SQLite, the default; PostgreSQL too when reachable) gets a fresh data directory:
migrated, the demo loaded, then ITEMS more rice bags (half in each demo rice lot) issued,
commissioned, packed in cases of 20 and pallets of 10, stored, shipped to the carrier's hub,
received, shipped on to the live-stream base and received there, all through the real services
(codes issued and activated by `CodeService`, events captured and signed by the party stating
them), and the log checkpoint cosigned. Every one of those bags scans as genuine with a full
journey (plot, milling, QC report on one lot, custody timeline, proofs).

The real server then runs in a subprocess, as `livetrace serve` runs it (uvicorn,
`livetrace.api.asgi:app`, log level info), with 1 worker, then with 2 (one per core).
Load comes from `bench.loadgen` in another process, HTTP/1.1 keep-alive, after a warm-up:

* static baseline: `/static/app.css`, answered by the same app;
* JSON verdict: the item's link with `Accept: application/json`;
* HTML page: the item's link as a phone browser asks for it (Accept, Accept-Language, UA).

Every scan request names another item (the bags are shuffled and handed out in turn, wrapping
when the load outlasts them) and carries the device cookie of the one phone that scans that item,
so codes stay genuine and each request is a first or an early scan: a journey cache miss, as
for buyers scanning what they bought. For each: (a) open loop at RATE/s for SECONDS: p50, p99,
max latency from the scheduled start, errors, status and verdict counts, and the p99 ratio to
the static baseline's; requests still unanswered 10 s after the last was due count with their
age then (a lower bound, marked `>`); (b) closed loop, CONNECTIONS connections for CLOSED
seconds: requests/s (verifications/s for scans) and the ratio to the static baseline's; (c) for
the scans, open loop again at half of (b)'s rate: the latency of a load the server sustains.
Server CPU per request is read from /proc (the load generator's own CPU is reported too: it
shares the machine), with `uptime`'s load beside the figures. Every answer must be a 200 and
every scan answer must carry a verdict, or the run fails (after printing everything, with the
server log's exceptions).

Before the server starts, one request of each kind goes through the app in process with the
SQL statements counted (a first scan, a repeated scan with the journey cached, the static file).

The resolver's per-client rate limits are raised for the run: all load comes from one address.

Knobs: LIVETRACE_BENCH_SCANS_SECONDS (10), LIVETRACE_BENCH_SCANS_RATE (500),
LIVETRACE_BENCH_SCANS_CLOSED (closed-loop seconds, 5), LIVETRACE_BENCH_SCANS_CONNECTIONS
(closed-loop connections, 4), LIVETRACE_BENCH_SCANS_ITEMS (extra items, 20000),
LIVETRACE_BENCH_SCANS_WORKERS (the server passes' worker counts, "1,2"),
LIVETRACE_BENCH_SCANS_DB (sqlite or postgresql: only that one), LIVETRACE_BENCH_PG_URL (server
URL; a scratch database is created on it and dropped), LIVETRACE_BENCH_SCANS_PROFILE (a folder:
record the 1-worker server with py-spy during the open-loop HTML run, and print its busiest
functions), LIVETRACE_BENCH_SCANS_PORT (first port to try, 18700).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from livetrace.codes.repository import CodeRepository
from livetrace.codes.schemas import IssueRequest
from livetrace.codes.states import CodeState
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.demo import data as d
from livetrace.demo import events as e
from livetrace.demo import witness
from livetrace.demo.context import Demo
from livetrace.demo.events import CST, Clock
from livetrace.demo.loader import load_demo
from livetrace.identity.policy import SYSTEM
from livetrace.identity.repository import IdentityRepository
from livetrace.kit.clock import utcnow
from livetrace.migrations import runner
from livetrace.store.uow import unit_of_work

SECONDS = float(os.environ.get("LIVETRACE_BENCH_SCANS_SECONDS", "10"))
RATE = float(os.environ.get("LIVETRACE_BENCH_SCANS_RATE", "500"))
CLOSED = float(os.environ.get("LIVETRACE_BENCH_SCANS_CLOSED", "5"))
CONNECTIONS = int(os.environ.get("LIVETRACE_BENCH_SCANS_CONNECTIONS", "4"))
ITEMS = int(os.environ.get("LIVETRACE_BENCH_SCANS_ITEMS", "20000"))
WORKERS = [int(n) for n in os.environ.get("LIVETRACE_BENCH_SCANS_WORKERS", "1,2").split(",")]
ONLY = os.environ.get("LIVETRACE_BENCH_SCANS_DB")
PG_URL = os.environ.get(
    "LIVETRACE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PROFILE = os.environ.get("LIVETRACE_BENCH_SCANS_PROFILE")
FIRST_PORT = int(os.environ.get("LIVETRACE_BENCH_SCANS_PORT", "18700"))
PG_DATABASE = "livetrace_bench_scans"
TARGET_P99_MS = 50.0
OPEN_CONNECTIONS = 64  # enough for 500/s at 100 ms each; a slower server queues in the client
WARMUP = 2.0
PER_CASE, PER_PALLET, PER_COMMISSION = 20, 10, 500
STATIC = "/static/app.css"
PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")  # fmt: skip
HTML_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    "User-Agent": PHONE,
}
JSON_HEADERS = {"Accept": "application/json", "User-Agent": PHONE}
VERDICT_JSON = r'"verdict":\s*"([a-z]+)"'
VERDICT_HTML = r'data-verdict="([a-z]+)"'


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of request the bench sends."""

    label: str
    headers: dict[str, str]
    tally: str  # the verdict pattern; empty for the static baseline
    scan: bool


KINDS = (
    Kind(f"static {STATIC}", {"Accept": "text/css,*/*;q=0.1", "User-Agent": PHONE}, "", False),
    Kind("JSON verdict", JSON_HEADERS, VERDICT_JSON, True),
    Kind("HTML page", HTML_HEADERS, VERDICT_HTML, True),
)


@dataclass
class Items:
    """Scan targets (path and query of each item's link), handed out in turn."""

    paths: list[str]
    position: int = 0

    def take(self, n: int) -> list[str]:
        """The next `n` targets, wrapping around."""
        out = self.peek(n)
        self.position += n
        return out

    def peek(self, n: int) -> list[str]:
        """The next `n` targets, wrapping around, left for the next caller (see `used`)."""
        return [self.paths[(self.position + i) % len(self.paths)] for i in range(n)]

    def used(self, n: int) -> None:
        """Move past the `n` targets a run actually sent."""
        self.position += n


@dataclass
class Failures:
    """Checks that did not hold; the run fails at the end when there are any."""

    messages: list[str] = field(default_factory=list)


# --- data ------------------------------------------------------------------------------------


def _settings(data_dir: Path, database_url: str | None, port: int) -> dict[str, str]:
    """The server's environment: a fresh data dir, its database, limits raised for one client."""
    env = {
        "LIVETRACE_DATA_DIR": str(data_dir),
        "LIVETRACE_BASE_URL": f"http://127.0.0.1:{port}",
        "LIVETRACE_ENVIRONMENT": "development",
        "LIVETRACE_RESOLVER_RATE_BURST": "1000000000",
        "LIVETRACE_RESOLVER_RATE_PER_MINUTE": "1000000000",
        "LIVETRACE_RESOLVER_FAILURE_BURST": "1000000000",
        "LIVETRACE_RESOLVER_FAILURE_PER_MINUTE": "1000000000",
    }
    if database_url:
        env["LIVETRACE_DATABASE_URL"] = database_url
    return env


def _settings_of(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=Path(env["LIVETRACE_DATA_DIR"]),
        database_url=env.get("LIVETRACE_DATABASE_URL"),
        base_url=env["LIVETRACE_BASE_URL"],
        resolver_rate_burst=int(env["LIVETRACE_RESOLVER_RATE_BURST"]),
        resolver_rate_per_minute=float(env["LIVETRACE_RESOLVER_RATE_PER_MINUTE"]),
        resolver_failure_burst=int(env["LIVETRACE_RESOLVER_FAILURE_BURST"]),
        resolver_failure_per_minute=float(env["LIVETRACE_RESOLVER_FAILURE_PER_MINUTE"]),
    )


def _prepare(settings: Settings) -> tuple[list[str], str]:
    """Migrate, load the demo and the extra items; their link paths, and what was loaded."""
    started = time.perf_counter()
    ctx = AppContext.from_settings(settings)
    try:
        runner.upgrade(ctx.engine)
        today = utcnow().astimezone(CST).date()
        with unit_of_work(ctx.sessions) as session:
            summary = load_demo(session, settings, ctx.encryptor, today=today)
        with unit_of_work(ctx.sessions) as session:
            demo = _demo(Demo(session, settings, ctx.encryptor, Clock(today)))
            half = ITEMS // 2
            paths = _bulk(demo, d.RICE_LOT, half, 10_000) if half else []
            paths += _bulk(demo, d.RICE_LOT_B, ITEMS - half, 20_000)
            size = witness.cosign(demo)
        if ctx.engine.dialect.name == "postgresql":
            # Planner statistics for the fresh tables, as autovacuum gathers them after a load
            # (without them PostgreSQL guessed an event lookup by identifier would match one
            # event in the whole table, and scanned every event the other way round).
            with ctx.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
    finally:
        ctx.engine.dispose()
    what = (f"demo ({summary.events} events) + {len(paths):,} rice bags ({demo.events:,} events), "
            f"log size {size:,}, loaded in {time.perf_counter() - started:.1f} s")  # fmt: skip
    random.Random(7).shuffle(paths)
    return paths, what


def _demo(demo: Demo) -> Demo:
    """The demo context over a loaded database: the parties and their GLNs."""
    repo = IdentityRepository(demo.session)
    for entry in d.PARTIES:
        party = repo.party_by_name(entry["name"])
        assert party is not None
        demo.parties[party.name] = party.id
        if party.gln:
            demo.glns[party.name] = party.gln
    return demo


def _bulk(demo: Demo, lot: str, count: int, sscc_base: int) -> list[str]:
    """Issue, commission, pack, store, ship and receive `count` bags of a rice lot."""
    t, g = demo.clock, demo.glns
    run = demo.codes.issue(SYSTEM, IssueRequest(product=d.RICE_GTIN, lot=lot, count=count))
    demo.codes.transition_run(SYSTEM, run.id, CodeState.PRINTED)
    serials = [s for chunk in CodeRepository(demo.session).iter_serials(run.id)
               for _, s, _ in chunk if s is not None]  # fmt: skip
    items = [e.item(d.RICE_GTIN, s) for s in serials]
    expiry = t.day(18 - 365)
    commission = [e.commission_items(t.at(17, "09:00"), d.MILL_LINE, items[i : i + PER_COMMISSION],
                                     lot, expiry, mill_line="MILL-1", shift="早班")
                  for i in range(0, len(items), PER_COMMISSION)]  # fmt: skip
    cases = [e.sscc("6970002", sscc_base + i) for i in range(-(-len(items) // PER_CASE))]
    pallets = [e.sscc("6970002", sscc_base + 5_000 + i)
               for i in range(-(-len(cases) // PER_PALLET))]  # fmt: skip
    packing = [e.pack(t.at(17, "09:40"), d.MILL_LINE, case, items[PER_CASE * i : PER_CASE * (i + 1)])
               for i, case in enumerate(cases)]  # fmt: skip
    packing += [e.pack(t.at(17, "10:05"), d.MILL_LINE, pallet,
                       cases[PER_PALLET * i : PER_PALLET * (i + 1)])
                for i, pallet in enumerate(pallets)]  # fmt: skip
    demo.state(d.MILL, *commission, *packing, e.store(t.at(17, "11:00"), d.RICE_STORE, pallets))
    order = e.bt(g[d.STREAMER], f"PO-XY-BENCH-{sscc_base}")
    to_hub = e.Move(g[d.MILL], d.RICE_STORE, g[d.CARRIER], d.HUB,
                    (("po", order), ("desadv", e.bt(g[d.MILL], f"DA-B-{sscc_base}"))))  # fmt: skip
    to_base = e.Move(g[d.CARRIER], d.HUB, g[d.STREAMER], d.LIVE_BASE,
                     (("po", order), ("bol", e.bt(g[d.CARRIER], f"SD-B-{sscc_base}"))))  # fmt: skip
    demo.state(d.MILL, e.ship(t.at(15, "08:30"), d.RICE_STORE, pallets, to_hub))
    demo.state(
        d.CARRIER,
        e.receive(t.at(14, "16:20"), d.HUB, pallets, to_hub),
        e.ship(t.at(12, "09:10"), d.HUB, pallets, to_base),
    )
    demo.state(d.STREAMER, e.receive(t.at(12, "14:00"), d.LIVE_BASE, pallets, to_base))
    demo.activate(run)
    signer = demo.codes.keyring.signer(d.RICE_GTIN, lot)
    links = signer.links(signer.link_prefix(demo.settings.base_url), serials, signer.tags(serials))
    return [_local(link) for link in links]


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- SQL statements per request, in process --------------------------------------------------


@contextmanager
def _counting() -> Iterator[list[str]]:
    """Every SQL statement any engine runs, while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]).split(None, 1)[0].upper())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _in_process(settings: Settings, items: Items) -> list[str]:
    """One request of each kind through the app in process: statements and time, as lines."""
    from fastapi.testclient import TestClient  # noqa: PLC0415 - only this measurement needs it

    from livetrace.api.app import create_app  # noqa: PLC0415 - reads no settings at import

    lines = []
    app = create_app(settings)
    with TestClient(app, base_url=settings.base_url) as client:
        client.get("/healthz")
        warm, first, again = items.take(3)
        client.get(warm, headers=JSON_HEADERS)
        client.get(warm, headers=HTML_HEADERS)
        cases = [
            ("static file", STATIC, KINDS[0].headers, None),
            ("JSON verdict, first scan of an item", first, JSON_HEADERS, "a"),
            ("JSON verdict, same item again (journey cached)", first, JSON_HEADERS, "a"),
            ("HTML page, first scan of an item", again, HTML_HEADERS, "b"),
            ("HTML page, same item again (journey cached)", again, HTML_HEADERS, "b"),
        ]
        for label, path, headers, device in cases:
            cookies = {"lt_device": f"benchdevice{device * 20}"} if device else {}
            client.cookies.clear()
            with _counting() as seen:
                started = time.perf_counter()
                response = client.get(path, headers=headers, cookies=cookies)
                took = (time.perf_counter() - started) * 1000
            kinds = Counter(seen)
            detail = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
            lines.append(f"    {label:<50} {response.status_code}  {len(seen):>3} statements "
                         f"({detail})  {took:6.1f} ms")  # fmt: skip
    app.state.ctx.engine.dispose()
    return lines


# --- the server --------------------------------------------------------------------------------


def _free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@contextmanager
def _server(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[int]:
    """`livetrace serve` in a subprocess; yields its pid once /healthz answers."""
    code = ("import sys; from livetrace.cli.main import app; "
            "sys.argv = ['livetrace', 'serve', '--port', sys.argv[1], '--workers', sys.argv[2]]; "
            "app()")  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(port), str(workers)],
            env=os.environ | env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_healthy(port, process)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not answer /healthz in 90 s")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        own = int(stat.parent.name)
        if own == pid or int(fields[1]) == pid:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _settle(pid: int) -> None:
    """Wait (15 s at most) until the server is idle: an overloaded run leaves work behind."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        before = _cpu_seconds(pid)
        time.sleep(0.5)
        if _cpu_seconds(pid) - before < 0.05:
            return


# --- load ------------------------------------------------------------------------------------


def _load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run `bench.loadgen` in its own process."""
    limit = spec["warmup"] + spec["duration"] + 10 + 60  # 10 s: the load generator's drain
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", "-"], input=json.dumps(spec),
            capture_output=True, text=True, check=False, timeout=limit,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"loadgen did not finish in {limit:.0f} s") from error
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _spec(port: int, kind: Kind, targets: list[str], *, rate: float, seconds: float,
          connections: int, warmup: float = 0.0) -> dict[str, Any]:  # fmt: skip
    return {"host": "127.0.0.1", "port": port, "targets": targets, "rate": rate,
            "duration": seconds, "connections": connections, "headers": kind.headers,
            "warmup": warmup, "device_cookie": "target" if kind.scan else "",
            "tally": kind.tally}  # fmt: skip


def _targets(kind: Kind, items: Items, n: int) -> list[str]:
    return [STATIC] if not kind.scan else items.peek(n)


def _load1() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def uptime() -> str:
    """What `uptime` prints (its load averages), for the figures beside it."""
    found = shutil.which("uptime")
    if found:
        return subprocess.run([found], capture_output=True, text=True, check=False).stdout.strip()
    return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _check(kind: Kind, result: dict[str, Any], where: str, failures: Failures) -> str:
    """'ok', or what is wrong (also remembered as a failure)."""
    problems = []
    if result["errors"]:
        problems.append(f"{result['errors']} errors {result['error_kinds']}")
    other = {s: n for s, n in result["statuses"].items() if s != "200"}
    if other:
        problems.append(f"statuses {other}")
    if kind.scan and result["tallies"].get("(none)"):
        problems.append(f"{result['tallies']['(none)']} answers without a verdict")
    if not result["completed"]:
        problems.append("nothing completed")
    if problems:
        failures.messages.append(f"{where} {kind.label}: " + "; ".join(problems))
        return "FAILED: " + "; ".join(problems)
    return "ok"


def _verdicts(result: dict[str, Any]) -> str:
    tallies: dict[str, int] = result["tallies"]
    return " ".join(f"{k}:{n}" for k, n in sorted(tallies.items())) or "-"


HEAD = (f"    {'request':<24} {'mode':<14} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'vs static':>10} {'CPU ms/req':>10} {'client CPU':>10} {'load1':>6}  "
        "statuses / verdicts / check")  # fmt: skip


def _row(kind: Kind, mode: str, result: dict[str, Any], *, ratio: str, server_cpu: float,
         check: str, load1: str) -> str:  # fmt: skip
    done = max(1, result["completed"])
    statuses = " ".join(f"{s}:{n}" for s, n in sorted(result["statuses"].items()))
    if result.get("unfinished"):
        statuses += f" unfinished:{result['unfinished']}"
    if result.get("retries"):
        statuses += f" resent:{result['retries']}"
    bound = ">" if result.get("unfinished") else " "  # unfinished ages are lower bounds
    return (f"    {kind.label:<24} {mode:<14} {result['rps']:8.1f} {result['p50_ms']:8.1f} "
            f"{bound}{result['p99_ms']:7.0f} {bound}{result['max_ms']:7.0f} {ratio:>10} "
            f"{server_cpu * 1000 / done:10.2f} {result['client_cpu_s']:9.1f}s {load1:>6}  "
            f"{statuses} / {_verdicts(result)} / {check}")  # fmt: skip


def _measure(pid: int, spec: dict[str, Any], items: Items) -> tuple[dict[str, Any], float, str]:
    _settle(pid)
    cpu = _cpu_seconds(pid)
    result = _load(spec)
    if len(spec["targets"]) > 1:
        items.used(result["targets_used"])
    return result, _cpu_seconds(pid) - cpu, _load1()


@dataclass(frozen=True, slots=True)
class Server:
    """A running server: where it listens, its pid, how many workers, on which database."""

    port: int
    pid: int
    workers: int
    where: str


def _pass(server: Server, items: Items, failures: Failures, profile: Path | None) -> None:
    """Warm up, then the open- and closed-loop runs of every kind against one server."""
    port, pid, workers, where = server.port, server.pid, server.workers, server.where
    for kind in KINDS:
        warm = _load(_spec(port, kind, _targets(kind, items, int(200 * WARMUP)), rate=0,
                           seconds=WARMUP, connections=CONNECTIONS))  # fmt: skip
        if kind.scan:
            items.used(warm["targets_used"])
    print(f"  {where}, {workers} worker{'s' if workers > 1 else ''}: {uptime()}")
    print(HEAD)
    open_p99: dict[str, float] = {}
    for kind in KINDS:
        spec = _spec(port, kind, _targets(kind, items, int(RATE * SECONDS)), rate=RATE,
                     seconds=SECONDS, connections=OPEN_CONNECTIONS)  # fmt: skip
        spy = _spy(pid, profile, where) if profile is not None and kind is KINDS[2] else None
        try:
            result, cpu, load1 = _measure(pid, spec, items)
        finally:
            if spy is not None and profile is not None:
                _stop_spy(spy, profile, where)
        open_p99[kind.label] = result["p99_ms"]
        base = open_p99[KINDS[0].label]
        ratio = f"{result['p99_ms'] / base:.1f}x p99" if base else "-"
        mode = f"open {RATE:g}/s"
        check = _check(kind, result, where, failures)
        print(_row(kind, mode, result, ratio=ratio, server_cpu=cpu, check=check, load1=load1))
        if kind.scan:
            met = result["p99_ms"] < TARGET_P99_MS and not result["unfinished"]
            lag = result["dispatch_lag_ms"]
            print(f"      target p99 < {TARGET_P99_MS:g} ms at {RATE:g}/s: "
                  f"{'met' if met else 'MISSED'}  ({result['completed']:,} of "
                  f"{result['scheduled']:,} answered, in {result['elapsed_s']:.1f} s; p90 "
                  f"{result['p90_ms']:.1f} ms; scheduler lag at worst {lag:.1f} ms)")  # fmt: skip
    closed_rps: dict[str, float] = {}
    for kind in KINDS:
        # Enough targets for a server far faster than this one; only those sent are used up.
        spec = _spec(port, kind, _targets(kind, items, int(2000 * CLOSED)), rate=0,
                     seconds=CLOSED, connections=CONNECTIONS)  # fmt: skip
        result, cpu, load1 = _measure(pid, spec, items)
        closed_rps[kind.label] = result["rps"]
        base = closed_rps[KINDS[0].label]
        ratio = f"{result['rps'] / base:.2f}x req/s" if base else "-"
        mode = f"closed {CONNECTIONS} conn"
        check = _check(kind, result, where, failures)
        print(_row(kind, mode, result, ratio=ratio, server_cpu=cpu, check=check, load1=load1))
    # The latency a sustainable load gets: open loop at half the closed-loop throughput.
    for kind in KINDS[1:]:
        rate = round(closed_rps[kind.label] / 2, 1)
        if rate < 1:
            continue
        spec = _spec(port, kind, _targets(kind, items, int(rate * SECONDS)), rate=rate,
                     seconds=SECONDS, connections=OPEN_CONNECTIONS)  # fmt: skip
        result, cpu, load1 = _measure(pid, spec, items)
        base = open_p99[KINDS[0].label]
        ratio = f"{result['p99_ms'] / base:.1f}x p99" if base else "-"
        check = _check(kind, result, where, failures)
        print(_row(kind, f"open {rate:g}/s", result, ratio=ratio, server_cpu=cpu, check=check,
                   load1=load1))  # fmt: skip


# --- profiling (optional) ----------------------------------------------------------------------


def _spy(pid: int, folder: Path, where: str) -> subprocess.Popen[bytes] | None:
    found = shutil.which("py-spy")
    if found is None:
        print("      (py-spy not found: no profile)")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"scans-{where}.txt"
    return subprocess.Popen(
        [found, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking",
         "--output", str(out), "--duration", str(int(SECONDS + 2))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop_spy(spy: subprocess.Popen[bytes], folder: Path, where: str) -> None:
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    path = folder / f"scans-{where}.txt"
    if path.exists():
        print(f"      py-spy profile of the HTML run: {path}")
        for line in top_functions(path, 15):
            print(f"        {line}")


def top_functions(path: Path, n: int) -> list[str]:
    """A py-spy raw (collapsed) profile summed up: samples of busy threads (idle pool threads
    left out) by the innermost frame in livetrace (the project function the time is under), and
    by the library of the innermost frame (psycopg there means waiting on a database round trip)."""
    ours: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        leaf = frames[-1]
        if any(idle in leaf for idle in ("threading.py", "selectors.py", "queue.py")):
            continue
        total += int(count)
        own = [f for f in frames if "livetrace/" in f]
        ours[_frame(own[-1]) if own else "(outside livetrace)"] += int(count)
        where = leaf.partition(" (")[2]
        leaves[where.split("/")[0].split(":")[0] if "/" in where else "(stdlib)"] += int(count)
    if not total:
        return ["(no busy samples)"]
    rows = [f"{total} busy samples; by innermost livetrace function:"]
    rows += [f"  {100 * c / total:5.1f}%  {f}" for f, c in ours.most_common(n)]
    rows.append("by library of the innermost frame:")
    rows += [f"  {100 * c / total:5.1f}%  {f}" for f, c in leaves.most_common(6)]
    return rows


def _frame(frame: str) -> str:
    """`Class.method (livetrace/pkg/mod.py:12)` -> `Class.method (pkg/mod.py)`."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.split('livetrace/', 1)[-1].split(':')[0]})"


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def _pg_database() -> Iterator[str | None]:
    """A scratch PostgreSQL database (dropped afterwards); None when no server answers."""
    import psycopg  # noqa: PLC0415 - only when PostgreSQL is benchmarked

    url = make_url(PG_URL)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"  postgresql: skipped ({str(error).strip().splitlines()[0]})")
        yield None
        return
    try:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        yield url.set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        conn.close()


def _bench(where: str, database_url: str | None, failures: Failures) -> None:
    with tempfile.TemporaryDirectory(prefix="livetrace-scans-") as folder:
        port = _free_port(FIRST_PORT)
        env = _settings(Path(folder) / "var", database_url, port)
        settings = _settings_of(env)
        paths, what = _prepare(settings)
        items = Items(paths)
        print(f"  {where}: {what}")
        print("  SQL statements and time per request, in process (no HTTP, one at a time):")
        for line in _in_process(settings, items):
            print(line)
        log = Path(folder) / "server.log"
        profile = Path(PROFILE) if PROFILE else None
        try:
            for workers in WORKERS:
                with _server(env, port, workers, log) as pid:
                    spy = profile if workers == WORKERS[0] else None
                    _pass(Server(port, pid, workers, where), items, failures, spy)
        except RuntimeError:
            print(log.read_text(errors="replace")[-3000:])
            raise
        text = log.read_text(errors="replace")
        print(f"  server log: {text.count(chr(10)):,} lines (uvicorn access log, as `livetrace serve` "
              f"writes); {text.count('Traceback')} tracebacks")  # fmt: skip
        for line in server_errors(text):
            print(f"    {line}")


def server_errors(log: str) -> list[str]:
    """The exceptions in a server log, most frequent first, and the last traceback's end."""
    kinds: Counter[str] = Counter()
    last: list[str] = []
    block: list[str] | None = None
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            block = [line]
        elif block is not None:
            block.append(line)
            markers = ("During handling", "The above exception", "Traceback", "+", "|")
            if line and not line[0].isspace() and not line.startswith(markers):
                kinds[line[:160]] += 1
                last, block = block, None
    if not kinds:
        return []
    out = [f"{n:>6} x {kind}" for kind, n in kinds.most_common(5)]
    return [*out, "the last traceback, end:", *(f"  {x}" for x in last[-12:])]


def main() -> None:
    """Print the table; fail when an answer was wrong."""
    print(f"scans over HTTP: open loop {RATE:g}/s for {SECONDS:g} s ({OPEN_CONNECTIONS} "
          f"connections), closed loop {CONNECTIONS} connections for {CLOSED:g} s; "
          f"{ITEMS:,} extra items; {os.cpu_count()} CPUs")  # fmt: skip
    print(f"  start: {uptime()}")
    failures = Failures()
    if ONLY in (None, "", "sqlite"):
        _bench("sqlite", None, failures)
    if ONLY in (None, "", "postgresql"):
        with _pg_database() as url:
            if url is not None:
                _bench("postgresql", url, failures)
    print(f"  end: {uptime()}")
    if failures.messages:
        raise SystemExit("scan bench: wrong answers: " + " | ".join(failures.messages))


if __name__ == "__main__":
    main()
