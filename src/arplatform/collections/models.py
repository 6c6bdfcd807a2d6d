"""Dispute, promise-to-pay, payment-plan and emitted-notice tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned, utcnow


def _customer_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]
    )


def _invoice_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"])


class Dispute(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A customer's objection to part or all of an invoice; excluded from dunning while open."""

    __tablename__ = "disputes"
    __table_args__ = (
        _invoice_fk(),
        _customer_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"], ["credit_notes.tenant_id", "credit_notes.id"]
        ),
        Index("ix_disputes_tenant_invoice", "tenant_id", "invoice_id"),
        Index("ix_disputes_tenant_customer", "tenant_id", "customer_id"),
    )

    invoice_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(1000))
    #: open | resolved | rejected | closed (its invoice was written off or cancelled)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[date]
    #: The day it was resolved or rejected; the amount is held from ``opened_on`` until then.
    closed_on: Mapped[date | None]
    #: accepted | partially_accepted | rejected | written_off | cancelled
    outcome: Mapped[str | None] = mapped_column(String(20))
    accepted_amount: Mapped[Decimal | None]
    credit_note_id: Mapped[uuid.UUID | None]
    resolution_note: Mapped[str | None] = mapped_column(String(1000))


class PaymentPromise(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A customer's promise to pay ``amount`` by ``promised_date``; pauses escalation until then."""

    __tablename__ = "payment_promises"
    __table_args__ = (
        _customer_fk(),
        Index("ix_payment_promises_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_payment_promises_tenant_status", "tenant_id", "status"),
    )

    customer_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    made_on: Mapped[date]
    promised_date: Mapped[date]
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(1000))
    #: open | kept | broken
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_on: Mapped[date | None]
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))

    invoices: Mapped[list[PromiseInvoice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PromiseInvoice.position"
    )


class PromiseInvoice(TenantScoped, Base):
    """An invoice a promise is about; a promise without any covers all of its customer's."""

    __tablename__ = "payment_promise_invoices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "promise_id"],
            ["payment_promises.tenant_id", "payment_promises.id"],
            ondelete="CASCADE",
        ),
        _invoice_fk(),
        UniqueConstraint("tenant_id", "promise_id", "invoice_id"),
    )

    promise_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)


class PaymentPlan(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A customer's overdue instalments restructured into an agreed schedule."""

    __tablename__ = "payment_plans"
    __table_args__ = (
        _customer_fk(),
        Index("ix_payment_plans_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_payment_plans_tenant_status", "tenant_id", "status"),
    )

    customer_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    agreed_on: Mapped[date]
    grace_days: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(1000))
    #: active | completed | broken | cancelled
    status: Mapped[str] = mapped_column(String(16), default="active")
    closed_on: Mapped[date | None]
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))

    schedule: Mapped[list[PlanInstalment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PlanInstalment.seq"
    )
    items: Mapped[list[PlanItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PlanItem.position"
    )


def _plan_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "plan_id"],
        ["payment_plans.tenant_id", "payment_plans.id"],
        ondelete="CASCADE",
    )


class PlanInstalment(TenantScoped, Base):
    """One agreed payment of a plan."""

    __tablename__ = "payment_plan_instalments"
    __table_args__ = (_plan_fk(), UniqueConstraint("tenant_id", "plan_id", "seq"))

    plan_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date]
    amount: Mapped[Decimal]


class PlanItem(TenantScoped, Base):
    """An invoice instalment a plan covers, with its open amount when the plan was agreed."""

    __tablename__ = "payment_plan_items"
    __table_args__ = (
        _plan_fk(),
        _invoice_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "instalment_id"],
            ["invoice_instalments.tenant_id", "invoice_instalments.id"],
        ),
        UniqueConstraint("tenant_id", "plan_id", "instalment_id"),
        Index("ix_payment_plan_items_tenant_instalment", "tenant_id", "instalment_id"),
    )

    plan_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    instalment_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]


class CollectionNotice(TenantScoped, Base):
    """An event the daily job emitted, by its unique key: a second run emits nothing again."""

    __tablename__ = "collection_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
