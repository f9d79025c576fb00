"""Settings and the production safety check."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from livetrace.config import DEVELOPMENT_SECRET, InsecureConfigurationError, Settings


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(InsecureConfigurationError, match="development secret"):
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET)


def test_production_starts_with_a_real_secret() -> None:
    s = Settings(environment="production", secret_key="x" * 48)
    assert s.secret_key.get_secret_value() == "x" * 48
    assert "x" * 48 not in repr(s)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key="short")


def test_env_prefix_and_default_sqlite_in_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIVETRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LIVETRACE_BASE_URL", "https://trace.example.com")
    s = Settings()
    assert s.base_url == "https://trace.example.com"
    url = s.resolved_database_url()
    assert url.startswith("sqlite:///") and url.endswith("data/livetrace.sqlite3")
    assert (tmp_path / "data").is_dir()
