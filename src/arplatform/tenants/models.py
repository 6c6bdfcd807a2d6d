"""The tenant table: global, the root every tenant-owned row hangs from."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.db.base import Base, new_id, utcnow


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(35), default="en")
    rounding: Mapped[str] = mapped_column(String(16), default="half_up")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Where the platform writes to the tenant itself (a webhook endpoint was disabled).
    contact_email: Mapped[str | None] = mapped_column(String(254))
