"""Webhook endpoint rules: guarded URLs, secrets shown once, test pings, replays, the log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import decode_cursor, encode_cursor, fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.db.base import utcnow
from arplatform.events.models import Event
from arplatform.events.service import emit
from arplatform.integrations.secrets import SecretBox
from arplatform.webhooks import secrets
from arplatform.webhooks.fanout import schedule
from arplatform.webhooks.messages import PING
from arplatform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.rules import display_url, matches
from arplatform.webhooks.schemas import (
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
    WebhookReplay,
)
from arplatform.webhooks.ssrf import Policy, UnsafeUrl, check_url

MAX_REPLAY_RANGE = timedelta(days=31)
MAX_REPLAY_EVENTS = 10_000


def _checked_url(url: str, policy: Policy) -> str:
    try:
        check_url(url, policy)
    except UnsafeUrl as exc:
        raise InvalidInput(str(exc), errors=[FieldError("url", str(exc))]) from None
    return url


def _emit(session: AsyncSession, event_type: str, endpoint: WebhookEndpoint) -> None:
    emit(
        session,
        event_type,
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        resource_version=endpoint.version,
        data={"url": display_url(endpoint.url), "event_types": list(endpoint.event_types)},
    )


async def create_endpoint(
    session: AsyncSession, box: SecretBox, policy: Policy, data: WebhookEndpointCreate
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it with its signing secret (shown this once)."""
    endpoint = WebhookEndpoint(
        url=_checked_url(data.url, policy),
        event_types=sorted({str(p) for p in data.event_types}),
        description=data.description,
        enabled=data.enabled,
    )
    secret = secrets.issue(box, endpoint)
    session.add(endpoint)
    await session.flush()
    _emit(session, "webhook_endpoint.created", endpoint)
    return endpoint, secret


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return await fetch_one(session, WebhookEndpoint, endpoint_id, "webhook endpoint")


async def list_endpoints(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[WebhookEndpoint], str | None]:
    return await fetch_page(session, select(WebhookEndpoint), WebhookEndpoint, cursor, limit)


async def update_endpoint(
    session: AsyncSession,
    policy: Policy,
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    if_match: str | None,
) -> WebhookEndpoint:
    """Change URL, event types, description or the enabled flag."""
    endpoint = await get_endpoint(session, endpoint_id)
    check_if_match(if_match, endpoint.version)
    if data.url is not msgspec.UNSET:
        endpoint.url = _checked_url(data.url, policy)
    if data.event_types is not msgspec.UNSET:
        endpoint.event_types = sorted({str(p) for p in data.event_types})
    if data.description is not msgspec.UNSET:
        endpoint.description = data.description
    if data.enabled is not msgspec.UNSET:
        if data.enabled and not endpoint.enabled:
            endpoint.disabled_reason = None
            endpoint.failing_since = None  # a fresh start: five more days before disabling
        endpoint.enabled = data.enabled
    await session.flush()
    _emit(session, "webhook_endpoint.updated", endpoint)
    return endpoint


async def delete_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove the endpoint with its delivery log; pending deliveries stop."""
    endpoint = await get_endpoint(session, endpoint_id)
    check_if_match(if_match, endpoint.version)
    _emit(session, "webhook_endpoint.deleted", endpoint)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, box: SecretBox, endpoint_id: uuid.UUID, if_match: str | None
) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one keeps signing (a second signature) for the grace period."""
    endpoint = await get_endpoint(session, endpoint_id)
    check_if_match(if_match, endpoint.version)
    secret = secrets.rotate(box, endpoint, utcnow())
    await session.flush()
    _emit(session, "webhook_endpoint.secret_rotated", endpoint)
    return endpoint, secret


async def _enabled(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("The webhook endpoint is disabled: enable it first")
    return endpoint


async def send_test(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookDelivery:
    """Schedule a signed ``webhook.ping`` to the endpoint; its outcome shows in the log."""
    endpoint = await _enabled(session, endpoint_id)
    delivery = schedule(
        session, endpoint, event_type=PING, event_id=None, message_id=None, reason="test"
    )
    await session.flush()
    return delivery


async def replay(session: AsyncSession, endpoint_id: uuid.UUID, data: WebhookReplay) -> int:
    """Deliver past events again (same ``webhook-id``: receivers deduplicate); returns how many."""
    endpoint = await _enabled(session, endpoint_id)
    events = await _replayed_events(session, data)
    wanted = [(event_id, kind) for event_id, kind in events if matches(endpoint.event_types, kind)]
    for event_id, kind in wanted:
        schedule(session, endpoint, event_type=kind, event_id=event_id, reason="replay")
    await session.flush()
    return len(wanted)


async def _replayed_events(
    session: AsyncSession, data: WebhookReplay
) -> list[tuple[uuid.UUID, str]]:
    if data.event_id is not None and data.since is None and data.until is None:
        stmt = select(Event.id, Event.type).where(Event.id == data.event_id)
        found = [(row.id, row.type) for row in await session.execute(stmt)]
        if not found:
            raise InvalidInput(f"No event {data.event_id}", errors=[FieldError("event_id", "")])
        return found
    if data.event_id is not None or data.since is None or data.until is None:
        raise InvalidInput("Give either event_id, or since and until")
    if not timedelta(0) <= data.until - data.since <= MAX_REPLAY_RANGE:
        raise InvalidInput("until must follow since by at most 31 days")
    stmt = (
        select(Event.id, Event.type)
        .where(Event.occurred_at >= data.since, Event.occurred_at < data.until)
        .order_by(Event.id)
        .limit(MAX_REPLAY_EVENTS + 1)
    )
    rows = [(row.id, row.type) for row in await session.execute(stmt)]
    if len(rows) > MAX_REPLAY_EVENTS:
        raise InvalidInput(f"More than {MAX_REPLAY_EVENTS} events: replay a shorter range")
    return rows


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which attempts of the delivery log to list (``None``: any)."""

    outcome: str | None = None
    event_id: uuid.UUID | None = None


async def list_attempts(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    where: LogFilter,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[WebhookAttempt, WebhookDelivery]], str | None]:
    """The endpoint's delivery log, newest first, each attempt with its delivery."""
    await get_endpoint(session, endpoint_id)
    stmt = (
        select(WebhookAttempt, WebhookDelivery)
        .join(
            WebhookDelivery,
            (WebhookDelivery.tenant_id == WebhookAttempt.tenant_id)
            & (WebhookDelivery.id == WebhookAttempt.delivery_id),
        )
        .where(WebhookAttempt.endpoint_id == endpoint_id)
    )
    if where.outcome is not None:
        stmt = stmt.where(WebhookAttempt.outcome == where.outcome)
    if where.event_id is not None:
        stmt = stmt.where(WebhookDelivery.event_id == where.event_id)
    if cursor is not None:
        stmt = stmt.where(WebhookAttempt.id < decode_cursor(cursor))
    stmt = stmt.order_by(WebhookAttempt.id.desc()).limit(limit + 1)
    rows = [(attempt, delivery) for attempt, delivery in await session.execute(stmt)]
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1][0].id)
