"""Engines and tenant-scoped sessions.

Every ORM statement run through a :class:`TenantSession` is filtered to the
session's tenant (no tenant: no rows), new tenant rows are stamped with it, and
on PostgreSQL the tenant is set per transaction for row-level security.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, false, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria
from sqlalchemy.pool import AsyncAdaptedQueuePool

from arplatform.audit.recorder import record_flush
from arplatform.db.base import TenantScoped


class TenantScopeError(RuntimeError):
    """A row of one tenant was about to be written in another tenant's session."""


class TenantSession(Session):
    """The sync session behind every :class:`AsyncSession` of the app."""


def session_tenant(session: Session) -> uuid.UUID | None:
    tenant: uuid.UUID | None = session.info.get("tenant_id")
    return tenant


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_tenants", False):
        return
    tenant = session_tenant(state.session)
    criteria = (lambda cls: false()) if tenant is None else (lambda cls: cls.tenant_id == tenant)
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, criteria, include_aliases=True)
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    tenant = session_tenant(session)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant is None:
                raise TenantScopeError(f"{type(obj).__name__} written without a tenant")
            obj.tenant_id = tenant
        elif tenant is not None and obj.tenant_id != tenant:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")
    for obj in session.dirty:
        # A row never moves between tenants (RLS refuses it on PostgreSQL; SQLite would not).
        if isinstance(obj, TenantScoped):
            moved = inspect(obj).attrs.tenant_id.history
            if moved.deleted and list(moved.added) != list(moved.deleted):
                raise TenantScopeError(f"{type(obj).__name__} cannot move to another tenant")


@event.listens_for(TenantSession, "after_flush")
def _audit(session: Session, _ctx: Any) -> None:
    record_flush(session)


@event.listens_for(TenantSession, "after_begin")
def _set_rls_tenant(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant = session_tenant(session)
    # Transaction-local (third argument true): a pooled connection never carries
    # one request's tenant into the next.
    connection.execute(
        text("SELECT set_config('app.tenant_id', :tenant, true)"),
        {"tenant": "" if tenant is None else str(tenant)},
    )


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take the write lock at BEGIN: a deferred transaction that later writes
        # fails at once with SQLITE_BUSY instead of waiting for the other writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets one connection per engine, WAL and immediate locking."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=60
        )
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self._sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=TenantSession
        )

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self, tenant_id: uuid.UUID | None, *, actor: str | None = None) -> AsyncSession:
        """A session scoped to ``tenant_id`` (``None``: platform scope, no tenant rows)."""
        return self._sessions(info={"tenant_id": tenant_id, "actor": actor})

    async def dispose(self) -> None:
        await self.engine.dispose()
