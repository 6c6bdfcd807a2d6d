"""credit_watch: exposure, commitments, FX rates, country risk, alerts

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import arplatform.db.types
from arplatform.db import rls

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("fx_rates", "credit_commitments", "country_risks", "credit_alerts")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _keys(table: str) -> list[sa.SchemaItem]:
    """Tenant and id columns, the primary key and the tenant foreign key."""
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f(f"fk_{table}_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    ]


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _customer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "customer_id"],
        ["customers.tenant_id", "customers.id"],
        name=op.f(f"fk_{table}_tenant_id_customer_id_customers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        *_keys("fx_rates"),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("quote", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        *_stamps(),
        sa.UniqueConstraint(
            "tenant_id",
            "base",
            "quote",
            "valid_from",
            name=op.f("uq_fx_rates_tenant_id_base_quote_valid_from"),
        ),
    )
    op.create_table(
        "credit_commitments",
        *_keys("credit_commitments"),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("expected_invoice_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_stamps(),
        _customer_fk("credit_commitments"),
    )
    op.create_index(
        "ix_credit_commitments_customer",
        "credit_commitments",
        ["tenant_id", "customer_id", "status"],
        unique=False,
    )
    op.create_table(
        "country_risks",
        *_keys("country_risks"),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("rating", sa.String(length=1), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=80), nullable=False),
        *_stamps(),
        sa.UniqueConstraint(
            "tenant_id", "country", name=op.f("uq_country_risks_tenant_id_country")
        ),
    )
    op.create_table(
        "credit_alerts",
        *_keys("credit_alerts"),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("acknowledged_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        *_stamps(),
        _customer_fk("credit_alerts"),
    )
    op.create_index(
        "ux_credit_alerts_active",
        "credit_alerts",
        ["tenant_id", "customer_id", "signal"],
        unique=True,
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_index(
        "ix_credit_alerts_status", "credit_alerts", ["tenant_id", "status"], unique=False
    )

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_credit_alerts_status", table_name="credit_alerts")
    op.drop_index(
        "ux_credit_alerts_active",
        table_name="credit_alerts",
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.drop_table("credit_alerts")
    op.drop_table("country_risks")
    op.drop_index("ix_credit_commitments_customer", table_name="credit_commitments")
    op.drop_table("credit_commitments")
    op.drop_table("fx_rates")
