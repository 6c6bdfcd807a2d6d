"""The integrations table: one configured provider of a tenant."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned


class Integration(TenantScoped, Timestamped, Versioned, Audited, Base):
    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "provider"),)
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"secrets_sealed"})

    kind: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Lower runs first where providers of a kind are tried in turn (bureau waterfall).
    priority: Mapped[int] = mapped_column(default=100)
    config: Mapped[dict[str, Any]]
    secrets_sealed: Mapped[str | None] = mapped_column(Text)
    secret_fields: Mapped[list[Any]] = mapped_column(default=list)
