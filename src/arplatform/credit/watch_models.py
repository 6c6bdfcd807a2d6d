"""Credit-watch tables: FX rates, commitments, country risk and early-warning alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned, utcnow

#: Exchange rates with eight decimals (``1.08345000``), exact on both backends.
FX_RATE = Numeric(18, 8)


def _customer_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"], ondelete="CASCADE"
    )


class FxRate(TenantScoped, Timestamped, Versioned, Audited, Base):
    """One unit of ``base`` is worth ``rate`` units of ``quote`` from ``valid_from`` on."""

    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("tenant_id", "base", "quote", "valid_from"),)

    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(FX_RATE)


class Commitment(TenantScoped, Timestamped, Versioned, Audited, Base):
    """An order accepted but not yet invoiced; it counts in exposure while ``open``."""

    __tablename__ = "credit_commitments"
    __table_args__ = (
        _customer_fk(),
        Index("ix_credit_commitments_customer", "tenant_id", "customer_id", "status"),
    )

    customer_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(100))
    expected_invoice_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="open")


class CountryRisk(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A country's risk rating (A best … E worst) and optional score, per tenant."""

    __tablename__ = "country_risks"
    __table_args__ = (UniqueConstraint("tenant_id", "country"),)

    country: Mapped[str] = mapped_column(String(2))
    rating: Mapped[str] = mapped_column(String(1))
    score: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(80))


class CreditAlert(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A warning signal raised for a customer; at most one not resolved per signal."""

    __tablename__ = "credit_alerts"
    __table_args__ = (
        _customer_fk(),
        Index(
            "ux_credit_alerts_active",
            "tenant_id",
            "customer_id",
            "signal",
            unique=True,
            sqlite_where=text("status <> 'resolved'"),
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_credit_alerts_status", "tenant_id", "status"),
    )

    customer_id: Mapped[uuid.UUID]
    signal: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500))
    facts: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="open")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    actions: Mapped[list[Any]]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
