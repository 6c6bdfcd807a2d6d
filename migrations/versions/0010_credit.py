"""credit: credit policies, assessments, bureau reports, limit approvals

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import arplatform.db.types
from arplatform.db import rls

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = (
    "credit_policies",
    "credit_reports",
    "credit_bureau_orders",
    "credit_approvals",
    "credit_assessments",
)


def upgrade() -> None:
    op.create_table(
        "credit_policies",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("activated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_policies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_policies")),
        sa.UniqueConstraint(
            "tenant_id", "number", name=op.f("uq_credit_policies_tenant_id_number")
        ),
    )
    with op.batch_alter_table("credit_policies", schema=None) as batch_op:
        batch_op.create_index(
            "ux_credit_policies_tenant_active",
            ["tenant_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "credit_reports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("integration_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column(
            "report",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_credit_reports_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_reports_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_reports")),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_reports_customer", ["tenant_id", "customer_id", "fetched_at"], unique=False
        )
        batch_op.create_index("ix_credit_reports_paid", ["tenant_id", "fetched_at"], unique=False)

    op.create_table(
        "credit_bureau_orders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("ordered_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("billed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_bureau_orders_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_bureau_orders")),
    )
    with op.batch_alter_table("credit_bureau_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_bureau_orders_billed", ["tenant_id", "ordered_at"], unique=False
        )

    op.create_table(
        "credit_approvals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column(
            "proposed",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("policy_id", sa.Uuid(), nullable=True),
        sa.Column("policy_number", sa.Integer(), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_credit_approvals_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_credit_approvals_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_approvals_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_approvals")),
    )
    with op.batch_alter_table("credit_approvals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_approvals_invoice", ["tenant_id", "invoice_id"], unique=False
        )
        batch_op.create_index("ix_credit_approvals_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "credit_assessments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("policy_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("risk_tier", sa.String(length=32), nullable=True),
        sa.Column("recommended_limit", arplatform.db.types.MoneyAmount(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("terms_days", sa.Integer(), nullable=True),
        sa.Column("prepayment_required", sa.Boolean(), nullable=False),
        sa.Column("guarantee_required", sa.Boolean(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column(
            "inputs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_credit_assessments_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "policy_id"],
            ["credit_policies.tenant_id", "credit_policies.id"],
            name=op.f("fk_credit_assessments_tenant_id_policy_id_credit_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "report_id"],
            ["credit_reports.tenant_id", "credit_reports.id"],
            name=op.f("fk_credit_assessments_tenant_id_report_id_credit_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_assessments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_assessments")),
    )
    with op.batch_alter_table("credit_assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_assessments_customer",
            ["tenant_id", "customer_id", "created_at"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("credit_assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_assessments_customer")

    op.drop_table("credit_assessments")
    with op.batch_alter_table("credit_approvals", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_approvals_status")
        batch_op.drop_index("ix_credit_approvals_invoice")

    op.drop_table("credit_approvals")
    with op.batch_alter_table("credit_bureau_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_bureau_orders_billed")

    op.drop_table("credit_bureau_orders")
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_reports_paid")
        batch_op.drop_index("ix_credit_reports_customer")

    op.drop_table("credit_reports")
    with op.batch_alter_table("credit_policies", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_credit_policies_tenant_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.drop_table("credit_policies")
