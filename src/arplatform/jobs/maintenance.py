"""Housekeeping actors: drop what the platform no longer has to keep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from arplatform.api.idempotency import purge_expired
from arplatform.db.base import utcnow
from arplatform.jobs.models import JobReceipt, OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.models import Tenant
from arplatform.webhooks.sweep import purge as purge_webhook_log

#: Dispatched outbox rows and receipts are kept long enough to dedupe redeliveries.
KEEP_DISPATCHED = timedelta(days=7)
PURGE_TENANT_JOB = "maintenance.purge_tenant"


async def purge(ctx: JobContext) -> None:
    """``maintenance.purge``: old outbox rows and receipts; one tenant purge per tenant."""
    cutoff = utcnow() - KEEP_DISPATCHED
    await ctx.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.dispatched_at.is_not(None), OutboxMessage.dispatched_at < cutoff
        )
    )
    await ctx.session.execute(delete(JobReceipt).where(JobReceipt.completed_at < cutoff))
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, PURGE_TENANT_JOB, {}, tenant_id=tenant_id)


async def purge_tenant(ctx: JobContext) -> None:
    """``maintenance.purge_tenant``: the tenant's expired idempotency keys, old webhook log."""
    await purge_expired(ctx.session, utcnow())
    await purge_webhook_log(ctx.session, utcnow())


PURGE = JobSpec(name="maintenance.purge", fn=purge, queue="maintenance", max_retries=3)
PURGE_TENANT = JobSpec(name=PURGE_TENANT_JOB, fn=purge_tenant, queue="maintenance", max_retries=3)
