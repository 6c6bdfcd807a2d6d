"""Bureau reports for an assessment: reuse, then the waterfall of the tenant's bureaus.

A stored report younger than the policy's ``report_max_age_days`` is reused
without calling anyone. Otherwise the enabled ``credit_bureau`` integrations are
asked in priority order; the first that knows the company supplies the report.
Ordering a report is the paid call: each attempt is recorded (``BureauOrder``)
and committed before it is made, and at most ``daily_bureau_spend_cap`` billed
attempts are made per tenant-local day (a per-tenant lock makes check-then-order
race-free). Providers that do not bill (``bills_reports``) are not capped. A
provider that fails, times out or answers something that is not a valid report
is noted and the next one is asked; nothing malformed is stored.

No transaction is open while a bureau is asked: the reservation of an order and
the storing of a report each run in a short transaction of their own
(:class:`Sessions`), so neither a lock nor a connection waits on a provider.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one
from arplatform.credit.models import BureauOrder
from arplatform.credit.models import CreditReport as StoredReport
from arplatform.credit.monitoring import start_watching
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.customers.models import Customer
from arplatform.db.session import Database
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


@dataclass(frozen=True, slots=True)
class Sessions:
    """Short transactions of one tenant, each committed when its block ends."""

    database: Database
    tenant_id: uuid.UUID
    actor: str | None

    @classmethod
    def like(cls, database: Database, session: AsyncSession) -> Sessions:
        """Transactions with the tenant and actor of ``session``."""
        return cls(database, session.info["tenant_id"], session.info.get("actor"))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        session = self.database.session(self.tenant_id, actor=self.actor)
        async with session, session.begin():
            yield session


@dataclass(slots=True)
class Plan:
    """What the lookup needs to know before asking anyone (read in one short transaction).

    ``settled`` is the lookup's answer when no bureau is to be asked: a young
    stored report to reuse, or no bureau configured.
    """

    latest: StoredReport | None
    settled: Lookup | None
    integrations: list[Integration]


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

    sessions: Sessions
    integration: Integration
    customer: Customer
    billed: bool
    cap: int | None
    now: datetime

    async def allowed(self) -> bool:
        """Record the attempt before the paid call; False when the daily cap is reached.

        The record is committed at once (releasing the tenant's lock): an order
        counts against the cap whatever happens to the assessment afterwards.
        """
        async with self.sessions.transaction() as session:
            if self.billed and self.cap is not None:
                await _lock_orders(session)
                if await billed_orders_today(session, self.now) >= self.cap:
                    return False
            session.add(
                BureauOrder(
                    customer_id=self.customer.id,
                    integration_id=self.integration.id,
                    provider=self.integration.provider,
                    ordered_at=self.now,
                    billed=self.billed,
                )
            )
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


async def plan(
    session: AsyncSession,
    providers: Providers,
    customer: Customer,
    document: PolicyDocument,
    now: datetime,
) -> Plan:
    """The latest stored report, and whether it is young enough to reuse (no calls)."""
    latest = await latest_report(session, customer)
    if latest is not None and latest.fetched_at >= now - timedelta(
        days=document.report_max_age_days
    ):
        note = f"reused the {latest.provider} report of {latest.fetched_at.date()}"
        return Plan(latest, Lookup(Outcome.REUSED, latest, parse_report(latest.report), [note]), [])
    integrations = await _integrations(session, providers)
    if not integrations:
        return Plan(
            latest, Lookup(Outcome.NONE_CONFIGURED, notes=["no credit bureau is configured"]), []
        )
    return Plan(latest, None, integrations)


async def lookup(
    sessions: Sessions,
    providers: Providers,
    customer: Customer,
    document: PolicyDocument,
    planned: Plan,
    now: datetime,
) -> Lookup:
    """The report an assessment uses: reused, fetched through the waterfall, or none.

    Call it with no transaction of the tenant open (on SQLite the short
    transactions need the connection). A report is stored before anything else
    is asked of its bureau; a customer deleted meanwhile is a 404.
    """
    if planned.settled is not None:
        return planned.settled
    result = Lookup(Outcome.UNKNOWN)
    for integration in planned.integrations:
        billed = bills(providers, integration)
        cap = document.daily_bureau_spend_cap
        order = _Order(sessions, integration, customer, billed, cap, now)
        report, note, failed = await _call(providers, order)
        result.notes.append(f"{integration.provider} {note}")
        if report is not None:
            stored = await _store(sessions, order, report)
            await start_watching(providers, integration, report.ref)
            return Lookup(Outcome.FETCHED, stored, report, result.notes)
        if failed:
            result.outcome = Outcome.FAILED
        elif note == CAPPED_NOTE and result.outcome is Outcome.UNKNOWN:
            result.outcome = Outcome.CAPPED
    return result


async def _store(sessions: Sessions, order: _Order, report: CreditReport) -> StoredReport:
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
    async with sessions.transaction() as session:
        await fetch_one(session, Customer, order.customer.id, "customer")
        session.add(stored)
    return stored
