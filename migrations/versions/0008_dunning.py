"""dunning: plans, settings, per-instalment state, runs, communications, actions; customers'
postal address and credit hold; an index of open instalments by due date

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 07:07:14.083604
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import arplatform.db.types
from arplatform.db import rls

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = (
    "dunning_plans",
    "dunning_runs",
    "dunning_settings",
    "dunning_templates",
    "customer_dunning",
    "dunning_actions",
    "dunning_communications",
    "dunning_deliveries",
    "dunning_invoice_exclusions",
    "dunning_lines",
    "dunning_items",
)


def upgrade() -> None:
    op.create_table(
        "dunning_plans",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("risk_tier", sa.String(length=32), nullable=True),
        sa.Column("min_gap_days", sa.Integer(), nullable=False),
        sa.Column("business_days", sa.Boolean(), nullable=False),
        sa.Column(
            "levels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_plans_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_plans")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_dunning_plans_tenant_id_name")),
        sa.UniqueConstraint(
            "tenant_id", "risk_tier", name=op.f("uq_dunning_plans_tenant_id_risk_tier")
        ),
    )
    op.create_index(
        "ux_dunning_plans_tenant_default",
        "dunning_plans",
        ["tenant_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "dunning_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("communications", sa.Integer(), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_runs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_runs")),
    )
    op.create_table(
        "dunning_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_before_send", sa.Boolean(), nullable=False),
        sa.Column(
            "small_debt_thresholds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("run_hour", sa.Integer(), nullable=False),
        sa.Column("pay_within_days", sa.Integer(), nullable=False),
        sa.Column("sender_email", sa.String(length=254), nullable=True),
        sa.Column("reply_to", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("payment_instructions", sa.String(length=1000), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("last_run_on", sa.Date(), nullable=True),
        sa.Column("window_until", sa.Date(), nullable=True),
        sa.Column("read_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_settings")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_dunning_settings_tenant_id")),
    )
    op.create_table(
        "dunning_templates",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_templates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_templates")),
        sa.UniqueConstraint(
            "tenant_id",
            "template",
            "language",
            name=op.f("uq_dunning_templates_tenant_id_template_language"),
        ),
    )
    op.create_table(
        "customer_dunning",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_dunning_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "plan_id"],
            ["dunning_plans.tenant_id", "dunning_plans.id"],
            name=op.f("fk_customer_dunning_tenant_id_plan_id_dunning_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customer_dunning_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_dunning")),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", name=op.f("uq_customer_dunning_tenant_id_customer_id")
        ),
    )
    op.create_table(
        "dunning_actions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("communication_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("level_name", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column(
            "invoice_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_dunning_actions_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_actions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_actions")),
    )
    op.create_index(
        "ix_dunning_actions_status", "dunning_actions", ["tenant_id", "status"], unique=False
    )
    op.create_table(
        "dunning_communications",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_name", sa.String(length=80), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=True),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "channels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.Column("pay_by", sa.Date(), nullable=False),
        sa.Column("total_open", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("total_interest", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("next_step", sa.String(length=32), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("sent_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_dunning_communications_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "run_id"],
            ["dunning_runs.tenant_id", "dunning_runs.id"],
            name=op.f("fk_dunning_communications_tenant_id_run_id_dunning_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_communications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_communications")),
        sa.UniqueConstraint(
            "tenant_id", "reference", name=op.f("uq_dunning_communications_tenant_id_reference")
        ),
    )
    op.create_index(
        "ix_dunning_communications_customer",
        "dunning_communications",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_dunning_communications_notice_date",
        "dunning_communications",
        ["tenant_id", "notice_date"],
        unique=False,
    )
    op.create_index(
        "ix_dunning_communications_status",
        "dunning_communications",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_table(
        "dunning_deliveries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("communication_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "communication_id"],
            ["dunning_communications.tenant_id", "dunning_communications.id"],
            name=op.f("fk_dunning_deliveries_tenant_id_communication_id_dunning_communications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_deliveries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_deliveries")),
        sa.UniqueConstraint(
            "tenant_id",
            "communication_id",
            "channel",
            name=op.f("uq_dunning_deliveries_tenant_id_communication_id_channel"),
        ),
    )
    op.create_table(
        "dunning_invoice_exclusions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_dunning_invoice_exclusions_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_invoice_exclusions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_invoice_exclusions")),
        sa.UniqueConstraint(
            "tenant_id",
            "invoice_id",
            name=op.f("uq_dunning_invoice_exclusions_tenant_id_invoice_id"),
        ),
    )
    op.create_table(
        "dunning_lines",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("communication_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("instalment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_number", sa.String(length=50), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("open_amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("interest", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "communication_id"],
            ["dunning_communications.tenant_id", "dunning_communications.id"],
            name=op.f("fk_dunning_lines_tenant_id_communication_id_dunning_communications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_lines")),
    )
    op.create_index(
        "ix_dunning_lines_invoice", "dunning_lines", ["tenant_id", "invoice_id"], unique=False
    )
    op.create_table(
        "dunning_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instalment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("level_name", sa.String(length=80), nullable=True),
        sa.Column("level_on", sa.Date(), nullable=True),
        sa.Column("next_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "instalment_id"],
            ["invoice_instalments.tenant_id", "invoice_instalments.id"],
            name=op.f("fk_dunning_items_tenant_id_instalment_id_invoice_instalments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_dunning_items_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_dunning_items")),
        sa.UniqueConstraint(
            "tenant_id", "instalment_id", name=op.f("uq_dunning_items_tenant_id_instalment_id")
        ),
    )
    op.create_index(
        "ix_dunning_items_customer", "dunning_items", ["tenant_id", "customer_id"], unique=False
    )
    op.create_index(
        "ix_dunning_items_next_on",
        "dunning_items",
        ["tenant_id", "next_on"],
        unique=False,
        sqlite_where=sa.text("next_on IS NOT NULL"),
        postgresql_where=sa.text("next_on IS NOT NULL"),
    )
    op.add_column(
        "customers",
        sa.Column(
            "address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )
    op.add_column(
        "customers",
        sa.Column("credit_hold", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_invoices_tenant_updated_at", "invoices", ["tenant_id", "updated_at"], unique=False
    )
    op.create_index(
        "ix_invoice_instalments_open_due",
        "invoice_instalments",
        ["tenant_id", "due_date"],
        unique=False,
        sqlite_where=sa.text("open_amount > 0"),
        postgresql_where=sa.text("open_amount > 0"),
    )

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_invoices_tenant_updated_at", table_name="invoices")
    op.drop_index(
        "ix_invoice_instalments_open_due",
        table_name="invoice_instalments",
        sqlite_where=sa.text("open_amount > 0"),
        postgresql_where=sa.text("open_amount > 0"),
    )
    op.drop_column("customers", "credit_hold")
    op.drop_column("customers", "address")
    op.drop_index(
        "ix_dunning_items_next_on",
        table_name="dunning_items",
        sqlite_where=sa.text("next_on IS NOT NULL"),
        postgresql_where=sa.text("next_on IS NOT NULL"),
    )
    op.drop_index("ix_dunning_items_customer", table_name="dunning_items")
    op.drop_table("dunning_items")
    op.drop_index("ix_dunning_lines_invoice", table_name="dunning_lines")
    op.drop_table("dunning_lines")
    op.drop_table("dunning_invoice_exclusions")
    op.drop_table("dunning_deliveries")
    op.drop_index("ix_dunning_communications_status", table_name="dunning_communications")
    op.drop_index("ix_dunning_communications_customer", table_name="dunning_communications")
    op.drop_table("dunning_communications")
    op.drop_index("ix_dunning_actions_status", table_name="dunning_actions")
    op.drop_table("dunning_actions")
    op.drop_table("customer_dunning")
    op.drop_table("dunning_templates")
    op.drop_table("dunning_settings")
    op.drop_table("dunning_runs")
    op.drop_index(
        "ux_dunning_plans_tenant_default",
        table_name="dunning_plans",
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.drop_table("dunning_plans")
