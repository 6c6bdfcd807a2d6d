"""Invoice and invoice-line tables."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned


class Invoice(TenantScoped, Timestamped, Versioned, Audited, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "external_ref"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index("ix_invoices_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_invoices_tenant_due_date", "tenant_id", "due_date"),
    )

    customer_id: Mapped[uuid.UUID]
    number: Mapped[str] = mapped_column(String(50))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="issued")
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date]
    due_date: Mapped[date]
    net_total: Mapped[Decimal]
    tax_total: Mapped[Decimal]
    total: Mapped[Decimal]

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class InvoiceLine(TenantScoped, Audited, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("tenant_id", "invoice_id", "position"),
    )

    invoice_id: Mapped[uuid.UUID]
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal]
    unit_price: Mapped[Decimal]
    tax_rate: Mapped[Decimal]
    net_amount: Mapped[Decimal]
