"""The tenant's event log; webhooks and replays are fed from it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.db.base import Base, TenantScoped, utcnow


class Event(TenantScoped, Base):
    __tablename__ = "events"

    type: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID]
    resource_version: Mapped[int | None]
    data: Mapped[dict[str, Any]] = mapped_column()
    published_at: Mapped[datetime | None]
