"""collections: disputes, promises to pay, payment plans, emitted notices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import arplatform.db.types
from arplatform.db import rls

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = (
    "collection_notices",
    "payment_plans",
    "payment_promises",
    "disputes",
    "payment_plan_instalments",
    "payment_plan_items",
    "payment_promise_invoices",
)


def upgrade() -> None:
    op.create_table(
        "collection_notices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_collection_notices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_collection_notices")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_collection_notices_tenant_id_key")),
    )
    op.create_table(
        "payment_plans",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("paid_amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_payment_plans_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_plans_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payment_plans")),
    )
    op.create_index(
        "ix_payment_plans_tenant_customer",
        "payment_plans",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_payment_plans_tenant_status", "payment_plans", ["tenant_id", "status"], unique=False
    )
    op.create_table(
        "payment_promises",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("paid_amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_payment_promises_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_promises_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payment_promises")),
    )
    op.create_index(
        "ix_payment_promises_tenant_customer",
        "payment_promises",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_payment_promises_tenant_status",
        "payment_promises",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_table(
        "payment_plan_instalments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "plan_id"],
            ["payment_plans.tenant_id", "payment_plans.id"],
            name=op.f("fk_payment_plan_instalments_tenant_id_plan_id_payment_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_plan_instalments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payment_plan_instalments")),
        sa.UniqueConstraint(
            "tenant_id",
            "plan_id",
            "seq",
            name=op.f("uq_payment_plan_instalments_tenant_id_plan_id_seq"),
        ),
    )
    op.create_table(
        "payment_promise_invoices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("promise_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_payment_promise_invoices_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "promise_id"],
            ["payment_promises.tenant_id", "payment_promises.id"],
            name=op.f("fk_payment_promise_invoices_tenant_id_promise_id_payment_promises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_promise_invoices_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payment_promise_invoices")),
        sa.UniqueConstraint(
            "tenant_id",
            "promise_id",
            "invoice_id",
            name=op.f("uq_payment_promise_invoices_tenant_id_promise_id_invoice_id"),
        ),
    )
    op.create_table(
        "disputes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("accepted_amount", arplatform.db.types.MoneyAmount(), nullable=True),
        sa.Column("credit_note_id", sa.Uuid(), nullable=True),
        sa.Column("resolution_note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["credit_notes.tenant_id", "credit_notes.id"],
            name=op.f("fk_disputes_tenant_id_credit_note_id_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_disputes_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_disputes_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_disputes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_disputes")),
    )
    op.create_index(
        "ix_disputes_tenant_customer", "disputes", ["tenant_id", "customer_id"], unique=False
    )
    op.create_index(
        "ix_disputes_tenant_invoice", "disputes", ["tenant_id", "invoice_id"], unique=False
    )
    op.create_table(
        "payment_plan_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("instalment_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "instalment_id"],
            ["invoice_instalments.tenant_id", "invoice_instalments.id"],
            name=op.f("fk_payment_plan_items_tenant_id_instalment_id_invoice_instalments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_payment_plan_items_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "plan_id"],
            ["payment_plans.tenant_id", "payment_plans.id"],
            name=op.f("fk_payment_plan_items_tenant_id_plan_id_payment_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_plan_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payment_plan_items")),
        sa.UniqueConstraint(
            "tenant_id",
            "plan_id",
            "instalment_id",
            name=op.f("uq_payment_plan_items_tenant_id_plan_id_instalment_id"),
        ),
    )
    op.create_index(
        "ix_payment_plan_items_tenant_instalment",
        "payment_plan_items",
        ["tenant_id", "instalment_id"],
        unique=False,
    )

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_payment_plan_items_tenant_instalment", table_name="payment_plan_items")
    op.drop_table("payment_plan_items")
    op.drop_index("ix_disputes_tenant_invoice", table_name="disputes")
    op.drop_index("ix_disputes_tenant_customer", table_name="disputes")
    op.drop_table("disputes")
    op.drop_table("payment_promise_invoices")
    op.drop_table("payment_plan_instalments")
    op.drop_index("ix_payment_promises_tenant_status", table_name="payment_promises")
    op.drop_index("ix_payment_promises_tenant_customer", table_name="payment_promises")
    op.drop_table("payment_promises")
    op.drop_index("ix_payment_plans_tenant_status", table_name="payment_plans")
    op.drop_index("ix_payment_plans_tenant_customer", table_name="payment_plans")
    op.drop_table("payment_plans")
    op.drop_table("collection_notices")
