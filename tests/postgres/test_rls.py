"""Acceptance "RLS alone": PostgreSQL keeps tenants apart without the app's own filter.

Each test switches the session's filter off (``all_tenants=True``) or writes
through raw SQL, so only row-level security stands between the tenants.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from arplatform.customers.models import Customer
from arplatform.db.registry import tenant_tables
from arplatform.db.session import Database
from tests.postgres.pg import (
    Seeded,
    database_of,
    rows_per_tenant,
    tenant_models,
    with_database,
)

pytestmark = pytest.mark.postgres

#: Tables the seed must fill for tenant B, so that no check passes on an empty table.
SEEDED_TABLES = {
    "api_clients",
    "audit_events",
    "customers",
    "events",
    "idempotency_keys",
    "invoices",
    "invoice_lines",
}

RAW_CUSTOMER = text(
    "INSERT INTO customers (tenant_id, id, legal_name, country, currency, language, contacts,"
    " created_at, updated_at, version)"
    " VALUES (:owner, :id, 'Raw GmbH', 'DE', 'EUR', 'en', '[]', now(), now(), 1)"
)


def _record_statements(db: Database) -> list[str]:
    statements: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    return statements


async def _tenants_seen(db: Database, tenant: uuid.UUID | None) -> dict[str, Counter[Any]]:
    """Tenant ids of the rows of every tenant table, the app filter switched off."""
    seen: dict[str, Counter[Any]] = {}
    async with db.session(tenant) as session:
        for table, model in tenant_models().items():
            stmt = select(model.tenant_id).execution_options(all_tenants=True)
            seen[table] = Counter((await session.scalars(stmt)).all())
    return seen


def test_rls_alone_hides_other_tenants_rows(seeded: Seeded) -> None:
    """With the session filter off, tenant A reads exactly its own rows of every table."""
    a, b = seeded.a.tenant_id, seeded.b.tenant_id
    counts = rows_per_tenant(database_of(seeded.settings))
    assert {t for t, by_tenant in counts.items() if b in by_tenant} >= SEEDED_TABLES

    async def work(db: Database) -> tuple[dict[str, Counter[Any]], list[str]]:
        statements = _record_statements(db)
        return await _tenants_seen(db, a), statements

    seen, statements = with_database(seeded.settings.database_url, work)
    for table in tenant_tables():
        own = {a: counts[table][a]} if a in counts[table] else {}
        assert dict(seen[table]) == own, table
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) >= len(tenant_tables())
    assert not [q for q in queries if "WHERE" in q.upper() and "tenant_id" in q], queries


def test_platform_scope_sees_no_tenant_rows(seeded: Seeded) -> None:
    """A session without tenant fails closed: no rows through the ORM, none through raw SQL."""

    async def work(db: Database) -> tuple[dict[str, int], dict[str, Counter[Any]], dict[str, int]]:
        orm: dict[str, int] = {}
        raw: dict[str, int] = {}
        async with db.session(None) as session:
            for table, model in tenant_models().items():
                orm[table] = len((await session.scalars(select(model))).all())
                raw[table] = await session.scalar(text(f"SELECT count(*) FROM {table}"))
        return orm, await _tenants_seen(db, None), raw

    orm, unfiltered, raw = with_database(seeded.settings.database_url, work)
    assert set(orm.values()) == {0}
    assert {t: dict(c) for t, c in unfiltered.items()} == {t: {} for t in tenant_tables()}
    assert set(raw.values()) == {0}


async def _rowcount(db: Database, scope: uuid.UUID, statement: Any, **params: Any) -> int:
    """Run ``statement`` in a session of tenant ``scope`` and roll it back; its row count."""
    async with db.session(scope) as session:
        result = await session.execute(statement, params)
        await session.rollback()
        return int(getattr(result, "rowcount", -1))


async def _refused(db: Database, scope: uuid.UUID, statement: Any, **params: Any) -> str:
    with pytest.raises(DBAPIError) as refused:
        await _rowcount(db, scope, statement, **params)
    return str(refused.value)


def test_rls_refuses_writes_for_another_tenant(seeded: Seeded) -> None:
    """WITH CHECK: a tenant-A session cannot write a row stamped with tenant B, by any route."""
    a, b = seeded.a.tenant_id, seeded.b.tenant_id
    a_customer = uuid.UUID(seeded.customers[a])
    orm_insert = insert(Customer).values(legal_name="Stamped GmbH", country="DE", currency="EUR")

    async def work(db: Database) -> tuple[list[int], list[str]]:
        allowed = [  # the same writes for A's own tenant pass: the refusals are about B
            await _rowcount(db, a, orm_insert.values(tenant_id=a)),
            await _rowcount(db, a, RAW_CUSTOMER, owner=a, id=uuid.uuid4()),
            await _rowcount(
                db, a, text("UPDATE customers SET legal_name = 'Own' WHERE id = :c"), c=a_customer
            ),
        ]
        refusals = [
            await _refused(db, a, orm_insert.values(tenant_id=b)),
            await _refused(db, a, RAW_CUSTOMER, owner=b, id=uuid.uuid4()),
            await _refused(
                db, a, text("UPDATE customers SET tenant_id = :b WHERE id = :c"), b=b, c=a_customer
            ),
        ]
        return allowed, refusals

    allowed, refusals = with_database(seeded.settings.database_url, work)
    assert allowed == [1, 1, 1]
    for message in refusals:
        assert "violates row-level security policy" in message, message


def test_rls_hides_other_tenants_rows_from_updates_and_deletes(seeded: Seeded) -> None:
    """USING: tenant A's UPDATE and DELETE find none of tenant B's rows, but all of its own."""
    a, b = seeded.a.tenant_id, seeded.b.tenant_id
    database = database_of(seeded.settings)
    before = rows_per_tenant(database)
    tables = ("invoice_lines", "invoices", "customers")

    async def work(db: Database) -> dict[str, list[int]]:
        counts: dict[str, list[int]] = {}
        for table in tables:
            where = "WHERE tenant_id = :tenant"
            update = text(f"UPDATE {table} SET tenant_id = tenant_id {where}")
            delete = text(f"DELETE FROM {table} {where}")
            counts[table] = [
                await _rowcount(db, a, update, tenant=a),  # control: A's own rows are found
                await _rowcount(db, a, update, tenant=b),
                await _rowcount(db, a, delete, tenant=b),
            ]
        return counts

    counts = with_database(seeded.settings.database_url, work)
    assert counts == {t: [before[t][a], 0, 0] for t in tables}
    assert {t: c.get(b) for t, c in rows_per_tenant(database).items()} == {
        t: c.get(b) for t, c in before.items()
    }


def test_tenant_setting_is_transaction_local(seeded: Seeded) -> None:
    """A pooled connection carries no tenant into the next transaction."""
    a = seeded.a.tenant_id
    setting = text("SELECT current_setting('app.tenant_id', true)")
    pid = select(func.pg_backend_pid())

    async def work(db: Database) -> dict[str, Any]:
        async with db.session(a) as session:
            first = {
                "pid": await session.scalar(pid),
                "setting": await session.scalar(setting),
                "customers": await session.scalar(text("SELECT count(*) FROM customers")),
            }
            await session.commit()
        async with db.engine.connect() as connection:  # no session: nobody sets a tenant
            second = {
                "pid": await connection.scalar(pid),
                "setting": await connection.scalar(setting),
            }
            for table in tenant_tables():
                second[table] = await connection.scalar(text(f"SELECT count(*) FROM {table}"))
        return {"first": first, "second": second}

    seen = with_database(seeded.settings.database_url, work, pool_size=1)
    first, second = seen["first"], seen["second"]
    assert second["pid"] == first["pid"], "the pool handed out another connection"
    assert first["setting"] == str(a)
    assert first["customers"] == 1
    assert second["setting"] == ""
    assert {second[t] for t in tenant_tables()} == {0}


def test_policies_read_the_tenant_once_per_statement(seeded: Seeded) -> None:
    """A tenant query compares the setting once (a One-Time Filter), never per row, and may
    still run with parallel workers; writes check new rows through an InitPlan."""
    a = seeded.a.tenant_id
    quals = text(
        "SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = 'tenant_isolation'"
    )
    # A parallel scan even of the seed's few rows, so that the plan shows whether it may be.
    eager = (
        "SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0;"
        " SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL enable_indexscan = off;"
        " SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off"
    )

    async def work(db: Database) -> tuple[dict[str, tuple[str, str]], str, str]:
        sent: list[tuple[str, Any]] = []

        @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
        def _record(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
            sent.append((statement, params))

        async with db.session(a) as session, session.begin():
            policies = {row[0]: (row[1], row[2]) for row in (await session.execute(quals)).all()}
            for setting in eager.split(";"):
                await session.execute(text(setting))
            await session.scalar(select(func.count()).select_from(Customer))
            statement, params = sent[-1]  # as the session sent it, with its tenant condition
            connection = await session.connection()
            read = await connection.exec_driver_sql(f"EXPLAIN {statement}", params)
            write = await session.scalars(
                text(f"EXPLAIN {RAW_CUSTOMER}"), {"owner": a, "id": uuid.uuid4()}
            )
            return policies, "\n".join(r[0] for r in read.all()), "\n".join(write.all())

    policies, read, write = with_database(seeded.settings.database_url, work)
    assert set(policies) == set(tenant_tables())
    assert all("SELECT" not in q and "SELECT" in c for q, c in policies.values()), policies
    assert "One-Time Filter" in read and "Gather" in read, read
    [scan] = [line for line in read.splitlines() if "Filter: (tenant_id" in line]
    assert "current_setting" not in scan, read
    assert "InitPlan" in write, write
