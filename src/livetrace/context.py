"""What every request handler needs, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from livetrace.config import Settings
from livetrace.crypto.keys import KeyEncryptor
from livetrace.store.engine import make_engine, make_sessionmaker


@dataclass(frozen=True, slots=True)
class AppContext:
    """Settings, the database and the key encryptor. No per-request state."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    encryptor: KeyEncryptor

    @classmethod
    def from_settings(cls, settings: Settings) -> AppContext:
        """Open the engine the settings name."""
        engine = make_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            encryptor=KeyEncryptor.from_secret(settings.secret_key.get_secret_value()),
        )
