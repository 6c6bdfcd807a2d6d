"""Bureau monitoring: companies whose report was ordered are watched; alerts become signals.

Only bureaus with ``supports_monitoring`` take part. The hourly poll asks each
for the alerts of the last ``POLL_WINDOW`` and raises ``bureau_alert`` for the
customers whose stored reports carry the alert's company reference; an alert
that is still open is not raised twice (``raise_signal`` keeps one per signal).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import CreditReport
from arplatform.credit.policy_schema import Signal
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, build_provider
from arplatform.plugins.contracts.common import ProviderError
from arplatform.plugins.contracts.credit_bureau import CompanyRef, MonitoringAlert

log = structlog.get_logger(__name__)

POLL_WINDOW = timedelta(hours=2)
CALL_TIMEOUT_SECONDS = 30


async def start_watching(provider: Any, ref: CompanyRef) -> None:
    """Ask a monitoring bureau to watch ``ref``; a failure only costs the alerts."""
    if not getattr(provider, "supports_monitoring", False):
        return
    try:
        async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
            await provider.start_monitoring(ref)
    except (ProviderError, TimeoutError) as exc:
        log.warning("bureau_monitoring_not_started", error=str(exc))


async def _alerts(provider: Any, since: datetime) -> list[MonitoringAlert]:
    try:
        async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
            alerts: list[MonitoringAlert] = await provider.poll_alerts(since)
            return alerts
    except (ProviderError, TimeoutError) as exc:
        log.warning("bureau_alerts_unavailable", error=str(exc))
        return []
    finally:
        aclose = getattr(provider, "aclose", None)
        if aclose is not None:
            await aclose()


async def _customers(
    session: AsyncSession, integration: Integration, alert: MonitoringAlert
) -> list[Any]:
    rows = await session.scalars(
        select(CreditReport.customer_id)
        .where(
            CreditReport.provider == integration.provider,
            CreditReport.ref == alert.ref.provider_company_id,
        )
        .distinct()
    )
    return list(rows.all())


async def poll(session: AsyncSession, providers: Providers, now: datetime) -> int:
    """Raise ``bureau_alert`` for each alert of the tenant's monitoring bureaus; how many."""
    try:
        from arplatform.credit.signals import raise_signal
    except ImportError:  # early warning is not installed
        return 0
    raised = 0
    rows = await session.scalars(
        select(Integration).where(Integration.kind == "credit_bureau", Integration.enabled)
    )
    for integration in rows.all():
        try:
            provider = build_provider(providers, integration)
        except Exception as exc:  # noqa: BLE001 - a broken plugin costs only its alerts
            log.warning("bureau_unavailable", provider=integration.provider, error=str(exc))
            continue
        if not getattr(provider, "supports_monitoring", False):
            continue
        for alert in await _alerts(provider, now - POLL_WINDOW):
            facts = {
                "alert_id": alert.alert_id,
                "type": str(alert.type),
                "provider": integration.provider,
                "new_score": alert.new_score,
            }
            for customer_id in await _customers(session, integration, alert):
                signal = Signal.BUREAU_ALERT
                if await raise_signal(session, customer_id, signal, alert.summary, facts):
                    raised += 1
    return raised
