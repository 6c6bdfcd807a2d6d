"""One attempt of one delivery, in three steps, so no transaction is open during the call out.

1. :func:`claim` (a transaction): lock the pending delivery, sign its message, and
   lease it (``next_attempt_at`` = now + :data:`LEASE`), so a second run of the same
   attempt finds it taken, and the sweep (:mod:`arplatform.webhooks.sweep`) retries
   it if the process dies before step 3.
2. Send through the guarded client (a hard deadline, the body never read).
3. :func:`record` (a new transaction): log the attempt, then succeed, reschedule,
   give up or disable the endpoint.

The message id stays the same on every attempt, so receivers deduplicate on it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.db.base import utcnow
from arplatform.db.session import Database
from arplatform.events.models import Event
from arplatform.events.service import emit
from arplatform.integrations.secrets import SecretBox
from arplatform.jobs.outbox import enqueue
from arplatform.webhooks import messages, signing
from arplatform.webhooks.fanout import DELIVER_JOB, NOTIFY_DISABLED_JOB
from arplatform.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.rules import AttemptResult, Decision, decide, display_url
from arplatform.webhooks.secrets import signing_secrets
from arplatform.webhooks.sending import Sender

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
#: How long a claimed attempt may take before the sweep tries again (sending takes <= 15 s).
LEASE = timedelta(minutes=2)
ACTOR = f"job:{DELIVER_JOB}"


@dataclass(frozen=True, slots=True)
class Claim:
    """Attempt number ``attempt`` of a delivery, signed at ``started``, ready to send."""

    delivery_id: uuid.UUID
    attempt: int
    url: str
    headers: dict[str, str]
    body: str
    started: datetime


async def deliver(
    database: Database,
    tenant_id: uuid.UUID,
    box: SecretBox,
    sender: Sender,
    delivery_id: uuid.UUID,
    *,
    clock: Clock = utcnow,
    jitter: Callable[[], float] = random.random,
) -> Decision | None:
    """Make the next attempt of a pending delivery; ``None`` when there is nothing to do."""
    async with database.session(tenant_id, actor=ACTOR) as session, session.begin():
        claimed = await claim(session, box, delivery_id, now=clock())
    if claimed is None:
        return None
    return await send_and_record(database, tenant_id, sender, claimed, jitter=jitter)


async def send_and_record(
    database: Database,
    tenant_id: uuid.UUID,
    sender: Sender,
    claimed: Claim,
    *,
    jitter: Callable[[], float] = random.random,
) -> Decision | None:
    """Steps 2 and 3: call the receiver outside any transaction, then record the outcome."""
    result = await sender.post(claimed.url, claimed.headers, claimed.body)
    async with database.session(tenant_id, actor=ACTOR) as session, session.begin():
        return await record(session, claimed, result, jitter=jitter())


async def claim(
    session: AsyncSession, box: SecretBox, delivery_id: uuid.UUID, *, now: datetime
) -> Claim | None:
    """Step 1: lease the delivery's next attempt and sign it; ``None`` when not due or done."""
    delivery = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )
    if delivery is None or delivery.status != "pending":
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None  # leased by a running attempt, or its retry is not due yet
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
    )
    body = None if endpoint is None else await _body(session, delivery, endpoint, now)
    if endpoint is None or not endpoint.enabled or body is None:
        _finish(delivery, "failed", now)
        return None
    delivery.next_attempt_at = now + LEASE
    headers = signing.headers(signing_secrets(box, endpoint, now), delivery.message_id, now, body)
    return Claim(delivery.id, delivery.attempts + 1, endpoint.url, headers, body, now)


async def record(
    session: AsyncSession, claimed: Claim, result: AttemptResult, *, jitter: float
) -> Decision | None:
    """Step 3: log the attempt and act on its outcome; ``None`` if another run recorded it."""
    delivery = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == claimed.delivery_id).with_for_update()
    )
    if delivery is None or delivery.status != "pending" or delivery.attempts >= claimed.attempt:
        return None  # the endpoint was deleted, or a later run got there first
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
    )
    if endpoint is None:
        return None
    delivery.attempts = claimed.attempt
    decision = decide(
        result,
        attempts=delivery.attempts,
        failing_since=endpoint.failing_since,
        now=claimed.started,
        jitter=jitter,
    )
    _log_attempt(session, delivery, claimed.started, result, decision)
    await _apply(session, delivery, endpoint, decision, claimed.started)
    await session.flush()
    return decision


async def _body(
    session: AsyncSession, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime
) -> str | None:
    if delivery.event_id is None:  # a test ping
        return messages.ping_body(
            delivery.message_id, endpoint.tenant_id, endpoint.id, endpoint.version, now
        )
    event = await session.scalar(select(Event).where(Event.id == delivery.event_id))
    return None if event is None else messages.event_body(event)


def _log_attempt(
    session: AsyncSession,
    delivery: WebhookDelivery,
    at: datetime,
    result: AttemptResult,
    decision: Decision,
) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            attempt=delivery.attempts,
            attempted_at=at,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            outcome=decision.outcome,
            error=result.error,
        )
    )


def _finish(delivery: WebhookDelivery, status: str, now: datetime) -> None:
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None


async def _apply(
    session: AsyncSession,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    decision: Decision,
    now: datetime,
) -> None:
    if decision.outcome == "succeeded":
        _finish(delivery, "succeeded", now)
        if endpoint.failing_since is not None:
            await _set_failing_since(session, endpoint, None)
        return
    if endpoint.failing_since is None:
        # COALESCE: of two concurrent first failures, the earlier-committed one stays.
        first_failure = func.coalesce(WebhookEndpoint.failing_since, now)
        await _set_failing_since(session, endpoint, first_failure)
    if decision.outcome == "retry":
        assert decision.next_at is not None
        delivery.next_attempt_at = decision.next_at
        enqueue(
            session,
            DELIVER_JOB,
            {"delivery_id": str(delivery.id)},
            dedupe_key=f"{DELIVER_JOB}:{delivery.id}:{delivery.attempts}",
            available_at=decision.next_at,
        )
        return
    _finish(delivery, "failed", now)
    if decision.disable_reason is not None:
        await session.refresh(endpoint)
        disable(session, endpoint, decision.disable_reason)


async def _set_failing_since(
    session: AsyncSession, endpoint: WebhookEndpoint, value: object
) -> None:
    """Operational state, not a change of the resource: no new version, no audit entry."""
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id)
        .values(failing_since=value, updated_at=WebhookEndpoint.updated_at)
        .execution_options(synchronize_session="fetch")
    )


def disable(session: AsyncSession, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop delivering to ``endpoint``; the event and an e-mail tell the tenant."""
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    log.warning("webhook_endpoint_disabled", endpoint_id=str(endpoint.id), reason=reason)
    emit(
        session,
        "webhook_endpoint.disabled",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        resource_version=endpoint.version + 1,
        data={"url": display_url(endpoint.url), "reason": reason},
    )
    enqueue(session, NOTIFY_DISABLED_JOB, {"endpoint_id": str(endpoint.id)})
