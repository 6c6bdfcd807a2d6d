"""Delivering one communication on one channel through the tenant's notification provider.

Each (communication, channel) is its own job, so a failing channel or carrier
delays only its own messages. A transient failure is recorded and the job is
enqueued again with exponential backoff (honouring the carrier's Retry-After);
after ``MAX_ATTEMPTS`` the delivery is marked failed. The message id is the
carrier's idempotency key: ``<communication id>-<channel>``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.dunning import compose
from arplatform.dunning.models import Communication, Delivery
from arplatform.dunning.plans import ensure_defaults
from arplatform.dunning.record import DELIVER_JOB
from arplatform.dunning.templates import TemplateError
from arplatform.events.service import emit
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, call_provider, notification_channel
from arplatform.jobs.outbox import enqueue
from arplatform.money import format_amount
from arplatform.plugins.contracts.common import PermanentProviderError, TransientProviderError
from arplatform.plugins.contracts.notification import DeliveryResult
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 30
SEND_TIMEOUT_SECONDS = 60
DONE = frozenset({"sent", "queued", "failed", "bounced"})


class Undeliverable(Exception):
    """Nothing to retry: no address, or no provider for the channel."""


def backoff(attempt: int, retry_after: float | None) -> timedelta:
    """30 s, 1 min, 2 min … doubling, capped at 6 h; never before the carrier's Retry-After."""
    seconds = min(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1), 6 * 3600)
    return timedelta(seconds=max(seconds, retry_after or 0))


async def _integration(session: AsyncSession, providers: Providers, channel: str) -> Integration:
    integration = await notification_channel(session, providers, compose.ADDRESS_KINDS[channel])
    if integration is None:
        raise Undeliverable(f"no notification channel for {channel} is set up")
    return integration


async def _send(providers: Providers, integration: Integration, message: object) -> DeliveryResult:
    result: DeliveryResult = await call_provider(
        providers, integration, lambda provider: provider.send(message),
        seconds=SEND_TIMEOUT_SECONDS,
    )  # fmt: skip
    return result


async def _compose_and_send(
    session: AsyncSession, providers: Providers, communication: Communication, channel: str
) -> tuple[str, DeliveryResult]:
    tenant = await session.get(Tenant, session.info["tenant_id"])
    customer = await session.scalar(
        select(Customer).where(Customer.id == communication.customer_id)
    )
    assert tenant is not None and customer is not None
    settings = await ensure_defaults(session)
    to = compose.recipients(customer, channel)
    if not to:
        raise Undeliverable(f"the customer has no address for {channel}")
    integration = await _integration(session, providers, channel)
    compensation = await compose.fixed_compensation(session, communication)
    context = compose.notice_context(communication, tenant, settings, customer, compensation)
    notice = await compose.rendered(session, communication, context, channel)
    from_ = compose.sender(tenant, settings)
    attachments = (
        (compose.notice_pdf(communication, notice, customer, from_),) if channel == "email" else ()
    )
    message = compose.message(communication, channel, notice, to, from_, attachments)
    return integration.provider, await _send(providers, integration, message)


async def _finish(session: AsyncSession, communication: Communication) -> None:
    """Once every channel has an outcome: the communication is sent, or failed."""
    await session.flush()
    # Read afresh: another channel's job may have finished since this one started.
    outcomes = dict(
        (
            await session.execute(
                select(Delivery.channel, Delivery.status).where(
                    Delivery.communication_id == communication.id
                )
            )
        ).all()
    )
    if not set(outcomes.values()) <= DONE:
        return
    delivered = sorted(
        channel for channel, status in outcomes.items() if status in ("sent", "queued")
    )
    communication.status = "sent" if delivered else "failed"
    communication.sent_at = utcnow() if delivered else None
    if delivered:
        emit(
            session,
            "dunning.sent",
            resource_type="dunning_communication",
            resource_id=communication.id,
            resource_version=communication.version + 1,
            data={
                "customer_id": str(communication.customer_id),
                "reference": communication.reference,
                "level": communication.level_name,
                "channels": delivered,
                "total_open": format_amount(communication.total_open, communication.currency),
                "currency": communication.currency,
            },
        )


async def deliver(
    session: AsyncSession, providers: Providers, communication_id: uuid.UUID, channel: str
) -> None:
    """Send ``communication_id`` on ``channel`` unless already done; record the outcome."""
    communication = await session.scalar(
        select(Communication)
        .where(Communication.id == communication_id)
        .options(selectinload(Communication.lines), selectinload(Communication.deliveries))
        .with_for_update()
    )
    if communication is None or communication.status not in ("queued",):
        return
    delivery = next((d for d in communication.deliveries if d.channel == channel), None)
    if delivery is None or delivery.status in DONE:
        return
    delivery.attempts += 1
    try:
        delivery.provider, result = await _compose_and_send(
            session, providers, communication, channel
        )
        delivery.status = str(result.status)
        delivery.provider_message_id = result.provider_message_id
        delivery.detail = result.detail
    except (Undeliverable, PermanentProviderError, TemplateError) as exc:
        delivery.status, delivery.detail = "failed", str(exc)[:500]
    except Exception as exc:
        retry_after = exc.retry_after if isinstance(exc, TransientProviderError) else None
        delivery.detail = f"{type(exc).__name__}: {exc}"[:500]
        if not isinstance(exc, TransientProviderError | TimeoutError):
            log.exception("notification_provider_defect", provider=delivery.provider)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
        else:
            enqueue(
                session,
                DELIVER_JOB,
                {"communication_id": str(communication.id), "channel": channel},
                dedupe_key=f"{DELIVER_JOB}:{communication.id}:{channel}:{delivery.attempts}",
                available_at=utcnow() + backoff(delivery.attempts, retry_after),
            )
    await _finish(session, communication)
    await session.flush()
