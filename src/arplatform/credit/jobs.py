"""Actors of credit assessment: one customer's assessment, and scheduled reviews."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import NotFound
from arplatform.credit import monitoring
from arplatform.credit.assessment import SYSTEM_ROLES, assess, due_for_review
from arplatform.credit.policies import SYSTEM_ACTOR
from arplatform.customers.models import Customer
from arplatform.db.base import new_id
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.clock import today
from arplatform.tenants.models import Tenant

ASSESS_JOB = "credit.assess"
REVIEW_TENANT_JOB = "credit.review_tenant"
MONITOR_TENANT_JOB = "credit.monitor_tenant"
CHUNK = 1000


async def assess_customer(ctx: JobContext) -> None:
    """``credit.assess``: assess one customer (args ``customer_id``, ``reason``).

    Enqueued by scheduled reviews and by warning signals (``reassess``); a
    customer deleted meanwhile is skipped. Runs with a credit manager's authority.
    The bureau is asked in short transactions of its own (see ``assess``). On
    PostgreSQL the job's transaction stays open meanwhile, holding only its
    receipt, so that a failure rolls it back and the job is tried again. On
    SQLite that transaction would hold the app's one connection: the assessment
    follows after the job's commit instead (a failure there is not retried; the
    next scheduled review picks the customer up).
    """
    customer_id = uuid.UUID(ctx.args["customer_id"])
    if await ctx.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        return
    database, providers, trigger = ctx.database, ctx.providers, str(ctx.args.get("reason") or "job")

    async def run(session: AsyncSession) -> None:
        try:
            await assess(
                database,
                session,
                providers,
                customer_id,
                trigger=trigger[:500],
                actor=SYSTEM_ACTOR,
                roles=SYSTEM_ROLES,
            )
        except NotFound:
            return  # deleted while its bureau was asked

    if database.is_postgres:
        await run(ctx.session)
        return
    tenant_id, actor = ctx.tenant_id, ctx.session.info.get("actor")

    async def after_commit() -> None:
        async with database.session(tenant_id, actor=actor) as session:
            await run(session)
            await session.commit()

    ctx.after_commit(after_commit)


async def review_daily(ctx: JobContext) -> None:
    """``credit.review_daily``: per tenant, ``credit.review_tenant`` and ``credit.monitor_tenant``.

    Enqueued hourly (each tenant's day starts at its own midnight).
    """
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, REVIEW_TENANT_JOB, {}, tenant_id=tenant_id)
        enqueue(ctx.session, MONITOR_TENANT_JOB, {}, tenant_id=tenant_id)


async def review_tenant(ctx: JobContext) -> None:
    """``credit.review_tenant``: assess every customer whose review date has come.

    One ``credit.assess`` per customer and day (dedupe key, ``ON CONFLICT DO
    NOTHING``): overlapping hourly runs never queue a customer twice nor fail.
    """
    day = await today(ctx.session)
    due = await due_for_review(ctx.session, day)
    if not due:
        return
    insert = pg_insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        {
            "id": new_id(),
            "tenant_id": ctx.tenant_id,
            "actor": ASSESS_JOB,
            "args": {"customer_id": str(customer_id), "reason": "scheduled review"},
            "dedupe_key": f"{ASSESS_JOB}:{ctx.tenant_id}:{customer_id}:{day}",
        }
        for customer_id in due
    ]
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    for start in range(0, len(rows), CHUNK):  # bound parameters per statement
        statement = insert(table).values(rows[start : start + CHUNK])
        await ctx.session.execute(
            statement.on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        )
    ctx.session.info["outbox_pending"] = True  # as ``jobs.outbox.enqueue`` marks it


async def monitor_tenant(ctx: JobContext) -> None:
    """``credit.monitor_tenant``: bureau monitoring alerts become ``bureau_alert`` signals."""
    await monitoring.poll(ctx.session, ctx.providers, datetime.now(UTC))


ASSESS = JobSpec(name=ASSESS_JOB, fn=assess_customer, queue="credit")
REVIEW_DAILY = JobSpec(name="credit.review_daily", fn=review_daily, queue="credit", max_retries=3)
REVIEW_TENANT = JobSpec(name=REVIEW_TENANT_JOB, fn=review_tenant, queue="credit")
MONITOR_TENANT = JobSpec(name=MONITOR_TENANT_JOB, fn=monitor_tenant, queue="credit")
