"""From events to deliveries: one delivery and one ``webhooks.deliver`` job per endpoint."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.db.base import new_id
from arplatform.events.models import Event
from arplatform.jobs.outbox import enqueue
from arplatform.webhooks.models import WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.rules import matches

DELIVER_JOB = "webhooks.deliver"
NOTIFY_DISABLED_JOB = "webhooks.notify_disabled"


def schedule(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    event_type: str,
    event_id: uuid.UUID | None,
    message_id: str | None = None,
    reason: str = "event",
) -> WebhookDelivery:
    """Record a delivery to ``endpoint`` and enqueue its first attempt (after commit)."""
    delivery = WebhookDelivery(
        id=new_id(),
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        reason=reason,
        status="pending",
        attempts=0,
    )
    delivery.message_id = message_id or str(event_id or delivery.id)
    session.add(delivery)
    enqueue(session, DELIVER_JOB, {"delivery_id": str(delivery.id)})
    return delivery


async def fan_out(session: AsyncSession, event: Event) -> None:
    """Subscriber of ``events.publish``: deliver ``event`` to every enabled endpoint that wants it.

    Runs once per event (publishing is idempotent), in the publishing transaction.
    """
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
    )
    for endpoint in endpoints:
        if matches(endpoint.event_types, event.type):
            schedule(session, endpoint, event_type=event.type, event_id=event.id)
