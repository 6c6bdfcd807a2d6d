"""Bureau reports for an assessment: reuse, then the waterfall of the tenant's bureaus.

A stored report younger than the policy's ``report_max_age_days`` is reused
without calling anyone. Otherwise the enabled ``credit_bureau`` integrations are
asked in priority order; the first that knows the company supplies the report.
Ordering a report is the paid call: at most ``daily_bureau_spend_cap`` per
tenant-local day. A provider that fails, times out or answers something that is
not a valid report is noted and the next one is asked; nothing malformed is stored.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import CreditReport as StoredReport
from arplatform.credit.monitoring import start_watching
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.customers.models import Customer
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, build_provider
from arplatform.plugins.contracts.common import ProviderError
from arplatform.plugins.contracts.credit_bureau import CompanyQuery, CreditReport
from arplatform.tenants.clock import zone_of
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

KIND = "credit_bureau"
CALL_TIMEOUT_SECONDS = 30


class Outcome(enum.StrEnum):
    REUSED = "reused"
    FETCHED = "fetched"
    UNKNOWN = "unknown"  # no bureau knows the company
    FAILED = "failed"  # at least one bureau failed and none supplied a report
    CAPPED = "capped"  # the daily spend cap stopped the waterfall
    NONE_CONFIGURED = "none_configured"


@dataclass(slots=True)
class Lookup:
    """What the waterfall found, and what happened on the way (plain words)."""

    outcome: Outcome
    stored: StoredReport | None = None
    report: CreditReport | None = None
    notes: list[str] = field(default_factory=list)


def parse_report(value: Any) -> CreditReport:
    """A valid ``CreditReport`` from a provider's answer or a stored row (ValueError if not)."""
    try:
        return msgspec.convert(msgspec.to_builtins(value), CreditReport)
    except (msgspec.ValidationError, TypeError) as exc:
        raise ValueError(f"not a valid credit report: {exc}") from None


async def latest_report(session: AsyncSession, customer: Customer) -> StoredReport | None:
    return await session.scalar(
        select(StoredReport)
        .where(StoredReport.customer_id == customer.id)
        .order_by(StoredReport.fetched_at.desc(), StoredReport.id.desc())
        .limit(1)
    )


async def paid_today(session: AsyncSession, now: datetime) -> int:
    """Paid report orders of the tenant since its local midnight."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    zone = zone_of(tenant.timezone if tenant else None)
    midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    count = await session.scalar(
        select(func.count())
        .select_from(StoredReport)
        .where(StoredReport.paid.is_(True), StoredReport.fetched_at >= midnight)
    )
    return int(count or 0)


async def _integrations(session: AsyncSession, providers: Providers) -> list[Integration]:
    rows = await session.scalars(
        select(Integration)
        .where(Integration.kind == KIND, Integration.enabled.is_(True))
        .order_by(Integration.priority, Integration.id)
    )
    installed = {info.key for info in providers.registry.providers(KIND)}
    return [row for row in rows if row.provider in installed]


def _query(customer: Customer) -> CompanyQuery:
    return CompanyQuery(
        country=customer.country,
        name=customer.legal_name,
        registration_id=customer.registration_number,
        vat_id=customer.vat_number,
        max_results=5,
    )


async def _ask(
    provider: Any, customer: Customer, may_order: bool
) -> tuple[CreditReport | None, str]:
    """One bureau: search, then order the report (when the cap allows)."""
    async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
        matches = await provider.search_company(_query(customer))
    if not matches:
        return None, "does not know the company"
    if not may_order:
        return None, "not asked: the daily spend cap is reached"
    async with asyncio.timeout(CALL_TIMEOUT_SECONDS):
        answer = await provider.fetch_report(matches[0].ref)
    report = parse_report(answer)
    await start_watching(provider, matches[0].ref)
    return report, "supplied the report"


async def _call(
    providers: Providers, integration: Integration, customer: Customer, may_order: bool
) -> tuple[CreditReport | None, str, bool]:
    """``(report, note, failed)``; a failing plugin never escapes (never a 500)."""
    try:
        provider = build_provider(providers, integration)
    except Exception as exc:  # noqa: BLE001 - a broken configuration or plugin
        log.warning("bureau_unavailable", provider=integration.provider, error=str(exc))
        return None, "could not be set up", True
    try:
        report, note = await _ask(provider, customer, may_order)
        return report, note, False
    except TimeoutError:
        return None, "timed out", True
    except (ProviderError, ValueError) as exc:
        return None, f"failed: {str(exc)[:200]}", True
    except Exception as exc:  # noqa: BLE001 - a provider defect fails only that provider
        log.error("bureau_defect", provider=integration.provider, error=repr(exc))
        return None, "failed unexpectedly", True
    finally:
        aclose = getattr(provider, "aclose", None)
        if aclose is not None:
            await aclose()


async def lookup(
    session: AsyncSession,
    providers: Providers,
    customer: Customer,
    document: PolicyDocument,
    now: datetime,
) -> Lookup:
    """The report an assessment uses: reused, fetched through the waterfall, or none."""
    latest = await latest_report(session, customer)
    if latest is not None and latest.fetched_at >= now - timedelta(
        days=document.report_max_age_days
    ):
        note = f"reused the {latest.provider} report of {latest.fetched_at.date()}"
        return Lookup(Outcome.REUSED, latest, parse_report(latest.report), [note])
    integrations = await _integrations(session, providers)
    if not integrations:
        return Lookup(Outcome.NONE_CONFIGURED, notes=["no credit bureau is configured"])
    cap = document.daily_bureau_spend_cap
    result = Lookup(Outcome.UNKNOWN)
    for integration in integrations:
        may_order = cap is None or await paid_today(session, now) < cap
        report, note, failed = await _call(providers, integration, customer, may_order)
        result.notes.append(f"{integration.provider} {note}")
        if report is not None:
            stored = _store(session, integration, customer, report, now)
            await session.flush()
            return Lookup(Outcome.FETCHED, stored, report, result.notes)
        if failed:
            result.outcome = Outcome.FAILED
        elif not may_order and result.outcome is Outcome.UNKNOWN:
            result.outcome = Outcome.CAPPED
    return result


def _store(
    session: AsyncSession,
    integration: Integration,
    customer: Customer,
    report: CreditReport,
    now: datetime,
) -> StoredReport:
    stored = StoredReport(
        customer_id=customer.id,
        integration_id=integration.id,
        provider=integration.provider,
        ref=report.ref.provider_company_id[:200],
        fetched_at=now,
        paid=True,
        score=report.score,
        report=msgspec.to_builtins(report),
    )
    session.add(stored)
    return stored
