"""ledger: instalments, payments, credit notes, allocations, number series

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import arplatform.db.types
from arplatform.db import rls
from arplatform.db.base import new_id

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("number_series", "payments", "credit_notes", "invoice_instalments", "allocations")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "number_series",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_number_series_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_number_series")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_number_series_tenant_id_name")),
    )
    op.create_table(
        "payments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("unapplied", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversal_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_payments_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "tenant_id", "external_ref", name=op.f("uq_payments_tenant_id_external_ref")
        ),
    )
    op.create_index(
        "ix_payments_tenant_customer", "payments", ["tenant_id", "customer_id"], unique=False
    )
    op.create_index(
        "ix_payments_tenant_received_on", "payments", ["tenant_id", "received_on"], unique=False
    )
    op.create_table(
        "credit_notes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("unapplied", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", arplatform.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_credit_notes_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_credit_notes_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_credit_notes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint(
            "tenant_id", "external_ref", name=op.f("uq_credit_notes_tenant_id_external_ref")
        ),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_credit_notes_tenant_id_number")),
    )
    op.create_index(
        "ix_credit_notes_tenant_customer",
        "credit_notes",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_table(
        "invoice_instalments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("original_due_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("open_amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_invoice_instalments_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_invoice_instalments_tenant_id_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_invoice_instalments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_invoice_instalments")),
        sa.UniqueConstraint(
            "tenant_id",
            "invoice_id",
            "seq",
            name=op.f("uq_invoice_instalments_tenant_id_invoice_id_seq"),
        ),
    )
    op.create_index(
        "ix_invoice_instalments_tenant_customer",
        "invoice_instalments",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_invoice_instalments_tenant_due_date",
        "invoice_instalments",
        ["tenant_id", "due_date"],
        unique=False,
    )
    op.create_table(
        "allocations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("instalment_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("credit_note_id", sa.Uuid(), nullable=True),
        sa.Column("amount", arplatform.db.types.MoneyAmount(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["credit_notes.tenant_id", "credit_notes.id"],
            name=op.f("fk_allocations_tenant_id_credit_note_id_credit_notes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_allocations_tenant_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "instalment_id"],
            ["invoice_instalments.tenant_id", "invoice_instalments.id"],
            name=op.f("fk_allocations_tenant_id_instalment_id_invoice_instalments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"],
            ["invoices.tenant_id", "invoices.id"],
            name=op.f("fk_allocations_tenant_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "payment_id"],
            ["payments.tenant_id", "payments.id"],
            name=op.f("fk_allocations_tenant_id_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_allocations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_allocations")),
    )
    op.create_index(
        "ix_allocations_tenant_booked_on", "allocations", ["tenant_id", "booked_on"], unique=False
    )
    op.create_index(
        "ix_allocations_tenant_instalment",
        "allocations",
        ["tenant_id", "instalment_id", "booked_on"],
        unique=False,
    )
    op.create_index(
        "ix_allocations_tenant_invoice", "allocations", ["tenant_id", "invoice_id"], unique=False
    )
    op.create_index(
        "ix_allocations_tenant_payment", "allocations", ["tenant_id", "payment_id"], unique=False
    )
    _extend_invoices()
    _backfill_instalments()
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TABLES:
            for statement in rls.enable_statements(table):
                op.execute(statement)


def _extend_invoices() -> None:
    """New invoice columns, filled from what existing invoices already say."""
    nullable_first = [
        sa.Column("series", sa.String(length=20), nullable=True),
        sa.Column("disputed", sa.Boolean(), nullable=True),
        sa.Column("original_due_date", sa.Date(), nullable=True),
        sa.Column("open_amount", arplatform.db.types.MoneyAmount(), nullable=True),
    ]
    optional = [
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("acceptance_date", sa.Date(), nullable=True),
        sa.Column("terms", JSON_DOCUMENT, nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("written_off_on", sa.Date(), nullable=True),
    ]
    for column in nullable_first + optional:
        op.add_column("invoices", column)
    op.execute(
        "UPDATE invoices SET series = 'INV', disputed = false, "
        "original_due_date = due_date, open_amount = total"
    )
    with op.batch_alter_table("invoices") as batch:
        for column in nullable_first:
            batch.alter_column(column.name, existing_type=column.type, nullable=False)
        batch.alter_column("number", existing_type=sa.String(length=50), nullable=True)
    op.create_index("ix_invoices_tenant_issue_date", "invoices", ["tenant_id", "issue_date"])


def _backfill_instalments() -> None:
    """Every invoice gets its single instalment: its total, due on its due date."""
    invoices = sa.table(
        "invoices",
        sa.column("tenant_id", sa.Uuid()),
        sa.column("id", sa.Uuid()),
        sa.column("customer_id", sa.Uuid()),
        sa.column("due_date", sa.Date()),
        sa.column("total", arplatform.db.types.MoneyAmount()),
    )
    instalments = sa.table(
        "invoice_instalments",
        *(sa.column(name, sa.Uuid()) for name in ("tenant_id", "id", "invoice_id", "customer_id")),
        sa.column("seq", sa.Integer()),
        sa.column("original_due_date", sa.Date()),
        sa.column("due_date", sa.Date()),
        sa.column("amount", arplatform.db.types.MoneyAmount()),
        sa.column("open_amount", arplatform.db.types.MoneyAmount()),
    )
    rows = op.get_bind().execute(sa.select(invoices)).all()
    if rows:
        op.bulk_insert(
            instalments,
            [
                {
                    "tenant_id": row.tenant_id,
                    "id": new_id(),
                    "invoice_id": row.id,
                    "customer_id": row.customer_id,
                    "seq": 1,
                    "original_due_date": row.due_date,
                    "due_date": row.due_date,
                    "amount": row.total,
                    "open_amount": row.total,
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_invoices_tenant_issue_date", table_name="invoices")
    op.execute("DELETE FROM invoices WHERE number IS NULL")
    with op.batch_alter_table("invoices") as batch:
        batch.alter_column("number", existing_type=sa.String(length=50), nullable=False)
        for name in (
            "written_off_on",
            "cancelled_on",
            "paid_on",
            "open_amount",
            "terms",
            "original_due_date",
            "acceptance_date",
            "delivery_date",
            "disputed",
            "series",
        ):
            batch.drop_column(name)
    op.drop_index("ix_allocations_tenant_payment", table_name="allocations")
    op.drop_index("ix_allocations_tenant_invoice", table_name="allocations")
    op.drop_index("ix_allocations_tenant_instalment", table_name="allocations")
    op.drop_index("ix_allocations_tenant_booked_on", table_name="allocations")
    op.drop_table("allocations")
    op.drop_index("ix_invoice_instalments_tenant_due_date", table_name="invoice_instalments")
    op.drop_index("ix_invoice_instalments_tenant_customer", table_name="invoice_instalments")
    op.drop_table("invoice_instalments")
    op.drop_index("ix_credit_notes_tenant_customer", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_index("ix_payments_tenant_received_on", table_name="payments")
    op.drop_index("ix_payments_tenant_customer", table_name="payments")
    op.drop_table("payments")
    op.drop_table("number_series")
