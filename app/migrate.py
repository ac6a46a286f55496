"""Apply Alembic migrations from code (the CLI, `serve` at start, tests)."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Migrate to `revision`; processes starting together take turns on a lock file."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(settings.DATA_DIR / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        command.upgrade(alembic_config(settings.DATABASE_URL), revision)


def downgrade_database(settings: Settings, revision: str) -> None:
    """Migrate down to `revision` ("base" removes every table)."""
    command.downgrade(alembic_config(settings.DATABASE_URL), revision)


def current_revision(settings: Settings) -> None:
    command.current(alembic_config(settings.DATABASE_URL), verbose=False)
