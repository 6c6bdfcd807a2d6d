"""Actors of collections: the daily run, fanned out to one job per tenant."""

from __future__ import annotations

from datetime import date

import structlog
from sqlalchemy import select

from arplatform.collections.daily import DUE_SOON_DAYS, run_daily
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.clock import today
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

DAILY_TENANT_JOB = "collections.daily_tenant"


async def daily(ctx: JobContext) -> None:
    """``collections.daily``: one ``collections.daily_tenant`` job per tenant."""
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, DAILY_TENANT_JOB, {}, tenant_id=tenant_id)


async def daily_tenant(ctx: JobContext) -> None:
    """``collections.daily_tenant``: the tenant's daily run as of today in its time zone.

    Args (optional): ``as_of`` (ISO date) and ``due_soon_days``. Running it again
    the same day emits nothing twice.
    """
    raw = ctx.args.get("as_of")
    as_of = date.fromisoformat(raw) if isinstance(raw, str) else await today(ctx.session)
    days = int(ctx.args.get("due_soon_days", DUE_SOON_DAYS))
    emitted = await run_daily(ctx.session, as_of, due_soon_days=days)
    log.info("collections_daily", as_of=as_of.isoformat(), **dict(emitted))


# Hourly (see jobs/catalog.py), so each tenant's day begins near its own midnight.
DAILY = JobSpec(name="collections.daily", fn=daily, queue="collections", max_retries=3)
DAILY_TENANT = JobSpec(name=DAILY_TENANT_JOB, fn=daily_tenant, queue="collections")
