"""Typed SQLAlchemy 2 models: the durable truth of sessions, uploads, jobs and mappings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A job in one of these is running or about to; the others are final.
ACTIVE_STATUSES = ("pending", "processing", "delivering")
TERMINAL_STATUSES = ("completed", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite keeps no zone and hands back naive values; comparing those with aware ones raises,
    so every value is stored as UTC and read back with the zone attached.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class SessionRow(Base):
    """An anonymous browser session; its data expires with it."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Upload(Base):
    """One upload request: a group of files that a job merges."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    table_type: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UploadFile(Base):
    """A stored CSV file; `stored_name` is random, `display_name` only what the user called it."""

    __tablename__ = "upload_files"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    display_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[list[Any]] = mapped_column(default=list)
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class Job(Base):
    """A merge job and, when it has a webhook, its delivery. This row is the status's truth."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="SET NULL"), index=True
    )
    table_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    stage: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list[Any]] = mapped_column(default=list)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    rate_limit: Mapped[float] = mapped_column(Float, default=10)
    mapping_overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mapping_version: Mapped[int | None] = mapped_column(Integer)
    input_records: Mapped[int] = mapped_column(Integer, default=0)
    total_records: Mapped[int] = mapped_column(Integer, default=0)
    duplicates_removed: Mapped[int] = mapped_column(Integer, default=0)
    fields_merged: Mapped[int] = mapped_column(Integer, default=0)
    domains_cleaned: Mapped[int] = mapped_column(Integer, default=0)
    successful_webhooks: Mapped[int] = mapped_column(Integer, default=0)
    failed_webhooks: Mapped[int] = mapped_column(Integer, default=0)
    is_result_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    is_delivery_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    is_purged: Mapped[bool] = mapped_column(Boolean, default=False)
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    recoveries: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeliveryRecord(Base):
    """The delivery state of one output row; a row without one is still pending."""

    __tablename__ = "delivery_records"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    last_attempt_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_delivery_records_job_status", "job_id", "status"),)


class MappingVersion(Base):
    """One immutable version of the field mappings document; the highest is current."""

    __tablename__ = "mapping_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64), default="system")
    restored_from: Mapped[int | None] = mapped_column(Integer)
    is_backup: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_comment: Mapped[str | None] = mapped_column(Text)
    backed_up_at: Mapped[datetime | None] = mapped_column()


class CleanupRun(Base):
    """What one cleanup pass removed, for the storage status."""

    __tablename__ = "cleanup_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    files_removed: Mapped[int] = mapped_column(Integer, default=0)
    bytes_removed: Mapped[int] = mapped_column(BigInteger, default=0)
    sessions_removed: Mapped[int] = mapped_column(Integer, default=0)
    jobs_purged: Mapped[int] = mapped_column(Integer, default=0)
