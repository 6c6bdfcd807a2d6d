"""Invoice, invoice-line, instalment and number-series tables."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned


class Invoice(TenantScoped, Timestamped, Versioned, Audited, Base):
    """An invoice; its receivable is carried by one or more instalments."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "external_ref"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index("ix_invoices_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_invoices_tenant_due_date", "tenant_id", "due_date"),
        Index("ix_invoices_tenant_issue_date", "tenant_id", "issue_date"),
        # Dunning reads the invoices changed since its last run.
        Index("ix_invoices_tenant_updated_at", "tenant_id", "updated_at"),
    )

    customer_id: Mapped[uuid.UUID]
    #: Null while a draft: the number is drawn from its series when issued.
    number: Mapped[str | None] = mapped_column(String(50))
    series: Mapped[str] = mapped_column(String(20), default="INV")
    external_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="issued")
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date]
    delivery_date: Mapped[date | None]
    acceptance_date: Mapped[date | None]
    #: The due date the terms gave; ``due_date`` moves when an extension is agreed.
    original_due_date: Mapped[date]
    due_date: Mapped[date]
    terms: Mapped[dict[str, Any] | None] = mapped_column()
    net_total: Mapped[Decimal]
    tax_total: Mapped[Decimal]
    total: Mapped[Decimal]
    open_amount: Mapped[Decimal]
    paid_on: Mapped[date | None]
    cancelled_on: Mapped[date | None]
    written_off_on: Mapped[date | None]

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan", lazy="selectin"
    )
    instalments: Mapped[list[InvoiceInstalment]] = relationship(
        order_by="InvoiceInstalment.seq", cascade="all, delete-orphan", lazy="selectin"
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


class InvoiceInstalment(TenantScoped, Base):
    """One due amount of an invoice; aged, dunned and charged interest on its own.

    ``open_amount`` is the current balance, kept under the invoice's row lock;
    the balance on any past day is derived from the dated allocations.
    """

    __tablename__ = "invoice_instalments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        UniqueConstraint("tenant_id", "invoice_id", "seq"),
        Index("ix_invoice_instalments_tenant_due_date", "tenant_id", "due_date"),
        Index("ix_invoice_instalments_tenant_customer", "tenant_id", "customer_id"),
        # What dunning looks at when instalments newly fall due: only the open ones.
        Index(
            "ix_invoice_instalments_open_due",
            "tenant_id",
            "due_date",
            sqlite_where=text("open_amount > 0"),
            postgresql_where=text("open_amount > 0"),
        ),
    )

    invoice_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(Integer)
    original_due_date: Mapped[date]
    due_date: Mapped[date]
    amount: Mapped[Decimal]
    open_amount: Mapped[Decimal]


class NumberSeries(TenantScoped, Base):
    """The next number of an invoice series; drawn under a row lock, so gap-free."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(20))
    next_value: Mapped[int] = mapped_column(Integer, default=1)
