"""rls visibility as a plain expression, so that tenant queries may run in parallel

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from arplatform.db import rls

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY_TABLES = sa.text(
    "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = :name"
)


def _rewrite(visible: str, writable: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in bind.execute(POLICY_TABLES, {"name": rls.POLICY}).scalars().all():
        for statement in rls.alter_statements(table, visible=visible, writable=writable):
            op.execute(statement)


def upgrade() -> None:
    _rewrite(rls.VISIBLE, rls.WRITABLE)


def downgrade() -> None:
    # Row for row the same policy; only how often PostgreSQL evaluates it differs.
    _rewrite(rls.WRITABLE, rls.WRITABLE)
