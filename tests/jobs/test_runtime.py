"""JobRuntime: a message delivered twice at the same time runs its job once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from arplatform.auth.service import create_tenant
from arplatform.db.session import Database
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobRuntime, JobSpec
from arplatform.settings import Settings


@pytest.mark.postgres
async def test_concurrent_deliveries_run_the_job_once(postgres_settings: Settings) -> None:
    """Two workers that get the same message at once (at-least-once delivery): the job function
    runs once, one delivery reports the work done, the other that it had already run."""
    calls: list[uuid.UUID | None] = []

    async def slow(ctx: JobContext) -> None:
        calls.append(ctx.tenant_id)
        await asyncio.sleep(0.3)

    spec = JobSpec(name="tests.slow", fn=slow)
    db = Database(postgres_settings.database_url)
    runtimes = [JobRuntime(postgres_settings), JobRuntime(postgres_settings)]
    try:
        tenant = (await create_tenant(db, name="Twice", country="DE", currency="EUR")).tenant_id
        async with db.session(tenant) as session, session.begin():
            message = enqueue(session, spec.name, {})
        results = await asyncio.gather(*(r.execute(spec, message.id) for r in runtimes))
        assert sorted(results) == [False, True]
        assert calls == [tenant]
        assert await runtimes[0].execute(spec, message.id) is False
    finally:
        await asyncio.gather(*(r.dispose() for r in runtimes))
        await db.dispose()
