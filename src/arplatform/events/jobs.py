"""Actors of the events domain."""

from __future__ import annotations

import uuid

from arplatform.credit.watch_jobs import on_event as credit_watch
from arplatform.events.service import PUBLISH_JOB, Subscriber, publish
from arplatform.jobs.runtime import JobContext, JobSpec
from arplatform.webhooks.fanout import fan_out

#: Subscribers are added here by the domains that react to events (webhooks).
SUBSCRIBERS: tuple[Subscriber, ...] = (fan_out, credit_watch)


async def publish_event(ctx: JobContext) -> None:
    """``events.publish``: publish one event (args: ``event_id``); a second run does nothing."""
    await publish(ctx.session, uuid.UUID(ctx.args["event_id"]), list(SUBSCRIBERS))


PUBLISH = JobSpec(name=PUBLISH_JOB, fn=publish_event, queue="events")
