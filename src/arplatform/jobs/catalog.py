"""Every actor of the platform, and the periodic schedule."""

from __future__ import annotations

from datetime import timedelta

from arplatform.collections.jobs import DAILY, DAILY_TENANT
from arplatform.credit import jobs as credit
from arplatform.credit import watch_jobs as credit_watch
from arplatform.dunning import jobs as dunning
from arplatform.events.jobs import PUBLISH
from arplatform.imports.jobs import RUN as IMPORT_RUN
from arplatform.jobs.maintenance import PURGE, PURGE_TENANT
from arplatform.jobs.runtime import JobSpec
from arplatform.jobs.scheduler import Periodic
from arplatform.webhooks import jobs as webhooks


def platform_jobs() -> list[JobSpec]:
    return [
        PUBLISH,
        PURGE,
        PURGE_TENANT,
        DAILY,
        DAILY_TENANT,
        IMPORT_RUN,
        dunning.DAILY,
        dunning.RUN_TENANT,
        dunning.DELIVER,
        dunning.HAND_OVER,
        webhooks.DELIVER,
        webhooks.NOTIFY_DISABLED,
        webhooks.SWEEP,
        webhooks.SWEEP_TENANT,
        credit.ASSESS,
        credit.REVIEW_DAILY,
        credit.REVIEW_TENANT,
        credit.MONITOR_TENANT,
        credit_watch.SIGNALS_DAILY,
        credit_watch.SIGNALS_TENANT,
        credit_watch.WATCH_EVENT,
    ]


def periodic_jobs() -> list[Periodic]:
    return [
        Periodic(job=PURGE.name, every=timedelta(hours=1)),
        # Hourly: each tenant's day starts at its own midnight; reruns emit nothing twice.
        Periodic(job=DAILY.name, every=timedelta(hours=1)),
        # Hourly: each tenant's run starts at its own run hour, once a day.
        Periodic(job=dunning.DAILY.name, every=timedelta(hours=1)),
        # Hourly: each tenant's reviews fall due on its own day; queued once per customer and day.
        Periodic(job=credit.REVIEW_DAILY.name, every=timedelta(hours=1)),
        # Daily: warning signals raise an alert once until it is resolved.
        Periodic(job=credit_watch.SIGNALS_DAILY.name, every=timedelta(days=1)),
        # Every 10 minutes: webhook attempts lost with a broker message or a crash.
        Periodic(job=webhooks.SWEEP.name, every=timedelta(minutes=10)),
    ]
