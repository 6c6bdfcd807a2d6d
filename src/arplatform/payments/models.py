"""Payment, credit-note and allocation tables."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned


class Payment(TenantScoped, Timestamped, Versioned, Audited, Base):
    """Money received from a customer; what is not allocated is the customer's credit."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        Index("ix_payments_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_payments_tenant_received_on", "tenant_id", "received_on"),
    )

    customer_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    unapplied: Mapped[Decimal]
    received_on: Mapped[date]
    method: Mapped[str] = mapped_column(String(20), default="bank_transfer")
    reference: Mapped[str | None] = mapped_column(String(140))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="received")
    reversed_on: Mapped[date | None]
    reversal_reason: Mapped[str | None] = mapped_column(String(200))


class CreditNote(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A reduction of what a customer owes, usually of one invoice."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "external_ref"),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"]),
        Index("ix_credit_notes_tenant_customer", "tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID | None]
    number: Mapped[str] = mapped_column(String(50))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    unapplied: Mapped[Decimal]
    issue_date: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))


class Allocation(TenantScoped, Base):
    """One dated movement against an instalment; the append-only history of balances.

    ``amount`` is positive when it reduces the open amount (a payment, credit
    note or write-off) and negative when it undoes one (a reversal). The open
    amount on day D is the instalment amount less the allocations booked on or
    before D.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "instalment_id"],
            ["invoice_instalments.tenant_id", "invoice_instalments.id"],
        ),
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        ForeignKeyConstraint(["tenant_id", "payment_id"], ["payments.tenant_id", "payments.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"], ["credit_notes.tenant_id", "credit_notes.id"]
        ),
        Index("ix_allocations_tenant_instalment", "tenant_id", "instalment_id", "booked_on"),
        Index("ix_allocations_tenant_invoice", "tenant_id", "invoice_id"),
        Index("ix_allocations_tenant_payment", "tenant_id", "payment_id"),
        Index("ix_allocations_tenant_booked_on", "tenant_id", "booked_on"),
    )

    invoice_id: Mapped[uuid.UUID]
    instalment_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[uuid.UUID | None]
    credit_note_id: Mapped[uuid.UUID | None]
    amount: Mapped[Decimal]
    booked_on: Mapped[date]
