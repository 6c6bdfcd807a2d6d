"""The body of a webhook: the event, its resource and the thin snapshot, as compact JSON."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from arplatform.events.models import Event

PING = "webhook.ping"


class Resource(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    id: uuid.UUID
    version: int | None


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """What every webhook carries; ``id`` equals the ``webhook-id`` header of event messages."""

    id: str
    type: str
    timestamp: datetime
    tenant_id: uuid.UUID
    resource: Resource
    data: dict[str, Any]


def event_body(event: Event) -> str:
    message = Message(
        id=str(event.id),
        type=event.type,
        timestamp=event.occurred_at,
        tenant_id=event.tenant_id,
        resource=Resource(
            type=event.resource_type, id=event.resource_id, version=event.resource_version
        ),
        data=event.data,
    )
    return msgspec.json.encode(message).decode()


def ping_body(
    message_id: str, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, version: int, at: datetime
) -> str:
    message = Message(
        id=message_id,
        type=PING,
        timestamp=at,
        tenant_id=tenant_id,
        resource=Resource(type="webhook_endpoint", id=endpoint_id, version=version),
        data={},
    )
    return msgspec.json.encode(message).decode()
