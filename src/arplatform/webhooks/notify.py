"""Telling the tenant by e-mail that an endpoint was disabled, through its notification channel."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.integrations.providers import Providers, call_provider, notification_channel
from arplatform.plugins.contracts.common import PermanentProviderError
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    OutgoingMessage,
    Recipient,
    SenderIdentity,
)
from arplatform.tenants.models import Tenant
from arplatform.webhooks.models import WebhookEndpoint
from arplatform.webhooks.rules import display_url

log = structlog.get_logger(__name__)

SEND_TIMEOUT_SECONDS = 60
REASONS = {
    "gone": "the receiver answered 410 Gone",
    "failing": "every delivery to it has failed for five days",
}


def _message(tenant: Tenant, endpoint: WebhookEndpoint, to: str) -> OutgoingMessage:
    reason = REASONS.get(endpoint.disabled_reason or "", "it was disabled")
    return OutgoingMessage(
        message_id=f"webhook-endpoint-disabled-{endpoint.id}-{endpoint.version}",
        sender=SenderIdentity(name="arplatform"),
        recipients=(Recipient(kind=AddressKind.EMAIL, name=tenant.name, address=to),),
        subject="A webhook endpoint was disabled",
        text_body=(
            f"Webhooks to {display_url(endpoint.url)} are no longer sent: {reason}.\n"
            f"Fix the receiver, then enable the endpoint again (PATCH "
            f"/v1/webhook-endpoints/{endpoint.id} with enabled=true) and replay what it missed "
            f"(POST /v1/webhook-endpoints/{endpoint.id}/replay).\n"
        ),
    )


async def notify_disabled(
    session: AsyncSession, providers: Providers, endpoint_id: uuid.UUID
) -> DeliveryResult | None:
    """E-mail the tenant's contact; transient channel errors raise, so the job is retried."""
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    )
    tenant = await session.get(Tenant, session.info["tenant_id"])
    if endpoint is None or endpoint.enabled or tenant is None:
        return None
    integration = await notification_channel(session, providers, AddressKind.EMAIL)
    if not tenant.contact_email or integration is None:
        log.warning("webhook_disabled_not_mailed", endpoint_id=str(endpoint_id))
        return None
    message = _message(tenant, endpoint, tenant.contact_email)
    try:
        result: DeliveryResult = await call_provider(
            providers, integration, lambda provider: provider.send(message),
            seconds=SEND_TIMEOUT_SECONDS,
        )  # fmt: skip
    except PermanentProviderError as exc:
        log.warning("webhook_disabled_mail_refused", error=str(exc))
        return None
    return result
