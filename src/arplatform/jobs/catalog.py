"""Every actor of the platform, and the periodic schedule."""

from __future__ import annotations

from datetime import timedelta

from arplatform.events.jobs import PUBLISH
from arplatform.jobs.maintenance import PURGE, PURGE_TENANT
from arplatform.jobs.runtime import JobSpec
from arplatform.jobs.scheduler import Periodic


def platform_jobs() -> list[JobSpec]:
    return [PUBLISH, PURGE, PURGE_TENANT]


def periodic_jobs() -> list[Periodic]:
    return [Periodic(job=PURGE.name, every=timedelta(hours=1))]
