"""ASGI entry point for uvicorn and other servers: `livetrace.api.asgi:app`."""

from __future__ import annotations

from livetrace.api.app import create_app
from livetrace.kit.collector import settle_heap

app = create_app()
settle_heap()  # what start-up built lives as long as the worker: out of later collections
