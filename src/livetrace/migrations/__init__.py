"""Alembic migrations for every feature's tables."""
