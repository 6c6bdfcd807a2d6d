"""Apply the Alembic migrations as the owner role, then grant the runtime role its rights."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from arplatform.settings import Settings


def migrations_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "migrations"
    if packaged.is_dir():  # installed from a wheel
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"  # a source checkout


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = url
    return config


async def _grant_runtime_role(owner_url: str, role: str) -> None:
    engine = create_async_engine(owner_url)
    async with engine.begin() as connection:
        quoted = connection.dialect.identifier_preparer.quote(role)
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
            # The audit log is append-only for the application.
            f"REVOKE UPDATE, DELETE ON audit_events FROM {quoted}",
        ):
            await connection.execute(text(statement))
    await engine.dispose()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate to ``revision``; on PostgreSQL grant the runtime role DML, nothing more."""
    if settings.database_url.startswith("sqlite"):
        path = make_url(settings.database_url).database
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.migration_database_url), revision)
    runtime = make_url(settings.database_url).username
    owner = make_url(settings.migration_database_url).username
    if settings.is_postgres and runtime and runtime != owner:
        asyncio.run(_grant_runtime_role(settings.migration_database_url, runtime))
