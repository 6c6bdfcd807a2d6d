"""Actors of credit assessment: one customer's assessment, and scheduled reviews."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from arplatform.credit import monitoring
from arplatform.credit.assessment import SYSTEM_ROLES, assess, due_for_review
from arplatform.customers.models import Customer
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue, enqueue_many
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.clock import today
from arplatform.tenants.models import Tenant

ASSESS_JOB = "credit.assess"
REVIEW_TENANT_JOB = "credit.review_tenant"
MONITOR_TENANT_JOB = "credit.monitor_tenant"
SYSTEM_ACTOR = "system:credit"


async def assess_customer(ctx: JobContext) -> None:
    """``credit.assess``: assess one customer (args ``customer_id``, ``reason``).

    Enqueued by scheduled reviews and by warning signals (``reassess``); a
    customer deleted meanwhile is skipped. Runs with a credit manager's authority.
    """
    customer_id = uuid.UUID(ctx.args["customer_id"])
    if await ctx.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        return
    await assess(
        ctx.session,
        ctx.providers,
        customer_id,
        trigger=str(ctx.args.get("reason") or "job")[:500],
        actor=SYSTEM_ACTOR,
        roles=SYSTEM_ROLES,
    )


async def review_daily(ctx: JobContext) -> None:
    """``credit.review_daily``: per tenant, ``credit.review_tenant`` and ``credit.monitor_tenant``.

    Enqueued hourly (each tenant's day starts at its own midnight).
    """
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, REVIEW_TENANT_JOB, {}, tenant_id=tenant_id)
        enqueue(ctx.session, MONITOR_TENANT_JOB, {}, tenant_id=tenant_id)


async def review_tenant(ctx: JobContext) -> None:
    """``credit.review_tenant``: assess every customer whose review date has come.

    One ``credit.assess`` per customer and day (dedupe key): the hourly fan-out
    never queues a customer twice; the assessment moves its next review date on.
    """
    day = await today(ctx.session)
    due = await due_for_review(ctx.session, day)
    keys = {f"{ASSESS_JOB}:{ctx.tenant_id}:{customer_id}:{day}": customer_id for customer_id in due}
    queued = set(
        (
            await ctx.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(keys)))
            )
        ).all()
    )
    await enqueue_many(
        ctx.session,
        ASSESS_JOB,
        [
            ({"customer_id": str(customer_id), "reason": "scheduled review"}, key)
            for key, customer_id in keys.items()
            if key not in queued
        ],
    )


async def monitor_tenant(ctx: JobContext) -> None:
    """``credit.monitor_tenant``: bureau monitoring alerts become ``bureau_alert`` signals."""
    await monitoring.poll(ctx.session, ctx.providers, datetime.now(UTC))


ASSESS = JobSpec(name=ASSESS_JOB, fn=assess_customer, queue="credit")
REVIEW_DAILY = JobSpec(name="credit.review_daily", fn=review_daily, queue="credit", max_retries=3)
REVIEW_TENANT = JobSpec(name=REVIEW_TENANT_JOB, fn=review_tenant, queue="credit")
MONITOR_TENANT = JobSpec(name=MONITOR_TENANT_JOB, fn=monitor_tenant, queue="credit")
