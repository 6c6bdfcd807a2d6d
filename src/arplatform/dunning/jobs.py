"""Actors of dunning: the hourly fan-out, each tenant's daily run, deliveries, hand-overs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import structlog
from sqlalchemy import select

from arplatform.dunning.agency import hand_over
from arplatform.dunning.delivery import deliver
from arplatform.dunning.plans import ensure_defaults
from arplatform.dunning.record import DELIVER_JOB, HAND_OVER_JOB, record_run
from arplatform.dunning.run import decide_day
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.clock import zone_of
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

RUN_TENANT_JOB = "dunning.run_tenant"


async def daily(ctx: JobContext) -> None:
    """``dunning.daily``: one ``dunning.run_tenant`` job per tenant (enqueued hourly)."""
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, RUN_TENANT_JOB, {}, tenant_id=tenant_id)


async def run_tenant(ctx: JobContext) -> None:
    """``dunning.run_tenant``: the tenant's run for today, once its run hour has come.

    A tenant whose run for today is done is left alone, so the hourly fan-out and
    restarts never run a day twice; after days without runs, the one run for
    today sends what applies today (the decision catches up, it does not replay).
    Args (optional): ``now`` (ISO instant, for tests and replays).
    """
    tenant = await ctx.session.get(Tenant, ctx.tenant_id)
    if tenant is None:
        return
    raw = ctx.args.get("now")
    now = datetime.fromisoformat(raw) if isinstance(raw, str) else datetime.now(UTC)
    local = now.astimezone(zone_of(tenant.timezone))
    settings = await ensure_defaults(ctx.session)
    if local.hour < settings.run_hour or (settings.last_run_on or date.min) >= local.date():
        return
    decided = await decide_day(ctx.session, local.date(), lock=True)
    if (decided.settings.last_run_on or date.min) >= local.date():
        return  # another run took the day while this one waited for the lock
    recorded = await record_run(ctx.session, decided, "schedule")
    log.info(
        "dunning_run",
        as_of=local.date().isoformat(),
        examined=len(decided.outcomes),
        communications=len(recorded.communication_ids),
    )


async def deliver_communication(ctx: JobContext) -> None:
    """``dunning.deliver``: one communication on one channel.

    Args: ``communication_id``, ``channel``.
    """
    await deliver(
        ctx.session, ctx.providers, uuid.UUID(ctx.args["communication_id"]), ctx.args["channel"]
    )


async def hand_over_case(ctx: JobContext) -> None:
    """``dunning.hand_over``: a case to the collection agency (args ``action_id``)."""
    await hand_over(ctx.session, ctx.providers, uuid.UUID(ctx.args["action_id"]))


DAILY = JobSpec(name="dunning.daily", fn=daily, queue="dunning", max_retries=3)
RUN_TENANT = JobSpec(name=RUN_TENANT_JOB, fn=run_tenant, queue="dunning")
DELIVER = JobSpec(name=DELIVER_JOB, fn=deliver_communication, queue="notifications")
HAND_OVER = JobSpec(name=HAND_OVER_JOB, fn=hand_over_case, queue="dunning")
