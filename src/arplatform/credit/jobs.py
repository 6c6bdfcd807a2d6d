"""Actors of credit assessment: one customer's assessment, and scheduled reviews."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from arplatform.api.problems import NotFound
from arplatform.credit import monitoring
from arplatform.credit.assessment import SYSTEM_ROLES, assess, due_for_review
from arplatform.credit.policies import SYSTEM_ACTOR
from arplatform.customers.models import Customer
from arplatform.db.base import new_id
from arplatform.db.session import Database
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
    so that no connection of the worker's pool is held while a bureau answers;
    one that fails is queued again, later, up to ``ASSESS_ATTEMPTS`` tries.
    """
    customer_id = uuid.UUID(ctx.args["customer_id"])
    if await ctx.session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        return
    database, providers, args = ctx.database, ctx.providers, dict(ctx.args)
    tenant_id, actor = ctx.tenant_id, ctx.session.info.get("actor")

    async def after_commit() -> None:
        try:
            async with database.session(tenant_id, actor=actor) as session:
                await assess(
                    database,
                    session,
                    providers,
                    customer_id,
                    trigger=str(args.get("reason") or "job")[:500],
                    actor=SYSTEM_ACTOR,
                    roles=SYSTEM_ROLES,
                )
                await session.commit()
        except NotFound:
            return  # deleted while its bureau was asked
        except Exception:  # noqa: BLE001 - whatever failed, the customer is tried again
            await _try_again(database, tenant_id, args)

    ctx.after_commit(after_commit)


async def _try_again(database: Database, tenant_id: uuid.UUID | None, args: dict[str, Any]) -> None:
    attempt = int(args.get("attempt", 1))
    log.exception("credit_assess_failed", customer_id=args["customer_id"], attempt=attempt)
    if attempt >= ASSESS_ATTEMPTS:
        return  # the customer stays due: the next scheduled review queues it again
    later = datetime.now(UTC) + RETRY_DELAY * attempt
    async with database.session(tenant_id) as session:
        enqueue(session, ASSESS_JOB, {**args, "attempt": attempt + 1}, available_at=later)
        await session.commit()


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
