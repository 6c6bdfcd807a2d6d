"""Outbox messages and job receipts: platform tables, read across tenants by the relay."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.db.base import Base, new_id, utcnow


class OutboxMessage(Base):
    """A job to hand to the broker once the transaction that wrote it has committed."""

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Set by periodic jobs so that two schedulers enqueue a period only once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobReceipt(Base):
    """Proof that the job of an outbox message took effect, written with the effect."""

    __tablename__ = "job_receipts"

    outbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[uuid.UUID | None]
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
