"""The import-job table: one uploaded file, its progress and its report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, utcnow


class ImportJob(TenantScoped, Audited, Base):
    """An import: queued with its payload, run by a job, then kept as the report.

    The payload is cleared once the import has finished; its size and digest stay.
    """

    __tablename__ = "imports"
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"payload", "errors"})

    record_type: Mapped[str | None] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    payload_bytes: Mapped[int] = mapped_column(Integer)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The first errors (row, field, message); ``error_count`` says how many there were.
    errors: Mapped[list[Any]] = mapped_column(default=list)
    failure: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
