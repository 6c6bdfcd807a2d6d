"""Driving deliveries by hand: an endpoint and an event in the database, one attempt at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from arplatform.db.base import new_id
from arplatform.db.session import Database
from arplatform.events.jobs import SUBSCRIBERS
from arplatform.events.service import emit, publish
from arplatform.integrations.secrets import SecretBox
from arplatform.jobs.models import OutboxMessage
from arplatform.webhooks import service
from arplatform.webhooks.delivery import deliver
from arplatform.webhooks.models import WebhookDelivery
from arplatform.webhooks.rules import Decision
from arplatform.webhooks.schemas import WebhookEndpointCreate
from arplatform.webhooks.sending import Sender
from arplatform.webhooks.ssrf import Policy

LOCAL = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def add_endpoint(
    db: Database, tenant_id: uuid.UUID, box: SecretBox, url: str, types: list[str]
) -> tuple[uuid.UUID, str]:
    async with db.session(tenant_id) as session, session.begin():
        body = WebhookEndpointCreate(url=url, event_types=types)
        endpoint, secret = await service.create_endpoint(session, box, LOCAL, body)
        return endpoint.id, secret


async def emit_and_publish(db: Database, tenant_id: uuid.UUID, event_type: str) -> uuid.UUID:
    """An event committed, then published as ``events.publish`` would (fan-out included)."""
    async with db.session(tenant_id) as session, session.begin():
        event = emit(
            session,
            event_type,
            resource_type="invoice",
            resource_id=new_id(),
            resource_version=2,
            data={"number": "INV-7"},
        )
    async with db.session(tenant_id) as session, session.begin():
        await publish(session, event.id, list(SUBSCRIBERS))
    return event.id


async def deliveries(db: Database, tenant_id: uuid.UUID) -> list[WebhookDelivery]:
    async with db.session(tenant_id) as session:
        return list(
            (await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
        )


async def attempt(
    db: Database, tenant_id: uuid.UUID, box: SecretBox, sender: Sender, delivery_id: uuid.UUID,
    clock: Clock,
) -> Decision | None:  # fmt: skip
    """One run of ``webhooks.deliver`` with the clock and jitter pinned (jitter 0.5: no spread)."""
    return await deliver(db, tenant_id, box, sender, delivery_id, clock=clock, jitter=lambda: 0.5)


async def outbox(db: Database, tenant_id: uuid.UUID, actor: str) -> list[OutboxMessage]:
    async with db.session(None) as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.actor == actor)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return list(rows.all())
