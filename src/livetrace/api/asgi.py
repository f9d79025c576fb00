"""ASGI entry point for uvicorn and other servers: `livetrace.api.asgi:app`."""

from __future__ import annotations

from livetrace.api.app import create_app

app = create_app()
