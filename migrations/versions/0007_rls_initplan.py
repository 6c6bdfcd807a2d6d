"""rls policies read the tenant once per statement

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from arplatform.db import rls

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The expression as this revision wrote it (0012 relaxed the visibility half).
ONCE_PER_STATEMENT = f"tenant_id = (SELECT {rls.SETTING})"
POLICY_TABLES = sa.text(
    "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = :name"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in bind.execute(POLICY_TABLES, {"name": rls.POLICY}).scalars().all():
        rewrite = rls.alter_statements(
            table, visible=ONCE_PER_STATEMENT, writable=ONCE_PER_STATEMENT
        )
        for statement in rewrite:
            op.execute(statement)


def downgrade() -> None:
    # The expression is equivalent row for row; only its evaluation differs.
    pass
