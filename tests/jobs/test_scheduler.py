"""The scheduler enqueues each period once; the purge fans out per tenant and stays in it."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from arplatform.api.idempotency import IdempotencyRecord
from arplatform.auth.service import create_tenant
from arplatform.db.session import Database
from arplatform.jobs.maintenance import PURGE, PURGE_TENANT, PURGE_TENANT_JOB
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobRuntime
from arplatform.jobs.scheduler import Periodic, enqueue_due, period_key
from arplatform.settings import Settings

HOURLY = Periodic(job=PURGE.name, every=timedelta(hours=1))


@pytest.fixture
async def db(backend_settings: Settings) -> AsyncIterator[Database]:
    database = Database(backend_settings.database_url)
    yield database
    await database.dispose()


def _some_hour() -> datetime:
    """A period no other test (nor a real scheduler) uses, 10 minutes into the hour."""
    hours = random.randrange(24 * 365 * 50)
    return datetime(2100, 1, 1, tzinfo=UTC) + timedelta(hours=hours, minutes=10)


async def _rows_for(db: Database, keys: list[str]) -> list[OutboxMessage]:
    async with db.session(None) as session:
        stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys))
        return list((await session.scalars(stmt)).all())


async def _drop(db: Database, ids: list[uuid.UUID]) -> None:
    async with db.session(None) as session, session.begin():
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


async def test_a_period_is_enqueued_once_and_the_next_period_again(db: Database) -> None:
    """``enqueue_due`` twice in one period adds one row; the next period adds another."""
    now = _some_hour()
    later_same_hour = now + timedelta(minutes=40)
    next_hour = now + timedelta(hours=1)
    assert await enqueue_due(db, [HOURLY], now) == 1
    assert await enqueue_due(db, [HOURLY], later_same_hour) == 0
    assert await enqueue_due(db, [HOURLY], next_hour) == 1
    keys = [period_key(HOURLY, now), period_key(HOURLY, next_hour)]
    rows = await _rows_for(db, keys)
    try:
        assert sorted(r.dedupe_key or "" for r in rows) == sorted(keys)
        assert all(r.available_at <= now + timedelta(hours=1) for r in rows)
        assert {(r.actor, r.tenant_id, r.dispatched_at) for r in rows} == {(PURGE.name, None, None)}
    finally:
        await _drop(db, [r.id for r in rows])


@pytest.mark.postgres
async def test_concurrent_schedulers_enqueue_a_period_once(postgres_settings: Settings) -> None:
    """Several schedulers ticking at once (own engines, PostgreSQL) enqueue the period once,
    and none of them fails on the race."""
    now = _some_hour()
    databases = [Database(postgres_settings.database_url, pool_size=1) for _ in range(6)]
    try:
        results = await asyncio.gather(
            *(enqueue_due(d, [HOURLY], now) for d in databases), return_exceptions=True
        )
        rows = await _rows_for(databases[0], [period_key(HOURLY, now)])
        await _drop(databases[0], [r.id for r in rows])
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert sorted(results) == [0] * 5 + [1]  # type: ignore[type-var]
        assert len(rows) == 1
    finally:
        await asyncio.gather(*(d.dispose() for d in databases))


async def _add_records(db: Database, tenant_id: uuid.UUID, now: datetime) -> None:
    async with db.session(tenant_id) as session, session.begin():
        for key, expires in (("expired", now - timedelta(hours=1)), ("fresh", now + timedelta(1))):
            session.add(
                IdempotencyRecord(
                    client_id="c1",
                    key=key,
                    fingerprint="f" * 64,
                    status_code=201,
                    body=b"{}",
                    headers={},
                    expires_at=expires,
                )
            )


async def _keys(db: Database, tenant_id: uuid.UUID) -> list[str]:
    async with db.session(tenant_id) as session:
        return sorted((await session.scalars(select(IdempotencyRecord.key))).all())


@pytest.mark.postgres
async def test_purge_fans_out_per_tenant_and_purges_only_that_tenant(
    postgres_settings: Settings,
) -> None:
    """``maintenance.purge`` enqueues one ``maintenance.purge_tenant`` per tenant; each deletes
    its own tenant's expired idempotency records and nothing else (RLS, non-owner role)."""
    settings = postgres_settings
    db = Database(settings.database_url)
    runtime = JobRuntime(settings)
    now = datetime.now(UTC)
    try:
        a = (await create_tenant(db, name="A", country="DE", currency="EUR")).tenant_id
        b = (await create_tenant(db, name="B", country="FR", currency="EUR")).tenant_id
        for tenant in (a, b):
            await _add_records(db, tenant, now)
        async with db.session(None) as session, session.begin():
            purge = enqueue(session, PURGE.name, {}, tenant_id=None)
        assert await runtime.execute(PURGE, purge.id)
        assert not await runtime.execute(PURGE, purge.id)  # a redelivery fans out nothing more

        async with db.session(None) as session:
            fanned = list(
                (
                    await session.scalars(
                        select(OutboxMessage).where(
                            OutboxMessage.actor == PURGE_TENANT_JOB,
                            OutboxMessage.created_at >= now,
                        )
                    )
                ).all()
            )
        by_tenant = {row.tenant_id: row for row in fanned}
        assert len(fanned) == len(by_tenant)  # one per tenant
        assert {a, b} <= set(by_tenant)

        assert await runtime.execute(PURGE_TENANT, by_tenant[a].id)
        assert await _keys(db, a) == ["fresh"]
        assert await _keys(db, b) == ["expired", "fresh"]
        assert await runtime.execute(PURGE_TENANT, by_tenant[b].id)
        assert await _keys(db, b) == ["fresh"]
        async with db.session(None) as session:
            total = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.id == purge.id)
            )
        assert total == 1
        await _drop(db, [purge.id, *(row.id for row in fanned)])
    finally:
        await runtime.dispose()
        await db.dispose()
