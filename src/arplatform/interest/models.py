"""Reference-rate and interest-policy tables."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned

#: Percent values with up to four decimals (``-0.7500``, ``10.1500``), exact on both backends.
RATE = Numeric(9, 4)


class ReferenceRate(TenantScoped, Timestamped, Versioned, Audited, Base):
    """One value of a reference rate (ECB_MRO, BOE_BASE …), in force from ``valid_from``."""

    __tablename__ = "reference_rates"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "valid_from"),)

    key: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(RATE)


class InterestPolicy(TenantScoped, Timestamped, Versioned, Audited, Base):
    """The late-interest rule of the tenant (``customer_id`` null) or of one customer."""

    __tablename__ = "interest_policies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id"),
        ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            ondelete="CASCADE",
        ),
        # One tenant-wide default: NULLs are distinct in the unique key above.
        Index(
            "ux_interest_policies_tenant_default",
            "tenant_id",
            unique=True,
            sqlite_where=text("customer_id IS NULL"),
            postgresql_where=text("customer_id IS NULL"),
        ),
    )

    customer_id: Mapped[uuid.UUID | None]
    rule: Mapped[str] = mapped_column(String(32))
    day_count: Mapped[str] = mapped_column(String(16), default="act_365")
    rate: Mapped[Decimal | None] = mapped_column(RATE)
    multiplier: Mapped[Decimal | None] = mapped_column(RATE)
    reference_key: Mapped[str | None] = mapped_column(String(32))
    margin: Mapped[Decimal | None] = mapped_column(RATE)
    compensation_amount: Mapped[Decimal | None]
    compensation_currency: Mapped[str | None] = mapped_column(String(3))
