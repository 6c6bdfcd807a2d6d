"""Dunning tables: plans, the tenant's settings, per-instalment state, runs, communications."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned, utcnow


def _fk(column: str, table: str, *, cascade: bool = False) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{table}.tenant_id", f"{table}.id"],
        ondelete="CASCADE" if cascade else None,
    )


class DunningPlan(TenantScoped, Timestamped, Versioned, Audited, Base):
    """An ordered list of levels (``rules.Level`` as JSON), for a risk tier or the default."""

    __tablename__ = "dunning_plans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "risk_tier"),
        Index(
            "ux_dunning_plans_tenant_default",
            "tenant_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    name: Mapped[str] = mapped_column(String(80))
    is_default: Mapped[bool] = mapped_column(default=False)
    risk_tier: Mapped[str | None] = mapped_column(String(32))
    min_gap_days: Mapped[int] = mapped_column(Integer, default=1)
    #: Levels falling on a weekend or public holiday (tenant's country) wait for a business day.
    business_days: Mapped[bool] = mapped_column(default=True)
    levels: Mapped[list[Any]]


class DunningSettings(TenantScoped, Timestamped, Versioned, Audited, Base):
    """The tenant's dunning settings: review, small debts, schedule, what notices say."""

    __tablename__ = "dunning_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    review_before_send: Mapped[bool] = mapped_column(default=False)
    #: currency -> amount (decimal string): customers owing less take the automated route.
    small_debt_thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    run_hour: Mapped[int] = mapped_column(Integer, default=6)
    pay_within_days: Mapped[int] = mapped_column(Integer, default=10)
    sender_email: Mapped[str | None] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: The letterhead's postal address: lines, postal_code, city, country.
    address: Mapped[dict[str, Any] | None] = mapped_column()
    payment_instructions: Mapped[str | None] = mapped_column(String(1000))
    contact: Mapped[str | None] = mapped_column(String(300))
    #: The last day the scheduled run completed (tenant-local).
    last_run_on: Mapped[date | None]
    #: What the last recorded run covered: due dates up to here, invoices as of ``read_at``.
    window_until: Mapped[date | None]
    read_at: Mapped[datetime | None]


class CustomerDunning(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A customer's own plan, or its exclusion from dunning."""

    __tablename__ = "customer_dunning"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id"),
        _fk("customer_id", "customers", cascade=True),
        _fk("plan_id", "dunning_plans"),
    )

    customer_id: Mapped[uuid.UUID]
    plan_id: Mapped[uuid.UUID | None]
    excluded: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(500))


class InvoiceExclusion(TenantScoped, Audited, Base):
    """An invoice taken out of dunning (all its instalments) until the row is removed."""

    __tablename__ = "dunning_invoice_exclusions"
    __table_args__ = (UniqueConstraint("tenant_id", "invoice_id"), _fk("invoice_id", "invoices"))

    invoice_id: Mapped[uuid.UUID]
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DunningItem(TenantScoped, Base):
    """Where one instalment stands in its plan; ``next_on`` is when the run looks again.

    The run reads only rows whose ``next_on`` has come (an index on it) plus
    instalments that newly fall due, never the whole ledger.
    """

    __tablename__ = "dunning_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "instalment_id"),
        _fk("instalment_id", "invoice_instalments"),
        Index(
            "ix_dunning_items_next_on",
            "tenant_id",
            "next_on",
            sqlite_where=text("next_on IS NOT NULL"),
            postgresql_where=text("next_on IS NOT NULL"),
        ),
        Index("ix_dunning_items_customer", "tenant_id", "customer_id"),
    )

    instalment_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    #: The plan ``level`` counts in; another plan now applies when it differs.
    plan_id: Mapped[uuid.UUID | None]
    level: Mapped[int | None] = mapped_column(Integer)
    #: The name of that level, to find it again when the plan has changed.
    level_name: Mapped[str | None] = mapped_column(String(80))
    level_on: Mapped[date | None]
    next_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DunningRun(TenantScoped, Base):
    """One run of the tenant's dunning for a day (scheduled or requested)."""

    __tablename__ = "dunning_runs"

    as_of: Mapped[date]
    trigger: Mapped[str] = mapped_column(String(16))
    examined: Mapped[int] = mapped_column(Integer, default=0)
    communications: Mapped[int] = mapped_column(Integer, default=0)
    actions: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Communication(TenantScoped, Timestamped, Versioned, Audited, Base):
    """One notice: a customer, a level, a currency, every instalment concerned."""

    __tablename__ = "dunning_communications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference"),
        _fk("customer_id", "customers"),
        _fk("run_id", "dunning_runs"),
        Index("ix_dunning_communications_status", "tenant_id", "status"),
        Index("ix_dunning_communications_customer", "tenant_id", "customer_id"),
        Index("ix_dunning_communications_notice_date", "tenant_id", "notice_date"),
    )

    run_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    reference: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(80))
    plan_id: Mapped[uuid.UUID]
    template: Mapped[str | None] = mapped_column(String(40))
    actions: Mapped[list[Any]]
    channels: Mapped[list[Any]]
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(35))
    notice_date: Mapped[date]
    pay_by: Mapped[date]
    total_open: Mapped[Decimal]
    total_interest: Mapped[Decimal]
    next_step: Mapped[str | None] = mapped_column(String(32))
    next_step_on: Mapped[date | None]
    #: draft (waiting for review) -> queued -> sent | failed; or skipped.
    status: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(300))  # a reviewer's edit
    text_body: Mapped[str | None] = mapped_column(Text)  # a reviewer's edit
    sent_at: Mapped[datetime | None]

    lines: Mapped[list[CommunicationLine]] = relationship(
        order_by="CommunicationLine.position", lazy="raise"
    )
    deliveries: Mapped[list[Delivery]] = relationship(order_by="Delivery.channel", lazy="raise")


class CommunicationLine(TenantScoped, Base):
    """One instalment listed on a communication."""

    __tablename__ = "dunning_lines"
    __table_args__ = (
        _fk("communication_id", "dunning_communications", cascade=True),
        Index("ix_dunning_lines_invoice", "tenant_id", "invoice_id"),
    )

    communication_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[uuid.UUID]
    instalment_id: Mapped[uuid.UUID]
    invoice_number: Mapped[str] = mapped_column(String(50))
    instalment: Mapped[int | None] = mapped_column(Integer)
    issue_date: Mapped[date]
    due_date: Mapped[date]
    days_overdue: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    open_amount: Mapped[Decimal]
    interest: Mapped[Decimal]


class Delivery(TenantScoped, Timestamped, Base):
    """The outcome of a communication on one channel."""

    __tablename__ = "dunning_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "communication_id", "channel"),
        _fk("communication_id", "dunning_communications", cascade=True),
    )

    communication_id: Mapped[uuid.UUID]
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str | None] = mapped_column(String(64))
    #: pending -> sent | queued | failed | bounced
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))


class DunningAction(TenantScoped, Timestamped, Versioned, Audited, Base):
    """What a level does beyond a notice: a review task, a hold, a hand-over, a declaration."""

    __tablename__ = "dunning_actions"
    __table_args__ = (
        _fk("customer_id", "customers"),
        Index("ix_dunning_actions_status", "tenant_id", "status"),
    )

    run_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    communication_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(32))
    level_name: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    invoice_ids: Mapped[list[Any]]
    #: open (a task) | done | pending (a hand-over) | completed | failed | recorded
    status: Mapped[str] = mapped_column(String(16))
    #: Hand-overs tried so far (retried with backoff while the agency is unreachable).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(String(1000))
    external_ref: Mapped[str | None] = mapped_column(String(200))


class TemplateOverride(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A tenant's own version of a shipped notice template in one language."""

    __tablename__ = "dunning_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "template", "language"),)

    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
