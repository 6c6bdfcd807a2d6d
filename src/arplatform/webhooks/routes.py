"""Webhook endpoints: register, change, rotate the secret, ping, replay, read the log."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, Response
from litestar.params import FromPath, FromQuery, JSONBody

from arplatform.api.conventions import (
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_delete,
    api_get,
    api_patch,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.integrations.secrets import SecretBox
from arplatform.webhooks import service
from arplatform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.schemas import (
    WebhookAttemptOut,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
    WebhookReplay,
    WebhookReplayOut,
)
from arplatform.webhooks.ssrf import Policy

#: What an attempt came to (the delivery log's ``outcome`` filter).
Outcome = Literal["succeeded", "retry", "failed", "endpoint_disabled"]

ADMINS = {Role.ADMIN}
READERS = {Role.ADMIN, Role.CREDIT_MANAGER}
ENDPOINT = "/{webhook_endpoint_id:uuid}"


class WebhookEndpointPage(msgspec.Struct, frozen=True):
    """One page of webhook endpoints; ``next_cursor`` is null on the last page."""

    data: list[WebhookEndpointOut]
    next_cursor: str | None


class WebhookAttemptPage(msgspec.Struct, frozen=True):
    """One page of the delivery log; ``next_cursor`` is null on the last page."""

    data: list[WebhookAttemptOut]
    next_cursor: str | None


def _box(request: Request[Any, Any, Any]) -> SecretBox:
    box: SecretBox = request.app.state.providers.box
    return box


def _policy(request: Request[Any, Any, Any]) -> Policy:
    return Policy.from_settings(request.app.state.settings)


def _fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "version": endpoint.version,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def _respond(endpoint: WebhookEndpoint) -> Response[WebhookEndpointOut]:
    return versioned_response(WebhookEndpointOut(**_fields(endpoint)), endpoint.version)


def _with_secret(
    endpoint: WebhookEndpoint, secret: str, *, created: bool
) -> Response[WebhookEndpointWithSecret]:
    return versioned_response(
        WebhookEndpointWithSecret(**_fields(endpoint), secret=secret),
        endpoint.version,
        location=f"/v1/webhook-endpoints/{endpoint.id}" if created else None,
        status_code=201 if created else 200,
    )


def _delivery(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        reason=delivery.reason,
        status=delivery.status,
        attempts=delivery.attempts,
        created_at=delivery.created_at,
        next_attempt_at=delivery.next_attempt_at,
    )


def _attempt(attempt: WebhookAttempt, delivery: WebhookDelivery) -> WebhookAttemptOut:
    return WebhookAttemptOut(
        id=attempt.id,
        delivery_id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        message_id=delivery.message_id,
        attempt=attempt.attempt,
        attempted_at=attempt.attempted_at,
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        outcome=attempt.outcome,
        error=attempt.error,
    )


class WebhookEndpointController(Controller):
    path = "/v1/webhook-endpoints"
    tags = ["webhooks"]

    @api_post("/", roles=ADMINS, errors=[422], idempotent=True, etag=True, status_code=201)
    async def create_webhook_endpoint(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[WebhookEndpointCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[WebhookEndpointWithSecret]:
        """Register a receiver; the answer holds its signing secret, shown only this once."""
        endpoint, secret = await service.create_endpoint(
            session, _box(request), _policy(request), data
        )
        return _with_secret(endpoint, secret, created=True)

    @api_get("/", roles=READERS)
    async def list_webhook_endpoints(
        self, session: DbSession, limit: Limit = 50, cursor: Cursor = None
    ) -> WebhookEndpointPage:
        """The tenant's webhook endpoints."""
        rows, next_cursor = await service.list_endpoints(session, cursor=cursor, limit=limit)
        return WebhookEndpointPage(
            data=[WebhookEndpointOut(**_fields(e)) for e in rows], next_cursor=next_cursor
        )

    @api_get(ENDPOINT, roles=READERS, etag=True)
    async def get_webhook_endpoint(
        self, session: DbSession, webhook_endpoint_id: FromPath[uuid.UUID]
    ) -> Response[WebhookEndpointOut]:
        """One webhook endpoint (never its secret)."""
        return _respond(await service.get_endpoint(session, webhook_endpoint_id))

    @api_patch(ENDPOINT, roles=ADMINS, errors=[422], etag=True)
    async def update_webhook_endpoint(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        data: JSONBody[WebhookEndpointUpdate],
        if_match: IfMatch = None,
    ) -> Response[WebhookEndpointOut]:
        """Change the URL, event types, description or enabled flag."""
        endpoint = await service.update_endpoint(
            session, _policy(request), webhook_endpoint_id, data, if_match
        )
        return _respond(endpoint)

    @api_delete(ENDPOINT, roles=ADMINS)
    async def delete_webhook_endpoint(
        self,
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> None:
        """Remove the endpoint and its delivery log."""
        await service.delete_endpoint(session, webhook_endpoint_id, if_match)

    @api_post(
        f"{ENDPOINT}/rotate-secret", roles=ADMINS, conditional=True, etag=True, status_code=200
    )
    async def rotate_webhook_secret(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        if_match: IfMatch = None,
    ) -> Response[WebhookEndpointWithSecret]:
        """A new signing secret (shown only now); the old one also signs for 24 hours."""
        endpoint, secret = await service.rotate_secret(
            session, _box(request), webhook_endpoint_id, if_match
        )
        return _with_secret(endpoint, secret, created=False)

    @api_post(f"{ENDPOINT}/test", roles=ADMINS, errors=[409], idempotent=True, status_code=202)
    async def test_webhook_endpoint(
        self,
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        idempotency_key: IdempotencyKey = None,
    ) -> WebhookDeliveryOut:
        """Send a signed ``webhook.ping``; its outcome appears in the delivery log."""
        return _delivery(await service.send_test(session, webhook_endpoint_id))

    @api_post(
        f"{ENDPOINT}/replay", roles=ADMINS, errors=[409, 422], idempotent=True, status_code=202
    )
    async def replay_webhooks(
        self,
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        data: JSONBody[WebhookReplay],
        idempotency_key: IdempotencyKey = None,
    ) -> WebhookReplayOut:
        """Deliver one past event, or those of a time range, again (same ``webhook-id``)."""
        scheduled = await service.replay(session, webhook_endpoint_id, data)
        return WebhookReplayOut(scheduled=scheduled)

    @api_get(f"{ENDPOINT}/deliveries", roles=READERS)
    async def list_webhook_deliveries(
        self,
        session: DbSession,
        webhook_endpoint_id: FromPath[uuid.UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
        outcome: FromQuery[Outcome | None] = None,
        event_id: FromQuery[uuid.UUID | None] = None,
    ) -> WebhookAttemptPage:
        """The delivery log, newest first: attempt, status code, latency, error class; never
        a body. Filter by ``outcome`` or by the event delivered."""
        rows, next_cursor = await service.list_attempts(
            session,
            webhook_endpoint_id,
            service.LogFilter(outcome=outcome, event_id=event_id),
            cursor=cursor,
            limit=limit,
        )
        return WebhookAttemptPage(data=[_attempt(a, d) for a, d in rows], next_cursor=next_cursor)
