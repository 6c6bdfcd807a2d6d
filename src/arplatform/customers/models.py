"""The customer table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned


class Customer(TenantScoped, Timestamped, Versioned, Audited, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "external_ref"),)

    legal_name: Mapped[str] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    registration_number: Mapped[str | None] = mapped_column(String(50))
    vat_number: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(35), default="en")
    contacts: Mapped[list[Any]] = mapped_column(default=list)
    payment_terms: Mapped[dict[str, Any] | None] = mapped_column()
    risk_tier: Mapped[str | None] = mapped_column(String(32))
    credit_limit: Mapped[Decimal | None]
    address: Mapped[dict[str, Any] | None] = mapped_column()
    credit_hold: Mapped[bool] = mapped_column(default=False)
