"""Bureau monitoring: companies whose report was ordered are watched; alerts become signals.

Only bureaus with ``supports_monitoring`` take part. The hourly poll asks each
for the alerts of the last ``POLL_WINDOW`` and raises ``bureau_alert`` for the
customers whose stored reports carry the alert's company reference; an alert
that is still open is not raised twice (``raise_signal`` keeps one per signal).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import CreditReport
from arplatform.credit.policy_schema import Signal
from arplatform.credit.signals import raise_signal
from arplatform.db.session import Database
from arplatform.db.types import contains_nul
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, call_provider
from arplatform.plugins.contracts.credit_bureau import CompanyRef, MonitoringAlert

log = structlog.get_logger(__name__)

KIND = "credit_bureau"
POLL_WINDOW = timedelta(hours=2)
CALL_TIMEOUT_SECONDS = 30


def _monitors(providers: Providers, integration: Integration) -> bool:
    try:
        provider_class = providers.registry.get(KIND, integration.provider)
    except LookupError:  # its plugin is no longer installed
        return False
    return bool(getattr(provider_class, "supports_monitoring", False))


async def start_watching(providers: Providers, integration: Integration, ref: CompanyRef) -> None:
    """Ask a monitoring bureau to watch ``ref``; any failure only costs the alerts."""
    if not _monitors(providers, integration):
        return
    try:
        await call_provider(
            providers,
            integration,
            lambda provider: provider.start_monitoring(ref),
            seconds=CALL_TIMEOUT_SECONDS,
        )
    except Exception as exc:  # noqa: BLE001 - the report is stored; only alerts are lost
        log.warning("bureau_monitoring_not_started", provider=integration.provider, error=repr(exc))


async def _alerts(
    providers: Providers, integration: Integration, since: datetime
) -> list[MonitoringAlert]:
    """The integration's alerts since ``since``; a failing plugin gives none (logged)."""
    try:
        alerts: list[MonitoringAlert] = await call_provider(
            providers,
            integration,
            lambda provider: provider.poll_alerts(since),
            seconds=CALL_TIMEOUT_SECONDS,
        )
    except Exception as exc:  # noqa: BLE001 - one broken bureau costs only its alerts
        log.warning("bureau_alerts_unavailable", provider=integration.provider, error=repr(exc))
        return []
    return alerts


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


async def poll(
    database: Database,
    tenant_id: uuid.UUID | None,
    providers: Providers,
    now: datetime,
    *,
    actor: str | None = None,
) -> int:
    """Raise ``bureau_alert`` for each alert of the tenant's monitoring bureaus; how many.

    The bureaus are asked with no transaction open (their integrations are read
    first); the signals are raised afterwards in one short transaction.
    """
    async with database.session(tenant_id, actor=actor) as session:
        rows = await session.scalars(
            select(Integration).where(Integration.kind == KIND, Integration.enabled)
        )
        integrations = [i for i in rows.all() if _monitors(providers, i)]
    found: list[tuple[Integration, MonitoringAlert]] = []
    for integration in integrations:
        for alert in await _alerts(providers, integration, now - POLL_WINDOW):
            if contains_nul(msgspec.to_builtins(alert)):  # one the database cannot store
                log.warning("bureau_alert_refused", provider=integration.provider)
                continue
            found.append((integration, alert))
    if not found:
        return 0
    raised = 0
    async with database.session(tenant_id, actor=actor) as session, session.begin():
        for integration, alert in found:
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
