"""Deployment settings, read from `LIVETRACE_*` environment variables (and a `.env` file)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A well-known secret for development and tests. Production refuses to start with it, because
# anyone who knows it could decrypt every private signing key stored in the database.
DEVELOPMENT_SECRET = "livetrace-development-secret-do-not-use-in-production"  # noqa: S105


class Environment(StrEnum):
    """Where the service runs; production enforces the safety checks."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class InsecureConfigurationError(RuntimeError):
    """The settings would be unsafe in production."""


class Settings(BaseSettings):
    """Everything a deployment can configure."""

    model_config = SettingsConfigDict(
        env_prefix="LIVETRACE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(
        default=Path("./var"), description="Folder for the SQLite file and exports."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file in the data directory."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the Digital Link resolver that codes point to.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="Secret that encrypts private signing keys at rest (at least 32 characters).",
    )
    log_origin: str = Field(
        default="livetrace.example/log", description="Origin line of the verifiable log."
    )
    witness_policy: Path | None = Field(
        default=None,
        description="tlog-policy file: witnesses (with URLs) the log pushes checkpoints to, and "
        "the quorum that makes a checkpoint the published one.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    code_auth_version: int = Field(
        default=1, ge=1, le=9999, description="Key version new item-code authenticators use."
    )
    code_auth_retired_versions: list[int] = Field(
        default_factory=list,
        description="Authenticator key versions whose codes no longer verify (JSON list).",
    )
    epcis_capture_limit: int = Field(
        default=10_000, ge=1, description="Most events one capture call accepts (advertised)."
    )
    epcis_capture_file_size_limit: int = Field(
        default=64 << 20, ge=1024, description="Largest capture body in bytes (advertised)."
    )
    document_size_limit: int = Field(
        default=32 << 20, ge=1024, description="Largest evidence document upload in bytes."
    )
    scan_salt: SecretStr | None = Field(
        default=None,
        description="Salt of the device hashes in the scan log (default: derived from the "
        "secret key); changing it makes earlier scans count as other devices.",
    )
    resolver_threads: int | None = Field(
        default=None, ge=0, le=64,
        description="Scans one worker process answers at once. 0: in its event loop, one at a "
        "time (the least CPU per scan; run one worker per core with `serve --workers`); N: up to "
        "N at once on worker threads, for a database whose round trips leave the CPU idle. "
        "Unset: 0 on SQLite, 4 on PostgreSQL.",
    )  # fmt: skip
    resolver_rate_burst: int = Field(
        default=60, ge=1, description="Resolver requests one client may make in a burst."
    )
    resolver_rate_per_minute: float = Field(
        default=120.0, gt=0, description="Resolver requests a minute one client may sustain."
    )
    resolver_failure_burst: int = Field(
        default=20, ge=1, description="Forged or malformed codes one client may scan in a burst."
    )
    resolver_failure_per_minute: float = Field(
        default=10.0, gt=0, description="Forged or malformed codes a minute one client may scan."
    )
    resolver_rate_clients: int = Field(
        default=100_000, ge=1, description="Clients the rate limiter remembers (per process)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        secret = self.secret_key.get_secret_value()
        if len(secret) < 32:
            raise ValueError("LIVETRACE_SECRET_KEY must be at least 32 characters long")
        if self.environment is Environment.PRODUCTION and secret == DEVELOPMENT_SECRET:
            raise InsecureConfigurationError(
                "refusing to start in production with the development secret: "
                "set LIVETRACE_SECRET_KEY to a long random value"
            )
        return self

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to `<data_dir>/livetrace.sqlite3` (folder made on demand)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'livetrace.sqlite3').resolve()}"
