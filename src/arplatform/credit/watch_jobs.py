"""Actors of early warning: the daily signals run, fanned out per tenant, and event subscribers."""

from __future__ import annotations

import uuid
from datetime import date

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.exposure import context
from arplatform.credit.policy_schema import Signal
from arplatform.credit.signals import raise_signal
from arplatform.credit.signals_detect import dunning_level, run_detectors
from arplatform.events.models import Event
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

SIGNALS_TENANT_JOB = "credit.signals_tenant"
WATCH_EVENT_JOB = "credit.watch_event"


async def signals_daily(ctx: JobContext) -> None:
    """``credit.signals_daily``: one ``credit.signals_tenant`` job per tenant."""
    for tenant_id in (await ctx.session.scalars(select(Tenant.id))).all():
        enqueue(ctx.session, SIGNALS_TENANT_JOB, {}, tenant_id=tenant_id)


async def signals_tenant(ctx: JobContext) -> None:
    """``credit.signals_tenant``: the tenant's detectors as of today (args: optional ``as_of``).

    Running it again raises nothing twice: a signal's alert stays until it is resolved.
    """
    raw = ctx.args.get("as_of")
    as_of = date.fromisoformat(raw) if isinstance(raw, str) else None
    watch = await context(ctx.session, as_of)
    raised = await run_detectors(ctx.session, watch)
    log.info("credit_signals", as_of=watch.as_of.isoformat(), **raised)


#: The events early warning reacts to; the work runs in its own job, not in the publish.
WATCHED_EVENTS = frozenset({"promise.broken", "dunning.escalated"})


async def on_event(session: AsyncSession, event: Event) -> None:
    """Subscriber: queue ``credit.watch_event`` for the events early warning reacts to.

    It only writes an outbox row, so it cannot fail the publish (and with it the
    webhook fan-out of the same event); the detection runs and retries on its own.
    """
    if event.type in WATCHED_EVENTS:
        enqueue(session, WATCH_EVENT_JOB, {"event_id": str(event.id)})


async def watch_event(ctx: JobContext) -> None:
    """``credit.watch_event`` (args: ``event_id``): a broken promise raises its signal; a
    dunning escalation checks the customer's level. Running it twice raises nothing twice:
    a signal's alert stays until it is resolved."""
    event = await ctx.session.scalar(
        select(Event).where(Event.id == uuid.UUID(str(ctx.args["event_id"])))
    )
    if event is None:
        log.warning("credit_watch_event_missing", event_id=ctx.args["event_id"])
        return
    if event.type == "promise.broken":
        await _broken_promise(ctx.session, event)
    elif event.type == "dunning.escalated":
        watch = await context(ctx.session)
        await dunning_level(ctx.session, watch.as_of, customer_id=event.resource_id)


async def _broken_promise(session: AsyncSession, event: Event) -> None:
    data = event.data
    raw = data.get("customer_id")
    if raw is None:
        return
    detail = (
        f"promise to pay {data.get('amount')} {data.get('currency')} by "
        f"{data.get('promised_date')} was broken ({data.get('paid_amount')} paid)"
    )
    facts = {"promise_id": str(event.resource_id), **data}
    await raise_signal(session, uuid.UUID(str(raw)), Signal.BROKEN_PROMISE, detail, facts)


# Daily (see jobs/catalog.py); the tenant's run uses its own calendar day.
SIGNALS_DAILY = JobSpec(
    name="credit.signals_daily", fn=signals_daily, queue="credit", max_retries=3
)
SIGNALS_TENANT = JobSpec(name=SIGNALS_TENANT_JOB, fn=signals_tenant, queue="credit")
WATCH_EVENT = JobSpec(name=WATCH_EVENT_JOB, fn=watch_event, queue="credit")
