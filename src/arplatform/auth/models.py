"""API clients: the machine identities of a tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped


class ApiClient(TenantScoped, Timestamped, Audited, Base):
    __tablename__ = "api_clients"
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset({"secret_hash"})

    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column()
    secret_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def public_id(self) -> str:
        """What the client presents as ``client_id``: its tenant and its own id."""
        return f"{self.tenant_id.hex}{self.id.hex}"
