"""Settings: the contract's defaults, environment overrides, clear errors, documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_DEFAULTS = {
    "MAX_FILE_SIZE_MB": 20,
    "MAX_CONCURRENT_JOBS_PER_SESSION": 3,
    "MAX_FILES_PER_SESSION": 10,
    "MAX_STORAGE_PER_SESSION_MB": 100,
    "WEBHOOK_TIMEOUT": 30,
    "WEBHOOK_RETRY_ATTEMPTS": 3,
    "WEBHOOK_RETRY_BACKOFF": [1, 3, 9],
    "WEBHOOK_RATE_LIMIT": 10,
    "WEBHOOK_RATE_PRESETS": [1, 5, 10, 30, 60, 0],
    "FUZZY_MATCH_THRESHOLD": 85,
    "SMART_MERGE_ENABLED": True,
    "CLEAN_DOMAINS": True,
    "NORMALIZE_DATA": True,
    "JOB_TIMEOUT": 3600,
    "DATA_RETENTION_HOURS": 48,
    "CLEANUP_INTERVAL_MINUTES": 60,
    "SESSION_TTL_HOURS": 48,
    "MAX_TOTAL_STORAGE_GB": 10,
    "HOST": "127.0.0.1",
    "PORT": 8000,
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": False,
    "WEBHOOK_SIGNING_SECRET": None,
    "ADMIN_TOKEN": None,
    "REDIS_URL": None,
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.usefixtures("clean_env")
def test_defaults_are_the_contracts() -> None:
    settings = Settings()
    for name, expected in CONTRACT_DEFAULTS.items():
        assert getattr(settings, name) == expected, name
    assert (Path.cwd() / "var").resolve() == settings.DATA_DIR
    assert f"sqlite+aiosqlite:///{settings.DATA_DIR / 'csv_merger.db'}" == settings.DATABASE_URL


@pytest.mark.usefixtures("clean_env")
def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_FILE_SIZE_MB", "5")
    monkeypatch.setenv("WEBHOOK_RETRY_BACKOFF", "2, 4, 8, 16")
    monkeypatch.setenv("WEBHOOK_RATE_PRESETS", "1,2")
    monkeypatch.setenv("SMART_MERGE_ENABLED", "false")
    monkeypatch.setenv("REDIS_URL", "redis://example:6379/1")
    settings = Settings()
    assert settings.MAX_FILE_SIZE_MB == 5
    assert settings.max_file_bytes == 5 * 1048576
    assert settings.WEBHOOK_RETRY_BACKOFF == [2, 4, 8, 16]
    assert settings.retry_waits == (2, 4, 8)
    assert settings.WEBHOOK_RATE_PRESETS == [1, 2]
    assert settings.SMART_MERGE_ENABLED is False
    assert settings.REDIS_URL == "redis://example:6379/1"


@pytest.mark.usefixtures("clean_env")
def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=9001\nFUZZY_MATCH_THRESHOLD=90\n")
    settings = Settings()
    assert (settings.PORT, settings.FUZZY_MATCH_THRESHOLD) == (9001, 90)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_FILE_SIZE_MB", "lots"),
        ("FUZZY_MATCH_THRESHOLD", "150"),
        ("PORT", "0"),
        ("WEBHOOK_RETRY_BACKOFF", "1,x"),
        ("WEBHOOK_SIGNING_SECRET", "plain"),
        ("WEBHOOK_RATE_LIMIT", "-1"),
    ],
)
def test_invalid_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


@pytest.mark.usefixtures("clean_env")
def test_backoff_must_cover_every_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_RETRY_ATTEMPTS", "4")
    with pytest.raises(SettingsError, match="WEBHOOK_RETRY_BACKOFF"):
        load_settings()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(DATA_DIR=tmp_path, _env_file=None).ensure_secret_key()  # type: ignore[call-arg]
    second = Settings(DATA_DIR=tmp_path, _env_file=None).ensure_secret_key()  # type: ignore[call-arg]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.M))
    missing = set(Settings.model_fields) - documented
    assert not missing, f"settings missing from the README table: {sorted(missing)}"
