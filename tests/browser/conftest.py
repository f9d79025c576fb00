"""A live server on a migrated SQLite file, and Debian's Chromium driven by Playwright.

Chromium and Playwright are required under CI=true (a missing one fails the test); elsewhere
the browser tests skip with the reason. One server per module, one browser per session.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from factories.resolver import ScanWorld, build_scan_world, resolver_settings
from livetrace.api.app import create_app
from livetrace.catalog.service import CatalogService
from livetrace.config import Settings
from livetrace.context import AppContext
from livetrace.demo.catalogue import CaseLink, case_links
from livetrace.demo.loader import load_demo
from livetrace.migrations import runner

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests need {reason} under CI=true")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, shared by every browser test."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional dependency
    except ImportError:
        _unavailable("Playwright (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Live:
    """The running server and the codes it answers."""

    url: str
    world: ScanWorld

    def at(self, path: str) -> str:
        """An absolute address on the server."""
        return self.url + path


@dataclass
class DemoLive:
    """The running server with the demo loaded, and its cases by key."""

    url: str
    cases: dict[str, CaseLink]

    def at(self, path: str) -> str:
        """An absolute address on the server."""
        return self.url + path


@pytest.fixture(scope="module")
def demo_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoLive]:
    """uvicorn in a thread on a free port, on a SQLite file holding the demo data set."""
    folder = tmp_path_factory.mktemp("demo")

    def fill(session: Session, settings: Settings, ctx: AppContext) -> None:
        load_demo(session, settings, ctx.encryptor)

    with _serving(folder, fill) as (url, ctx, _):
        with ctx.sessions() as session:
            cases = {c.case.key: c for c in case_links(session, ctx.settings, ctx.encryptor)}
        yield DemoLive(url, cases)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """uvicorn in a thread on a free port, on a SQLite file holding the scan world."""
    folder = tmp_path_factory.mktemp("live")

    def fill(session: Session, settings: Settings, ctx: AppContext) -> ScanWorld:
        return build_scan_world(session, ctx.encryptor, settings)

    with _serving(folder, fill) as (url, _, world):
        yield Live(url, world)


@contextmanager
def _serving(folder: Path, fill: Callable[[Session, Settings, AppContext], Any]) -> Iterator[
    tuple[str, AppContext, Any]
]:  # fmt: skip
    """A migrated SQLite file filled by `fill`, served by uvicorn in a thread on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = resolver_settings(folder, url).model_copy(
        update={"database_url": f"sqlite:///{folder / 'live.sqlite3'}"}
    )
    ctx = AppContext.from_settings(settings)
    runner.upgrade(ctx.engine)
    factory = sessionmaker(bind=ctx.engine, expire_on_commit=False)
    with factory.begin() as session:
        CatalogService(session).install_builtin_templates()
        filled = fill(session, settings, ctx)
    config = uvicorn.Config(create_app(ctx=ctx), log_level="warning", lifespan="off", ws="none",
                            http="h11")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.01)
    yield url, ctx, filled
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    ctx.engine.dispose()
