"""A job that raises is retried by dramatiq with backoff; only its successful run takes effect."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid

from sqlalchemy import func, select

from arplatform.auth.service import create_tenant
from arplatform.db.session import Database
from arplatform.events.models import Event
from arplatform.events.service import emit
from arplatform.jobs.broker import build_broker, send
from arplatform.jobs.models import JobReceipt, OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobRuntime, JobSpec
from arplatform.settings import Settings
from tests.jobs.helpers import start_worker, wait_until

MIN_BACKOFF_MS = 200


async def _prepare(settings: Settings, actor: str) -> tuple[uuid.UUID, uuid.UUID]:
    db = Database(settings.database_url)
    try:
        tenant = (await create_tenant(db, name="Retry", country="DE", currency="EUR")).tenant_id
        async with db.session(tenant) as session, session.begin():
            message = enqueue(session, actor, {})
        return tenant, message.id
    finally:
        await db.dispose()


async def _effects(settings: Settings, tenant: uuid.UUID, outbox_id: uuid.UUID) -> tuple[int, ...]:
    db = Database(settings.database_url)
    try:
        async with db.session(tenant) as session:
            # Only the job's own effect: the tenant's set-up emits events of its own.
            event_ids = {
                str(event_id)
                for event_id in await session.scalars(
                    select(Event.id).where(Event.resource_type == "customer")
                )
            }
            publish_rows = await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.tenant_id == tenant, OutboxMessage.actor == "events.publish"
                )
            )
            events = len(event_ids)
            publish = sum(1 for row in publish_rows if row.args.get("event_id") in event_ids)
            receipts = await session.scalar(
                select(func.count())
                .select_from(JobReceipt)
                .where(JobReceipt.outbox_id == outbox_id)
            )
        return int(events or 0), int(publish or 0), int(receipts or 0)
    finally:
        await db.dispose()


def test_failing_job_is_retried_with_backoff_and_takes_effect_once(
    backend_settings: Settings,
) -> None:
    """Two failed runs roll back their writes (event and outbox row); dramatiq retries after at
    least the minimum backoff; the third run commits one receipt with its effect, and a later
    redelivery does not run the job again."""
    calls: list[float] = []
    lock = threading.Lock()

    async def flaky(ctx: JobContext) -> None:
        with lock:
            calls.append(time.monotonic())
            attempt = len(calls)
        emit(
            ctx.session,
            "customer.updated",
            resource_type="customer",
            resource_id=uuid.uuid4(),
            resource_version=attempt,
            data={"attempt": attempt},
        )
        await ctx.session.flush()
        if attempt <= 2:
            raise RuntimeError(f"transient failure {attempt}")

    spec = JobSpec(
        name="tests.flaky",
        fn=flaky,
        max_retries=5,
        min_backoff_ms=MIN_BACKOFF_MS,
        max_backoff_ms=2_000,
    )
    settings = backend_settings
    assert settings.embedded_jobs  # an in-memory StubBroker
    tenant, outbox_id = asyncio.run(_prepare(settings, spec.name))
    broker = build_broker(settings, JobRuntime(settings), [spec])
    worker, processed = start_worker(broker)
    try:
        send(broker, spec.name, outbox_id)
        message_id = str(outbox_id)
        wait_until(lambda: processed.count(message_id) >= 3, timeout=15, what="three runs")
        errors = [error for mid, error in processed.done if mid == message_id]
        assert [e is None for e in errors] == [False, False, True], errors
        assert all("transient failure" in (e or "") for e in errors[:2])
        gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
        assert len(calls) == 3
        assert all(gap >= MIN_BACKOFF_MS / 1000 for gap in gaps), gaps
        assert asyncio.run(_effects(settings, tenant, outbox_id)) == (1, 1, 1)

        send(broker, spec.name, outbox_id)  # redelivered after success
        wait_until(lambda: processed.count(message_id) >= 4, timeout=15, what="redelivery")
        assert len(calls) == 3
        assert asyncio.run(_effects(settings, tenant, outbox_id)) == (1, 1, 1)
    finally:
        worker.stop()
