"""Bureau reports for an assessment: reuse, then the waterfall of the tenant's bureaus.

A stored report younger than the policy's ``report_max_age_days`` is reused
without calling anyone. Otherwise the enabled ``credit_bureau`` integrations are
asked in priority order; the first that knows the company supplies the report.
Ordering a report is the paid call: each attempt is recorded (``BureauOrder``)
and committed before it is made, and at most ``daily_bureau_spend_cap`` billed
attempts are made per tenant-local day (a per-tenant lock makes check-then-order
race-free). Providers that do not bill (``bills_reports``) are not capped. A
provider that fails, times out or answers something that is not a valid report
is noted and the next one is asked; nothing malformed is stored. A report the
database refuses to store is noted as its bureau's failure and ends the
waterfall (another bureau's report would be paid for again).

No transaction is open while a bureau is asked: the reservation of an order and
the storing of a report each run in a short transaction of their own
(:class:`Sessions`), so neither a lock nor a connection waits on a provider.
The reservation looks again for a report young enough to reuse: an overlapping
assessment of the customer may have stored one since the plan was made.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import NotFound
from arplatform.credit.models import BureauOrder
from arplatform.credit.models import CreditReport as StoredReport
from arplatform.credit.monitoring import start_watching
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.customers.models import Customer
from arplatform.db.session import Database
from arplatform.db.types import contains_nul
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
    """A valid ``CreditReport`` from a provider's answer or a stored row (ValueError if not).

    A NUL character anywhere makes it invalid: PostgreSQL cannot store one.
    """
    try:
        builtins = msgspec.to_builtins(value)
        if contains_nul(builtins):
            raise ValueError("not a valid credit report: it contains a NUL character")
        return msgspec.convert(builtins, CreditReport)
    except (msgspec.ValidationError, TypeError) as exc:
        raise ValueError(f"not a valid credit report: {exc}") from None


async def latest_report(session: AsyncSession, customer: Customer) -> StoredReport | None:
    return await session.scalar(
        select(StoredReport)
        .where(StoredReport.customer_id == customer.id)
        .order_by(StoredReport.fetched_at.desc(), StoredReport.id.desc())
        .limit(1)
    )


def reusable(stored: StoredReport, document: PolicyDocument, now: datetime) -> bool:
    """Whether ``stored`` is young enough (``report_max_age_days``) to be used again."""
    return stored.fetched_at >= now - timedelta(days=document.report_max_age_days)


def _reused(stored: StoredReport, notes: list[str]) -> Lookup:
    note = f"reused the {stored.provider} report of {stored.fetched_at.date()}"
    return Lookup(Outcome.REUSED, stored, parse_report(stored.report), [*notes, note])


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
    """What one bureau may order for one customer, and how the order is recorded.

    ``ordered_at`` is set once the order is recorded; ``reused`` when a report
    stored meanwhile made the order needless.
    """

    sessions: Sessions
    integration: Integration
    customer: Customer
    billed: bool
    document: PolicyDocument
    ordered_at: datetime | None = None
    reused: StoredReport | None = None

    async def allowed(self) -> bool:
        """Record the attempt before the paid call; False when nothing is to be ordered.

        Nothing is ordered when a report of the customer young enough to reuse
        was stored since the plan (``reused``) or the daily cap is reached. The
        record is committed at once (releasing the tenant's lock): an order
        counts against the cap whatever happens to the assessment afterwards.
        """
        now = datetime.now(UTC)
        cap = self.document.daily_bureau_spend_cap if self.billed else None
        async with self.sessions.transaction() as session:
            if cap is not None:
                await _lock_orders(session)
            latest = await latest_report(session, self.customer)
            if latest is not None and reusable(latest, self.document, now):
                self.reused = latest
                return False
            if cap is not None and await billed_orders_today(session, now) >= cap:
                return False
            session.add(
                BureauOrder(
                    customer_id=self.customer.id,
                    integration_id=self.integration.id,
                    provider=self.integration.provider,
                    ordered_at=now,
                    billed=self.billed,
                )
            )
        self.ordered_at = now
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
    if latest is not None and reusable(latest, document, now):
        return Plan(latest, _reused(latest, []), [])
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
    is asked of its bureau; a customer deleted meanwhile is a 404. Orders are
    stamped with the time they are made, not ``now`` (the assessment's start).
    """
    if planned.settled is not None:
        return planned.settled
    result = Lookup(Outcome.UNKNOWN)
    for integration in planned.integrations:
        order = _Order(sessions, integration, customer, bills(providers, integration), document)
        report, note, failed = await _call(providers, order)
        if order.reused is not None:
            return _reused(order.reused, result.notes)
        stored = None
        if report is not None:
            stored, note, failed = await _keep(sessions, order, report)
        result.notes.append(f"{integration.provider} {note}")
        if report is not None and stored is not None:
            await start_watching(providers, integration, report.ref)
            return Lookup(Outcome.FETCHED, stored, report, result.notes)
        if failed:
            result.outcome = Outcome.FAILED
            if report is not None:
                break  # the paid report could not be kept: do not pay another bureau
        elif note == CAPPED_NOTE and result.outcome is Outcome.UNKNOWN:
            result.outcome = Outcome.CAPPED
    return result


async def _keep(
    sessions: Sessions, order: _Order, report: CreditReport
) -> tuple[StoredReport | None, str, bool]:
    """``(stored, note, failed)``: a report the database refuses fails its bureau, not the request.

    The store's own transaction is rolled back and nothing else was written in
    it, so answering without the report is safe; a deleted customer stays a 404.
    A transient failure (a lock, a lost connection) is tried once more: the
    report is paid for.
    """
    try:
        try:
            stored = await _store(sessions, order, report)
        except OperationalError:  # a lock or a connection that went away: once more
            stored = await _store(sessions, order, report)
    except OperationalError:
        raise
    except DBAPIError as exc:  # the report's content refused (the driver's own class)
        provider = order.integration.provider
        log.error("bureau_report_not_stored", provider=provider, error=repr(exc))
        return None, "failed (report not stored)", True
    return stored, "supplied the report", False


async def _store(sessions: Sessions, order: _Order, report: CreditReport) -> StoredReport:
    """Store a fetched report of the customer (NotFound when it was deleted meanwhile).

    The customer's row is read FOR KEY SHARE (PostgreSQL): a delete waits for the
    insert, or commits before it and the read finds nothing. Should the foreign
    key refuse the insert all the same, a customer no longer there is a 404.
    """
    stored = StoredReport(
        customer_id=order.customer.id,
        integration_id=order.integration.id,
        provider=order.integration.provider,
        ref=report.ref.provider_company_id[:200],
        fetched_at=order.ordered_at or datetime.now(UTC),
        paid=order.billed,
        score=report.score,
        report=msgspec.to_builtins(report),
    )
    try:
        async with sessions.transaction() as session:
            if not await _customer_exists(session, order.customer.id, lock=True):
                raise NotFound(f"No customer {order.customer.id}")
            session.add(stored)
    except IntegrityError:
        async with sessions.transaction() as session:
            if not await _customer_exists(session, order.customer.id, lock=False):
                raise NotFound(f"No customer {order.customer.id}") from None
        raise
    return stored


async def _customer_exists(session: AsyncSession, customer_id: uuid.UUID, *, lock: bool) -> bool:
    query = select(Customer.id).where(Customer.id == customer_id)
    if lock:
        query = query.with_for_update(key_share=True)
    return await session.scalar(query) is not None
