"""interest: reference rates and interest policies

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import arplatform.db.types
from arplatform.db import rls

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("reference_rates", "interest_policies")


def _audited_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "reference_rates",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=9, scale=4), nullable=False),
        *_audited_columns(),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reference_rates_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_reference_rates")),
        sa.UniqueConstraint(
            "tenant_id",
            "key",
            "valid_from",
            name=op.f("uq_reference_rates_tenant_id_key_valid_from"),
        ),
    )
    op.create_table(
        "interest_policies",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("day_count", sa.String(length=16), nullable=False),
        sa.Column("rate", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("multiplier", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("reference_key", sa.String(length=32), nullable=True),
        sa.Column("margin", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("compensation_amount", arplatform.db.types.MoneyAmount(), nullable=True),
        sa.Column("compensation_currency", sa.String(length=3), nullable=True),
        *_audited_columns(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_interest_policies_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_interest_policies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_interest_policies")),
        sa.UniqueConstraint(
            "tenant_id", "customer_id", name=op.f("uq_interest_policies_tenant_id_customer_id")
        ),
    )
    op.create_index(
        "ux_interest_policies_tenant_default",
        "interest_policies",
        ["tenant_id"],
        unique=True,
        sqlite_where=sa.text("customer_id IS NULL"),
        postgresql_where=sa.text("customer_id IS NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_index("ux_interest_policies_tenant_default", table_name="interest_policies")
    op.drop_table("interest_policies")
    op.drop_table("reference_rates")
