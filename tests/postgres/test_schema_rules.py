"""Every table is tenant-scoped or on the explicit global list, and has RLS on PostgreSQL.

The model rules run without a database; the catalog rules read ``pg_class``,
``pg_policy`` and ``pg_roles`` of the migrated test database.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Column, ForeignKeyConstraint, Index, MetaData, Table, UniqueConstraint, Uuid

from arplatform.db.base import TenantScoped
from arplatform.db.registry import GLOBAL_TABLES, metadata, tenant_tables
from arplatform.settings import Settings
from tests.postgres.pg import database_of, mapped_tables, role_of, superuser_rows
from tests.support import OWNER_ROLE

TENANT = "tenant_id"


def _unique_column_sets(table: Table) -> list[tuple[str, set[str]]]:
    keys = [
        (str(c.name), {col.name for col in c.columns})
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    ]
    keys += [(str(i.name), {col.name for col in i.columns}) for i in table.indexes if i.unique]
    keys += [(f"{col.name} unique=True", {col.name}) for col in table.columns if col.unique]
    return keys


def _foreign_key_problems(table: Table, tenant_names: set[str]) -> list[str]:
    problems = []
    for fk in table.foreign_key_constraints:
        if fk.referred_table.name not in tenant_names:
            continue
        pairs = {(e.parent.name, e.column.name) for e in fk.elements}
        if len(pairs) < 2 or (TENANT, TENANT) not in pairs:
            problems.append(f"{table.name}: foreign key {sorted(pairs)} leaves out {TENANT}")
    return problems


def scope_problems(meta: MetaData, global_tables: frozenset[str]) -> list[str]:
    """Every way a table of ``meta`` breaks the tenant-scoping rules of the schema."""
    tenant_names = {name for name in meta.tables if name not in global_tables}
    problems: list[str] = []
    for name in sorted(tenant_names):
        table = meta.tables[name]
        column = table.columns.get(TENANT)
        if column is None or column.nullable:
            problems.append(f"{name}: no non-null {TENANT} and not in GLOBAL_TABLES")
            continue
        pk = [col.name for col in table.primary_key.columns]
        if pk[:1] != [TENANT]:
            problems.append(f"{name}: primary key {pk} does not start with {TENANT}")
        for key, columns in _unique_column_sets(table):
            if TENANT not in columns:
                problems.append(f"{name}: unique {key} {sorted(columns)} leaves out {TENANT}")
        problems += _foreign_key_problems(table, tenant_names)
    return problems


def test_every_table_is_global_or_tenant_scoped() -> None:
    """No table holds tenant rows without tenant_id leading its keys (or is listed global)."""
    assert scope_problems(metadata, GLOBAL_TABLES) == []
    assert sorted(set(metadata.tables) - GLOBAL_TABLES) == tenant_tables()


def test_global_list_names_only_existing_tables() -> None:
    """A stale allow-list entry would silently exempt a future table of that name."""
    assert GLOBAL_TABLES - {"alembic_version"} <= set(metadata.tables)


def test_tenant_tables_are_mapped_by_tenant_scoped_models() -> None:
    """The session filters TenantScoped entities only: each tenant table must be one."""
    mapped = mapped_tables()
    unscoped = [
        name
        for name in tenant_tables()
        if name not in mapped or not issubclass(mapped[name], TenantScoped)
    ]
    assert unscoped == []


def test_scope_rules_catch_each_violation() -> None:
    """The checker itself reports every kind of mistake (so a green run means something)."""
    meta = MetaData()
    Table("tenants", meta, Column("id", Uuid, primary_key=True))
    Table("no_tenant", meta, Column("id", Uuid, primary_key=True))
    Table("nullable", meta, Column("tenant_id", Uuid, nullable=True), Column("id", Uuid))
    Table(
        "parent",
        meta,
        Column("id", Uuid, primary_key=True),
        Column("tenant_id", Uuid, primary_key=True, nullable=False),
        Column("email", Uuid, unique=True),
        Index("ix_parent_code", "email", unique=True),
    )
    Table(
        "child",
        meta,
        Column("tenant_id", Uuid, primary_key=True),
        Column("id", Uuid, primary_key=True),
        Column("parent_id", Uuid),
        ForeignKeyConstraint(["parent_id"], ["parent.id"]),
        UniqueConstraint("parent_id", name="uq_child_parent"),
    )
    problems = "\n".join(scope_problems(meta, frozenset({"tenants"})))
    for expected in (
        "no_tenant: no non-null",
        "nullable: no non-null",
        "parent: primary key ['id', 'tenant_id']",
        "parent: unique email unique=True",
        "parent: unique ix_parent_code",
        "child: unique uq_child_parent",
        "child: foreign key [('parent_id', 'id')]",
    ):
        assert expected in problems


# --- the same rules, as PostgreSQL enforces them ----------------------------------------

# See arplatform.db.rls: reads compare the setting as a plain expression, writes through a
# sub-select (read once per statement).
_VISIBLE = "tenant_id=(NULLIF(current_setting('app.tenant_id',true),''))::uuid"
_WRITABLE = "tenant_id=(SELECT(NULLIF(current_setting('app.tenant_id',true),''))::uuidAS\"nullif\")"


def _normalised(expression: str | None) -> str:
    """A policy expression without casts to text, whitespace and outer parentheses."""
    plain = re.sub(r"\s+", "", (expression or "").replace("::text", ""))
    while plain.startswith("(") and plain.endswith(")"):
        plain = plain[1:-1]
    return plain


def _rls_tables(database: str) -> dict[str, dict[str, object]]:
    rows = superuser_rows(
        database,
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        """,
    )
    return {row["relname"]: row for row in rows}


def _policies(database: str) -> list[dict[str, object]]:
    return superuser_rows(
        database,
        """
        SELECT c.relname AS table, p.polname, p.polcmd::text AS polcmd, p.polpermissive,
               array_to_string(p.polroles, ',') AS polroles,
               pg_get_expr(p.polqual, p.polrelid) AS using_expr,
               pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        """,
    )


@pytest.mark.postgres
def test_every_tenant_table_has_forced_rls(postgres_settings: Settings) -> None:
    """RLS is enabled and forced on exactly the tenant tables, not on any global one."""
    tables = _rls_tables(database_of(postgres_settings))
    assert set(tenant_tables()) <= set(tables), "migrations miss tables of the models"
    enabled = {name for name, row in tables.items() if row["relrowsecurity"]}
    forced = {name for name, row in tables.items() if row["relforcerowsecurity"]}
    assert enabled == set(tenant_tables())
    assert forced == set(tenant_tables())


@pytest.mark.postgres
def test_every_tenant_table_has_the_tenant_policy(postgres_settings: Settings) -> None:
    """One permissive policy for all commands and roles, checking reads and writes alike."""
    policies = _policies(database_of(postgres_settings))
    assert sorted(str(p["table"]) for p in policies) == tenant_tables()
    for policy in policies:
        assert policy["polcmd"] == "*", policy
        assert policy["polpermissive"] is True, policy
        assert policy["polroles"] == "0", policy  # PUBLIC: every role
        assert _normalised(str(policy["using_expr"])) == _VISIBLE, policy
        assert _normalised(str(policy["check_expr"])) == _WRITABLE, policy


@pytest.mark.postgres
def test_runtime_role_cannot_bypass_rls(postgres_settings: Settings) -> None:
    """The app's role is no superuser, has no BYPASSRLS, owns nothing, is not the owner."""
    database = database_of(postgres_settings)
    app_role = role_of(postgres_settings.database_url)
    assert app_role != role_of(postgres_settings.migration_database_url)
    [role] = superuser_rows(
        database,
        "SELECT rolsuper, rolbypassrls, pg_has_role($1, $2, 'MEMBER') AS in_owner "
        "FROM pg_roles WHERE rolname = $1",
        app_role,
        OWNER_ROLE,
    )
    assert role == {"rolsuper": False, "rolbypassrls": False, "in_owner": False}
    owned = superuser_rows(
        database,
        """
        SELECT n.nspname, c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
        """,
        app_role,
    )
    assert owned == []
    [db_owner] = superuser_rows(
        database,
        "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
        database,
    )
    assert db_owner["owner"] != app_role


@pytest.mark.postgres
def test_audit_log_is_append_only_for_the_runtime_role(postgres_settings: Settings) -> None:
    """The application may add audit records and read them, never change or delete them."""
    database = database_of(postgres_settings)
    app_role = role_of(postgres_settings.database_url)
    [rights] = superuser_rows(
        database,
        "SELECT has_table_privilege($1, 'audit_events', 'INSERT') AS can_insert, "
        "has_table_privilege($1, 'audit_events', 'SELECT') AS can_select, "
        "has_table_privilege($1, 'audit_events', 'UPDATE') AS can_update, "
        "has_table_privilege($1, 'audit_events', 'DELETE') AS can_delete",
        app_role,
    )
    assert rights == {
        "can_insert": True,
        "can_select": True,
        "can_update": False,
        "can_delete": False,
    }
