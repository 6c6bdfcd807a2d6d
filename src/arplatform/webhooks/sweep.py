"""The sweep and the purge of the delivery log.

The sweep: no delivery is lost to a lost broker message or a crash mid-attempt, and an
endpoint failing for five days is disabled even when no new attempt comes.

A pending delivery's ``next_attempt_at`` is when its job should have run (or when
the lease of a running attempt ends); once that is :data:`OVERDUE` in the past,
the sweep enqueues its attempt again. Duplicates are harmless: :func:`claim`
lets one run through and the others find the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.jobs.outbox import enqueue
from arplatform.webhooks.delivery import disable
from arplatform.webhooks.fanout import DELIVER_JOB
from arplatform.webhooks.models import WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.rules import DISABLE_AFTER

#: How late a delivery's attempt may be before the sweep enqueues it again.
OVERDUE = timedelta(minutes=10)
#: At most this many deliveries per tenant and sweep (the next sweep takes the rest).
BATCH = 1000
#: The delivery log keeps finished deliveries and their attempts this long.
KEEP = timedelta(days=30)


async def sweep(session: AsyncSession, now: datetime) -> int:
    """Re-enqueue the tenant's overdue deliveries, disable long-failing endpoints.

    Returns how many deliveries were enqueued again.
    """
    await _disable_failing(session, now)
    due = func.coalesce(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
    rows = (
        await session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts)
            .where(WebhookDelivery.status == "pending", due < now - OVERDUE)
            .order_by(due)
            .limit(BATCH)
        )
    ).all()
    for delivery_id, attempts in rows:
        enqueue(
            session,
            DELIVER_JOB,
            {"delivery_id": str(delivery_id)},
            dedupe_key=f"{DELIVER_JOB}:{delivery_id}:{attempts}:swept@{int(now.timestamp())}",
        )
    if rows:
        # Due again from now: the next sweep waits OVERDUE before enqueueing once more.
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([delivery_id for delivery_id, _ in rows]))
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(rows)


async def _disable_failing(session: AsyncSession, now: datetime) -> None:
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.failing_since.is_not(None),
            WebhookEndpoint.failing_since <= now - DISABLE_AFTER,
        )
    )
    for endpoint in endpoints.all():
        disable(session, endpoint, "failing")


async def purge(session: AsyncSession, now: datetime) -> None:
    """Drop the tenant's deliveries (their attempts cascade) finished :data:`KEEP` ago."""
    await session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.status != "pending", WebhookDelivery.finished_at < now - KEEP)
        .execution_options(synchronize_session=False)
    )
