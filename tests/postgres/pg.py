"""Helpers of the PostgreSQL tests: catalog queries as superuser, own engines, models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import Table, make_url

from arplatform.db.base import Base
from arplatform.db.registry import tenant_tables
from arplatform.db.session import Database
from arplatform.settings import Settings
from tests.support import PG_HOST, PG_PORT, PG_SUPERUSER, Api, TenantHandle

T = TypeVar("T")


@dataclass(frozen=True)
class Seeded:
    """Two tenants, each with a customer and an invoice created through the API."""

    api: Api
    a: TenantHandle
    b: TenantHandle
    customers: dict[uuid.UUID, str]  # tenant id -> its customer id

    @property
    def settings(self) -> Settings:
        return self.api.settings


def database_of(settings: Settings) -> str:
    name = make_url(settings.database_url).database
    assert name, settings.database_url
    return name


def role_of(url: str) -> str:
    name = make_url(url).username
    assert name, url
    return name


async def _fetch(database: str, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_SUPERUSER, database=database
    )
    try:
        return [dict(row) for row in await connection.fetch(sql, *args)]
    finally:
        await connection.close()


def superuser_rows(database: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of ``sql`` run by the superuser, who bypasses row-level security."""
    return asyncio.run(_fetch(database, sql, args))


def with_database(url: str, work: Callable[[Database], Awaitable[T]], *, pool_size: int = 10) -> T:
    """Run ``work`` with an engine of the app's kind, created and disposed on a fresh loop."""

    async def main() -> T:
        db = Database(url, pool_size=pool_size)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def mapped_tables() -> dict[str, type[Any]]:
    """Table name -> the model class mapped to it."""
    return {cast(Table, m.local_table).name: m.class_ for m in Base.registry.mappers}


def tenant_models() -> dict[str, type[Any]]:
    """The mapped class of each tenant table."""
    by_table = mapped_tables()
    return {name: by_table[name] for name in tenant_tables()}


def rows_per_tenant(database: str) -> dict[str, dict[Any, int]]:
    """For each tenant table: tenant id -> row count, as the superuser sees it."""
    counts: dict[str, dict[Any, int]] = {}
    for table in tenant_tables():
        sql = f"SELECT tenant_id, count(*) AS n FROM {table} GROUP BY tenant_id"
        counts[table] = {row["tenant_id"]: row["n"] for row in superuser_rows(database, sql)}
    return counts
