"""Actors of webhooks: one delivery attempt, the sweep, the e-mail about a disabled endpoint."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from arplatform.db.base import utcnow
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.models import Tenant
from arplatform.webhooks.delivery import claim, send_and_record
from arplatform.webhooks.fanout import DELIVER_JOB, NOTIFY_DISABLED_JOB
from arplatform.webhooks.notify import notify_disabled
from arplatform.webhooks.sending import sender_for
from arplatform.webhooks.sweep import sweep

SWEEP_JOB = "webhooks.sweep"
SWEEP_TENANT_JOB = "webhooks.sweep_tenant"


async def deliver_webhook(ctx: JobContext) -> None:
    """``webhooks.deliver``: the next attempt of one delivery (args ``delivery_id``).

    The job's transaction only claims the attempt; the HTTP call and its record
    follow after commit (:meth:`JobContext.after_commit`), so no connection or
    lock is held while the receiver answers. A retry is a new outbox message with
    a later ``available_at``; the sweep re-enqueues any attempt that got lost.
    """
    assert ctx.tenant_id is not None
    tenant_id = ctx.tenant_id
    claimed = await claim(
        ctx.session, ctx.providers.box, uuid.UUID(ctx.args["delivery_id"]), now=utcnow()
    )
    if claimed is None:
        return
    sender = sender_for(ctx.settings)

    async def send() -> None:
        await send_and_record(ctx.database, tenant_id, sender, claimed)

    ctx.after_commit(send)


async def sweep_all(ctx: JobContext) -> None:
    """``webhooks.sweep``: one ``webhooks.sweep_tenant`` job per tenant (periodic)."""
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, SWEEP_TENANT_JOB, {}, tenant_id=tenant_id)


async def sweep_tenant(ctx: JobContext) -> None:
    """``webhooks.sweep_tenant``: re-enqueue lost attempts, disable long-failing endpoints."""
    await sweep(ctx.session, utcnow())


async def notify_endpoint_disabled(ctx: JobContext) -> None:
    """``webhooks.notify_disabled``: e-mail the tenant's contact (args ``endpoint_id``)."""
    await notify_disabled(ctx.session, ctx.providers, uuid.UUID(ctx.args["endpoint_id"]))


DELIVER = JobSpec(name=DELIVER_JOB, fn=deliver_webhook, queue="webhooks", max_retries=3)
SWEEP = JobSpec(name=SWEEP_JOB, fn=sweep_all, queue="maintenance", max_retries=3)
SWEEP_TENANT = JobSpec(name=SWEEP_TENANT_JOB, fn=sweep_tenant, queue="webhooks", max_retries=3)
NOTIFY_DISABLED = JobSpec(
    name=NOTIFY_DISABLED_JOB, fn=notify_endpoint_disabled, queue="notifications"
)
