"""Webhook endpoint bodies. The signing secret is returned at creation and rotation only."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import Name, StrictStruct
from arplatform.webhooks.catalogue import CATALOGUE
from arplatform.webhooks.messages import PING

WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=10,
        max_length=2048,
        pattern=r"^https?://[\x21-\x7e]+$",
        description="Where events are POSTed; https, reaching a public address",
        examples=["https://erp.example.com/hooks/arplatform"],
    ),
]


def _patterns() -> list[str]:
    types = [event.name for event in CATALOGUE if event.name != PING]
    return ["*", *sorted({name.split(".")[0] + ".*" for name in types}), *types]


#: An event type of the catalogue, ``<resource>.*`` for all of a resource's, or ``*``.
EventPattern = StrEnum("EventPattern", {p: p for p in _patterns()})  # type: ignore[misc]
EventPatterns = Annotated[list[EventPattern], msgspec.Meta(min_length=1, max_length=50)]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class WebhookEndpointCreate(StrictStruct):
    url: WebhookUrl
    event_types: EventPatterns
    description: Name | None = None
    enabled: bool = True


class WebhookEndpointUpdate(StrictStruct):
    """Only the fields present change; enabling again clears the reason it was disabled."""

    url: WebhookUrl | UnsetType = UNSET
    event_types: EventPatterns | UnsetType = UNSET
    description: Name | UnsetType | None = UNSET
    enabled: bool | UnsetType = UNSET


class WebhookReplay(StrictStruct):
    """Either one ``event_id``, or every event from ``since`` to ``until`` (at most 31 days)."""

    event_id: uuid.UUID | None = None
    since: Instant | None = None
    until: Instant | None = None


class WebhookEndpointOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    #: ``gone`` (the receiver answered 410) or ``failing`` (five days of failures).
    disabled_reason: str | None
    failing_since: datetime | None
    #: Until then the secret before the last rotation signs too.
    previous_secret_expires_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointOut, frozen=True, kw_only=True):
    """The endpoint and its signing secret: shown now, never again."""

    secret: str


class WebhookDeliveryOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID | None
    event_type: str
    message_id: str
    reason: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None


class WebhookReplayOut(msgspec.Struct, frozen=True, kw_only=True):
    """How many deliveries the replay scheduled."""

    scheduled: int


class WebhookAttemptOut(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt: never the receiver's body."""

    id: uuid.UUID
    delivery_id: uuid.UUID
    event_id: uuid.UUID | None
    event_type: str
    message_id: str
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    outcome: str
    error: str | None
