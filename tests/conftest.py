"""Fixtures: settings per backend, migrated databases, a running app.

PostgreSQL and the brokers are used when reachable; with ARP_REQUIRE_SERVICES=1
(as in CI) an unreachable service fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from arplatform.db.migrate import upgrade
from arplatform.settings import Settings
from tests.support import (
    APP_ROLE,
    OWNER_ROLE,
    PG_HOST,
    PG_PORT,
    Api,
    _pg_admin,
    make_settings,
    pg_url,
    require_service,
    start_api,
)


@pytest.fixture(scope="session")
def sqlite_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("sqlite") / "arplatform.db"
    settings = make_settings(f"sqlite+aiosqlite:///{path}")
    upgrade(settings)
    return settings


def _fresh_postgres() -> Iterator[Settings]:
    """A new database owned by a migration role, migrated; the app connects as a plain role."""
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    database = f"arp_test_{uuid.uuid4().hex[:10]}"
    roles = f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
            CREATE ROLE {OWNER_ROLE} LOGIN;
          END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        END $$;
    """
    asyncio.run(_pg_admin([roles, f"CREATE DATABASE {database} OWNER {OWNER_ROLE}"]))
    settings = make_settings(pg_url(APP_ROLE, database), migration_url=pg_url(OWNER_ROLE, database))
    upgrade(settings)
    yield settings
    asyncio.run(_pg_admin([f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"]))


@pytest.fixture(scope="session")
def postgres_settings() -> Iterator[Settings]:
    """The session's PostgreSQL database, shared by the tests that use it."""
    yield from _fresh_postgres()


@pytest.fixture
def own_postgres_settings() -> Iterator[Settings]:
    """A PostgreSQL database of this test alone: for tests whose relay must see only their own
    outbox rows (the shared database holds other tests' undelivered messages)."""
    yield from _fresh_postgres()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_settings(request: pytest.FixtureRequest) -> Settings:
    """The suite's API tests run once per database backend."""
    return request.getfixturevalue(f"{request.param}_settings")  # type: ignore[no-any-return]


@pytest.fixture
def api(backend_settings: Settings) -> Iterator[Api]:
    yield from start_api(backend_settings)


@pytest.fixture
def sqlite_api(sqlite_settings: Settings) -> Iterator[Api]:
    yield from start_api(sqlite_settings)


@pytest.fixture
def postgres_api(postgres_settings: Settings) -> Iterator[Api]:
    yield from start_api(postgres_settings)
