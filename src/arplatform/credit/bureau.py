"""Bureau reports for an assessment: reuse, then the waterfall of the tenant's bureaus.

A stored report younger than the policy's ``report_max_age_days`` is reused
without calling anyone. Otherwise the enabled ``credit_bureau`` integrations are
asked in priority order; the first that knows the company supplies the report.
Ordering a report is the paid call: each attempt is recorded (``BureauOrder``)
before it is made, and at most ``daily_bureau_spend_cap`` billed attempts are
made per tenant-local day (a per-tenant lock makes check-then-order race-free).
Providers that do not bill (``bills_reports``) are not capped. A provider that
fails, times out or answers something that is not a valid report is noted and
the next one is asked; nothing malformed is stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import BureauOrder
from arplatform.credit.models import CreditReport as StoredReport
from arplatform.credit.monitoring import start_watching
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.customers.models import Customer
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, call_provider
from arplatform.plugins.contracts.common import ProviderError
from arplatform.plugins.contracts.credit_bureau import CompanyQuery, CompanyRef, CreditReport
from arplatform.tenants.clock import zone_of
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

KIND = "credit_bureau"
CALL_TIMEOUT_SECONDS = 30
#: Providers that charge nothing per report when their class does not say
#: (``bills_reports``): the file importer reads reports the tenant already has.
FREE_PROVIDERS = frozenset({"bureau-file"})
CAPPED_NOTE = "not asked: the daily spend cap is reached"


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


async def billed_orders_today(session: AsyncSession, now: datetime) -> int:
    """Billed report orders of the tenant since its local midnight (whatever came back)."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    zone = zone_of(tenant.timezone if tenant else None)
    midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    count = await session.scalar(
        select(func.count())
        .select_from(BureauOrder)
        .where(BureauOrder.billed.is_(True), BureauOrder.ordered_at >= midnight)
    )
    return int(count or 0)


def bills(providers: Providers, integration: Integration) -> bool:
    """Whether the integration's provider charges per report (``bills_reports``)."""
    provider_class = providers.registry.get(KIND, integration.provider)
    default = integration.provider not in FREE_PROVIDERS
    return bool(getattr(provider_class, "bills_reports", default))


async def _lock_orders(session: AsyncSession) -> None:
    """Serialise the tenant's check-then-order until commit (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"credit_bureau_orders:{session.info['tenant_id']}"
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


@dataclass(slots=True)
class _Order:
    """What one bureau may order for one customer, and how the order is recorded."""

    session: AsyncSession
    integration: Integration
    customer: Customer
    billed: bool
    cap: int | None
    now: datetime

    async def allowed(self) -> bool:
        """Record the attempt before the paid call; False when the daily cap is reached."""
        if self.billed and self.cap is not None:
            await _lock_orders(self.session)
            if await billed_orders_today(self.session, self.now) >= self.cap:
                return False
        self.session.add(
            BureauOrder(
                customer_id=self.customer.id,
                integration_id=self.integration.id,
                provider=self.integration.provider,
                ordered_at=self.now,
                billed=self.billed,
            )
        )
        await self.session.flush()
        return True


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


async def _ask(provider: Any, order: _Order) -> tuple[CreditReport | None, CompanyRef | None]:
    """One bureau: search, then order the report when the cap allows (ref: not ordered)."""
    matches = await provider.search_company(_query(order.customer))
    if not matches:
        return None, None
    ref: CompanyRef = matches[0].ref
    if not await order.allowed():
        return None, ref
    return parse_report(await provider.fetch_report(ref)), ref


async def _call(providers: Providers, order: _Order) -> tuple[CreditReport | None, str, bool]:
    """``(report, note, failed)``; a failing plugin never escapes (never a 500).

    The note names an error code, never a provider's own text: reasons are shown
    to every role.
    """
    integration = order.integration
    try:
        report, ref = await call_provider(
            providers, integration, lambda p: _ask(p, order), seconds=2 * CALL_TIMEOUT_SECONDS
        )
    except TimeoutError:
        return None, "timed out", True
    except ProviderError as exc:
        log.warning("bureau_failed", provider=integration.provider, error=str(exc))
        return None, f"failed ({type(exc).__name__})", True
    except ValueError as exc:
        log.warning("bureau_malformed", provider=integration.provider, error=str(exc))
        return None, "failed (malformed report)", True
    except Exception as exc:  # noqa: BLE001 - a provider defect fails only that provider
        log.error("bureau_defect", provider=integration.provider, error=repr(exc))
        return None, "failed unexpectedly", True
    if report is not None:
        return report, "supplied the report", False
    if ref is not None:
        return None, CAPPED_NOTE, False
    return None, "does not know the company", False


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
    result = Lookup(Outcome.UNKNOWN)
    for integration in integrations:
        billed = bills(providers, integration)
        cap = document.daily_bureau_spend_cap
        order = _Order(session, integration, customer, billed, cap, now)
        report, note, failed = await _call(providers, order)
        result.notes.append(f"{integration.provider} {note}")
        if report is not None:
            stored = _store(session, order, report)
            await session.flush()  # stored before anything else can fail
            await start_watching(providers, integration, report.ref)
            return Lookup(Outcome.FETCHED, stored, report, result.notes)
        if failed:
            result.outcome = Outcome.FAILED
        elif note == CAPPED_NOTE and result.outcome is Outcome.UNKNOWN:
            result.outcome = Outcome.CAPPED
    return result


def _store(session: AsyncSession, order: _Order, report: CreditReport) -> StoredReport:
    stored = StoredReport(
        customer_id=order.customer.id,
        integration_id=order.integration.id,
        provider=order.integration.provider,
        ref=report.ref.provider_company_id[:200],
        fetched_at=order.now,
        paid=order.billed,
        score=report.score,
        report=msgspec.to_builtins(report),
    )
    session.add(stored)
    return stored
