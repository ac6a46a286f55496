"""Settings: every knob of the product, read from the environment and `.env`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IntList = Annotated[list[int], NoDecode]
FloatList = Annotated[list[float], NoDecode]


class Settings(BaseSettings):
    """The contract's settings; field names are the environment names exactly."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", validate_default=True)

    # File processing (design's Config)
    MAX_FILE_SIZE_MB: int = Field(20, ge=1)
    # Header matching costs grow with the columns; wider files are refused (422).
    MAX_COLUMNS: int = Field(500, ge=1)
    ALLOWED_EXTENSIONS: Annotated[list[str], NoDecode] = ["csv"]
    TEMP_UPLOAD_DIR: str = "uploads/temp"
    SESSION_BASED_STORAGE: bool = True
    FIELD_MAPPINGS_FILE: str = "mappings/field_mappings.json"
    # Multi-tenant limits
    MAX_CONCURRENT_JOBS_PER_SESSION: int = Field(3, ge=1)
    MAX_FILES_PER_SESSION: int = Field(10, ge=1)
    MAX_STORAGE_PER_SESSION_MB: int = Field(100, ge=1)
    # Webhooks
    WEBHOOK_TIMEOUT: float = Field(30, gt=0)
    WEBHOOK_RETRY_ATTEMPTS: int = Field(3, ge=0, le=10)
    WEBHOOK_RETRY_BACKOFF: FloatList = [1, 3, 9]
    WEBHOOK_RATE_LIMIT: float = Field(10, ge=0)
    WEBHOOK_RATE_PRESETS: IntList = [1, 5, 10, 30, 60, 0]
    WEBHOOK_CONCURRENCY: int = Field(16, ge=1, le=256)
    WEBHOOK_MAX_CONSECUTIVE_FAILURES: int = Field(25, ge=1)
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool = False
    WEBHOOK_SIGNING_SECRET: str | None = None
    # Empty: any public host; otherwise deliveries and test sends go to these hosts only.
    WEBHOOK_ALLOWED_HOSTS: Annotated[list[str], NoDecode] = []
    # Dedupe and cleaning
    FUZZY_MATCH_THRESHOLD: int = Field(85, ge=0, le=100)
    SMART_MERGE_ENABLED: bool = True
    CLEAN_DOMAINS: bool = True
    NORMALIZE_DATA: bool = True
    # Queue and jobs
    REDIS_URL: str | None = None
    JOB_TIMEOUT: int = Field(3600, ge=10)
    # Retention and cleanup
    DATA_RETENTION_HOURS: float = Field(48, gt=0)
    CLEANUP_INTERVAL_MINUTES: int = Field(60, ge=1)
    SESSION_TTL_HOURS: float = Field(48, gt=0)
    MAX_TOTAL_STORAGE_GB: float = Field(10, gt=0)
    # Contract's own settings
    DATA_DIR: Path = Path("./var")
    DATABASE_URL: str = ""
    SECRET_KEY: str = ""
    ADMIN_TOKEN: str | None = None
    HOST: str = "127.0.0.1"
    PORT: int = Field(8000, ge=1, le=65535)
    LOG_LEVEL: str = "INFO"
    LOG_FORMAT: Literal["text", "json"] = "text"
    # Empty: any Host header. Otherwise requests naming another host get 400 (DNS rebinding).
    TRUSTED_HOSTS: Annotated[list[str], NoDecode] = []

    @field_validator("LOG_LEVEL")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator(
        "WEBHOOK_RETRY_BACKOFF",
        "WEBHOOK_RATE_PRESETS",
        "ALLOWED_EXTENSIONS",
        "WEBHOOK_ALLOWED_HOSTS",
        "TRUSTED_HOSTS",
        mode="before",
    )
    @classmethod
    def _split_comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("WEBHOOK_RETRY_BACKOFF")
    @classmethod
    def _backoff_non_negative(cls, value: list[float]) -> list[float]:
        if any(wait < 0 for wait in value):
            raise ValueError("waits must be zero or more seconds")
        return value

    @field_validator("WEBHOOK_SIGNING_SECRET")
    @classmethod
    def _signing_secret_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith("whsec_"):
            raise ValueError("must look like whsec_<base64 key>")
        return value or None

    @field_validator("ADMIN_TOKEN", "REDIS_URL")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        self.DATA_DIR = self.DATA_DIR.expanduser().resolve()
        if not self.DATABASE_URL:
            self.DATABASE_URL = f"sqlite+aiosqlite:///{self.DATA_DIR / 'csv_merger.db'}"
        if len(self.WEBHOOK_RETRY_BACKOFF) < self.WEBHOOK_RETRY_ATTEMPTS:
            raise ValueError(
                "WEBHOOK_RETRY_BACKOFF needs one wait per retry "
                f"(WEBHOOK_RETRY_ATTEMPTS={self.WEBHOOK_RETRY_ATTEMPTS})"
            )
        return self

    @property
    def retry_waits(self) -> tuple[float, ...]:
        """The waits between attempts: one per retry."""
        return tuple(self.WEBHOOK_RETRY_BACKOFF[: self.WEBHOOK_RETRY_ATTEMPTS])

    @property
    def max_file_bytes(self) -> int:
        return self.MAX_FILE_SIZE_MB * 1024 * 1024

    @property
    def max_session_bytes(self) -> int:
        return self.MAX_STORAGE_PER_SESSION_MB * 1024 * 1024

    @property
    def max_total_bytes(self) -> int:
        return int(self.MAX_TOTAL_STORAGE_GB * 1024 * 1024 * 1024)

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """Return SECRET_KEY, generating and keeping one under DATA_DIR when unset."""
        if self.SECRET_KEY:
            return self.SECRET_KEY
        key_file = self.DATA_DIR / "secret_key"
        if not key_file.exists():
            self.DATA_DIR.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48))
        self.SECRET_KEY = key_file.read_text().strip()
        return self.SECRET_KEY


class SettingsError(Exception):
    """Start-up refused: a setting has an invalid value."""


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid setting: " + "; ".join(problems)) from None
