"""Actors of credit assessment: one customer's assessment, and scheduled reviews."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import NotFound
from arplatform.credit import monitoring
from arplatform.credit.assessment import SYSTEM_ROLES, assess, due_for_review
from arplatform.credit.models import CreditAssessment
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
ASSESS_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=5)

log = structlog.get_logger(__name__)


async def assess_customer(ctx: JobContext) -> None:
    """``credit.assess``: assess one customer (args ``customer_id``, ``reason``, ``attempt``).

    Enqueued by scheduled reviews and by warning signals (``reassess``); a
    customer deleted meanwhile is skipped. Runs with a credit manager's authority.
    The assessment follows after the job's commit (``JobContext.after_commit``),
    so that no connection of the worker's pool is held while a bureau answers.
    The broker cannot redeliver a job whose commit is done, so the job queues its
    own next attempt in that commit (later, up to ``ASSESS_ATTEMPTS``): the next
    attempt does nothing when the customer was assessed since it was queued, and
    assesses again when this one failed or its worker died.
    """
    customer_id = uuid.UUID(ctx.args["customer_id"])
    if await ctx.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        return
    if await _assessed_since(ctx.session, customer_id, ctx.args.get("queued_at")):
        return  # the attempt before this one did it
    attempt, now = int(ctx.args.get("attempt", 1)), datetime.now(UTC)
    if attempt < ASSESS_ATTEMPTS:
        follow_up = {**ctx.args, "attempt": attempt + 1, "queued_at": now.isoformat()}
        enqueue(ctx.session, ASSESS_JOB, follow_up, available_at=now + RETRY_DELAY * attempt)
    database, providers, trigger = ctx.database, ctx.providers, str(ctx.args.get("reason") or "job")
    tenant_id, actor = ctx.tenant_id, ctx.session.info.get("actor")

    async def after_commit() -> None:
        try:
            async with database.session(tenant_id, actor=actor) as session:
                await assess(
                    database,
                    session,
                    providers,
                    customer_id,
                    trigger=trigger[:500],
                    actor=SYSTEM_ACTOR,
                    roles=SYSTEM_ROLES,
                )
                await session.commit()
        except NotFound:
            return  # deleted while its bureau was asked
        except Exception:
            log.exception("credit_assess_failed", customer_id=str(customer_id), attempt=attempt)

    ctx.after_commit(after_commit)


async def _assessed_since(session: AsyncSession, customer_id: uuid.UUID, since: str | None) -> bool:
    if since is None:
        return False
    found = await session.scalar(
        select(CreditAssessment.id)
        .where(
            CreditAssessment.customer_id == customer_id,
            CreditAssessment.created_at >= datetime.fromisoformat(since),
        )
        .limit(1)
    )
    return found is not None


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
    """``credit.monitor_tenant``: bureau monitoring alerts become ``bureau_alert`` signals.

    The bureaus are polled after the job's commit, with no transaction open.
    """
    database, providers = ctx.database, ctx.providers
    tenant_id, actor = ctx.tenant_id, ctx.session.info.get("actor")

    async def after_commit() -> None:
        await monitoring.poll(database, tenant_id, providers, datetime.now(UTC), actor=actor)

    ctx.after_commit(after_commit)


ASSESS = JobSpec(name=ASSESS_JOB, fn=assess_customer, queue="credit")
REVIEW_DAILY = JobSpec(name="credit.review_daily", fn=review_daily, queue="credit", max_retries=3)
REVIEW_TENANT = JobSpec(name=REVIEW_TENANT_JOB, fn=review_tenant, queue="credit")
MONITOR_TENANT = JobSpec(name=MONITOR_TENANT_JOB, fn=monitor_tenant, queue="credit")
