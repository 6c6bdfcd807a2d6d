"""Every actor of the platform, and the periodic schedule."""

from __future__ import annotations

from datetime import timedelta

from arplatform.collections.jobs import DAILY, DAILY_TENANT
from arplatform.dunning import jobs as dunning
from arplatform.events.jobs import PUBLISH
from arplatform.imports.jobs import RUN as IMPORT_RUN
from arplatform.jobs.maintenance import PURGE, PURGE_TENANT
from arplatform.jobs.runtime import JobSpec
from arplatform.jobs.scheduler import Periodic


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
    ]


def periodic_jobs() -> list[Periodic]:
    return [
        Periodic(job=PURGE.name, every=timedelta(hours=1)),
        # Hourly: each tenant's day starts at its own midnight; reruns emit nothing twice.
        Periodic(job=DAILY.name, every=timedelta(hours=1)),
        # Hourly: each tenant's run starts at its own run hour, once a day.
        Periodic(job=dunning.DAILY.name, every=timedelta(hours=1)),
    ]
