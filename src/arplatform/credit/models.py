"""Credit tables: policy versions, bureau reports and orders, decisions, approval requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned, utcnow


def _fk(column: str, table: str, *, cascade: bool = False) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{table}.tenant_id", f"{table}.id"],
        ondelete="CASCADE" if cascade else None,
    )


class CreditPolicy(TenantScoped, Timestamped, Versioned, Audited, Base):
    """One version (``number``) of the tenant's credit policy: draft, active or retired.

    Only a draft's ``document`` (a ``PolicyDocument``) may change; at most one
    version is active per tenant (a partial unique index says so).
    """

    __tablename__ = "credit_policies"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(
            "ux_credit_policies_tenant_active",
            "tenant_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class CreditReport(TenantScoped, Base):
    """A bureau's report on a customer as fetched (a validated ``CreditReport`` DTO)."""

    __tablename__ = "credit_reports"
    __table_args__ = (
        _fk("customer_id", "customers", cascade=True),
        Index("ix_credit_reports_customer", "tenant_id", "customer_id", "fetched_at"),
        Index("ix_credit_reports_paid", "tenant_id", "fetched_at"),
    )

    customer_id: Mapped[uuid.UUID]
    integration_id: Mapped[uuid.UUID | None]
    #: The plugin's provider key (``creditsafe``, ``bureau-file``…).
    provider: Mapped[str] = mapped_column(String(64))
    #: The bureau's own reference of the company.
    ref: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whether the fetch was a paid call (counts against the daily spend cap).
    paid: Mapped[bool] = mapped_column(default=True)
    score: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any]]


class BureauOrder(TenantScoped, Base):
    """One attempt to order a report from a bureau, recorded before the paid call.

    The daily spend cap counts billed attempts, whatever came back: a time-out, a
    malformed answer or a rolled-back assessment may still have been charged.
    """

    __tablename__ = "credit_bureau_orders"
    __table_args__ = (Index("ix_credit_bureau_orders_billed", "tenant_id", "ordered_at"),)

    customer_id: Mapped[uuid.UUID]
    integration_id: Mapped[uuid.UUID]
    provider: Mapped[str] = mapped_column(String(64))
    ordered_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whether the provider charges per report (the file importer does not).
    billed: Mapped[bool] = mapped_column(default=True)


class CreditAssessment(TenantScoped, Base):
    """A credit decision: its inputs, the policy version, tier, limit, terms and reasons.

    Never updated: a later assessment supersedes it.
    """

    __tablename__ = "credit_assessments"
    __table_args__ = (
        _fk("customer_id", "customers", cascade=True),
        _fk("policy_id", "credit_policies"),
        _fk("report_id", "credit_reports"),
        Index("ix_credit_assessments_customer", "tenant_id", "customer_id", "created_at"),
    )

    customer_id: Mapped[uuid.UUID]
    policy_id: Mapped[uuid.UUID]
    policy_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(120))
    score: Mapped[int | None] = mapped_column(Integer)
    risk_tier: Mapped[str | None] = mapped_column(String(32))
    recommended_limit: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3))
    terms_days: Mapped[int | None] = mapped_column(Integer)
    prepayment_required: Mapped[bool] = mapped_column(default=False)
    guarantee_required: Mapped[bool] = mapped_column(default=False)
    next_review_on: Mapped[date | None]
    inputs: Mapped[dict[str, Any]]
    reasons: Mapped[list[Any]]
    report_id: Mapped[uuid.UUID | None]
    approval_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalRequest(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A change that needs a ``credit_manager`` or ``admin``: limit, tier, invoice over limit."""

    __tablename__ = "credit_approvals"
    __table_args__ = (
        _fk("customer_id", "customers", cascade=True),
        _fk("invoice_id", "invoices"),
        Index("ix_credit_approvals_status", "tenant_id", "status"),
        Index("ix_credit_approvals_invoice", "tenant_id", "invoice_id"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[uuid.UUID]
    invoice_id: Mapped[uuid.UUID | None]
    proposed: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    policy_id: Mapped[uuid.UUID | None]
    policy_number: Mapped[int | None] = mapped_column(Integer)
