"""The migrations build exactly the models' schema, and undo it, on SQLite and PostgreSQL.

``compare_metadata`` is what ``alembic check`` runs: an empty diff means that
autogenerate would write an empty revision.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from arplatform.db.migrate import alembic_config, upgrade
from arplatform.db.registry import metadata, tenant_tables
from arplatform.settings import Settings
from tests.postgres.pg import database_of, superuser_rows
from tests.support import make_settings


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _inspect(url: str) -> tuple[list[Any], set[str]]:
    """The diff between the models and the database at ``url``, and its tables."""

    async def main() -> tuple[list[Any], set[str]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_diff), await connection.run_sync(_tables)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _round_trip(settings: Settings) -> None:
    """Upgrade, compare, downgrade to base, upgrade again, compare again."""
    owner_url = settings.migration_database_url
    upgrade(settings)
    diff, tables = _inspect(owner_url)
    assert diff == []
    assert tables == set(metadata.tables) | {"alembic_version"}

    command.downgrade(alembic_config(owner_url), "base")
    assert _inspect(owner_url)[1] == {"alembic_version"}

    upgrade(settings)
    diff, tables = _inspect(owner_url)
    assert diff == []
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_sqlite_migrations_build_the_models_schema(tmp_path: Path) -> None:
    """On a fresh SQLite file: head == models; base leaves only alembic_version."""
    _round_trip(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"))


@pytest.mark.postgres
def test_postgres_migrations_build_the_models_schema(fresh_postgres: Settings) -> None:
    """On a fresh PostgreSQL database owned by the owner role: the same, plus RLS."""
    _round_trip(fresh_postgres)
    policies = superuser_rows(
        database_of(fresh_postgres), "SELECT polrelid::regclass::text AS t FROM pg_policy"
    )
    assert sorted(row["t"] for row in policies) == tenant_tables()


@pytest.mark.postgres
def test_postgres_downgrade_removes_policies(fresh_postgres: Settings) -> None:
    """Downgrading to base leaves no policy, no type and no sequence behind."""
    upgrade(fresh_postgres)
    command.downgrade(alembic_config(fresh_postgres.migration_database_url), "base")
    leftovers = superuser_rows(
        database_of(fresh_postgres),
        """
        SELECT 'policy' AS kind, polname::text AS name FROM pg_policy
        UNION ALL
        SELECT 'relation', c.relname::text FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relname NOT LIKE '%alembic_version%'
        UNION ALL
        SELECT 'type', t.typname::text FROM pg_type t
          JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE n.nspname = 'public' AND t.typname NOT LIKE '%alembic_version%'
        """,
    )
    assert leftovers == []
