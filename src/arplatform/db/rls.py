"""PostgreSQL row-level security: the second, independent wall between tenants."""

from __future__ import annotations

POLICY = "tenant_isolation"
#: The transaction's tenant (``db.session`` sets ``app.tenant_id``; unset sees nothing).
SETTING = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
#: Which rows a statement sees: a plain expression, so that queries may run with parallel
#: workers. The tenant-scoped session adds ``tenant_id = :tenant`` to every query, and
#: PostgreSQL folds the two equalities into one: the setting is compared once per
#: statement (a One-Time Filter), not per row (decision 0014).
VISIBLE = f"tenant_id = {SETTING}"
#: Which rows a statement may write: a sub-select, read once per statement (an InitPlan),
#: as an insert of imported rows has no query condition to fold it into.
WRITABLE = f"tenant_id = (SELECT {SETTING})"


def enable_statements(table: str) -> list[str]:
    """SQL that makes ``table`` visible and writable only for the transaction's tenant.

    FORCE applies the policy to the table owner too; the application must
    still connect as a role that is neither owner, superuser nor BYPASSRLS.
    """
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {table} USING ({VISIBLE}) WITH CHECK ({WRITABLE})",
    ]


def alter_statements(table: str, *, visible: str = VISIBLE, writable: str = WRITABLE) -> list[str]:
    """SQL that rewrites an existing policy of ``table`` with the given expressions."""
    return [f"ALTER POLICY {POLICY} ON {table} USING ({visible}) WITH CHECK ({writable})"]


def disable_statements(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
