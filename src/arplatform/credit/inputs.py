"""Scorecard inputs from the data at hand: bureau report, ledger behaviour, country risk, FX.

Everything here reads; nothing calls a bureau. ``gather_all`` reads the whole
tenant in a fixed number of queries (the simulation and activation of a policy
use it), ``inputs_for`` turns one customer's data into scorecard ``Inputs``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit import exposure, fx
from arplatform.credit.behaviour import behaviours
from arplatform.credit.bureau import parse_report
from arplatform.credit.models import CreditReport as StoredReport
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.credit.scorecard import Behaviour, Inputs
from arplatform.credit.watch_models import CountryRisk
from arplatform.customers.models import Customer
from arplatform.money import Rounding
from arplatform.plugins.contracts.credit_bureau import CreditReport
from arplatform.tenants.models import Tenant

#: Legal events older than this, or resolved, do not count.
LEGAL_EVENT_YEARS = 5


@dataclass(frozen=True, slots=True)
class Rates:
    """The FX quotes in force from other currencies to each customer currency."""

    tenant_currency: str
    #: (from, to) -> the quote in force (direct or recorded the other way round).
    quotes: dict[tuple[str, str], fx.Quote]

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """``amount`` in ``target`` rounded down (never lend more); None without a rate."""
        if source == target:
            return amount
        quote = self.quotes.get((source, target))
        return None if quote is None else fx.convert(amount, quote, Rounding.DOWN)


async def load_rates(
    session: AsyncSession,
    tenant: Tenant,
    targets: Collection[str],
    sources: Collection[str],
    day: date,
) -> Rates:
    """The dated FX rates (``/v1/fx-rates``) from ``sources`` to each currency in ``targets``."""
    quotes: dict[tuple[str, str], fx.Quote] = {}
    for target in set(targets):
        found, _missing = await fx.available_quotes(session, set(sources) - {target}, target, day)
        quotes |= {(source, target): quote for source, quote in found.items() if source != target}
    return Rates(tenant.currency, quotes)


async def country_ratings(session: AsyncSession) -> dict[str, str]:
    """The tenant's country risk ratings (A to E)."""
    rows = await session.execute(select(CountryRisk.country, CountryRisk.rating))
    return {country: rating for country, rating in rows.all()}


async def latest_reports(
    session: AsyncSession, customer_ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, StoredReport]:
    """Each customer's most recent stored report, in one query."""
    newest = select(
        StoredReport.customer_id, func.max(StoredReport.fetched_at).label("at")
    ).group_by(StoredReport.customer_id)
    if customer_ids is not None:
        newest = newest.where(StoredReport.customer_id.in_(customer_ids))
    latest = newest.subquery()
    rows = await session.scalars(
        select(StoredReport)
        .join(
            latest,
            (StoredReport.customer_id == latest.c.customer_id)
            & (StoredReport.fetched_at == latest.c.at),
        )
        .order_by(StoredReport.id)
    )
    return {row.customer_id: row for row in rows}


def _legal_events(report: CreditReport, today: date) -> int:
    since = today - timedelta(days=365 * LEGAL_EVENT_YEARS)
    return sum(
        1
        for event in report.legal_events
        if event.resolved_date is None and event.event_date >= since
    )


def inputs_for(
    customer: Customer,
    behaviour: Behaviour,
    report: CreditReport | None,
    country_rating: str | None,
    rates: Rates,
    today: date,
) -> Inputs:
    """The scorecard's view of one customer; the bureau limit in the customer's currency."""
    if report is None:
        return Inputs(behaviour=behaviour, country_rating=country_rating)
    limit = report.recommended_limit
    founded = report.founded
    return Inputs(
        behaviour=behaviour,
        bureau_score=report.score,
        bureau_rating=report.rating.value if report.rating else None,
        bureau_limit=(
            None
            if limit is None
            else rates.convert(limit.amount, str(limit.currency), customer.currency)
        ),
        country_rating=country_rating,
        years_in_business=None if founded is None else max(0, (today - founded).days // 365),
        legal_events=_legal_events(report, today),
    )


def missing_rates(
    document: PolicyDocument, currency: str, report: CreditReport | None, rates: Rates
) -> tuple[str, ...]:
    """The conversions to ``currency`` a decision needs and has no rate for ("EUR→USD")."""
    needed = set()
    if any(tier.limit_cap is not None for tier in document.tiers):
        needed.add(rates.tenant_currency)
    if report is not None and report.recommended_limit is not None:
        needed.add(str(report.recommended_limit.currency))
    return tuple(
        f"{source}→{currency}"
        for source in sorted(needed - {currency})
        if (source, currency) not in rates.quotes
    )


def tier_caps(document: PolicyDocument, currency: str, rates: Rates) -> dict[str, Decimal | None]:
    """Each tier's cap in ``currency``; a cap without an FX rate becomes 0.

    Callers check ``missing_rates`` first: such a decision is never applied.
    """
    caps: dict[str, Decimal | None] = {}
    for tier in document.tiers:
        if tier.limit_cap is None:
            caps[tier.name] = None
        else:
            converted = rates.convert(Decimal(tier.limit_cap), rates.tenant_currency, currency)
            caps[tier.name] = Decimal(0) if converted is None else converted
    return caps


@dataclass(frozen=True, slots=True)
class Exposures:
    """Customers' exposure amounts and the FX quotes to compare them with a limit."""

    ctx: exposure.Context
    rows: dict[uuid.UUID, list[tuple[str, str, Decimal]]]
    #: Quotes to the tenant currency in force on ``ctx.as_of``.
    quotes: dict[str, fx.Quote]

    def of(self, customer: Customer, limit: Decimal | None) -> exposure.Exposure | None:
        """The customer's exposure against ``limit`` as the check at issue computes it.

        None when an amount needs an FX rate that is missing.
        """
        rows = self.rows.get(customer.id, [])
        currencies = {cur for _, cur, _ in rows} | {customer.currency}
        target = exposure.compared_in(customer.currency, currencies, self.ctx.tenant.currency)
        quotes = self.quotes if target != customer.currency else {target: fx.same_currency(target)}
        if not currencies <= quotes.keys():
            return None
        bound = None if limit is None else (customer.currency, limit)
        return exposure.measure(customer.id, rows, bound, quotes, self.ctx, target)


async def load_exposures(
    session: AsyncSession,
    tenant: Tenant,
    customers: Collection[Customer],
    as_of: date,
    customer_id: uuid.UUID | None = None,
) -> Exposures:
    """Exposure amounts of every customer (or one) in three queries, and the quotes needed."""
    rows: dict[uuid.UUID, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for owner, kind, cur, amount in await exposure.exposure_rows(session, customer_id):
        rows[owner].append((kind, cur, amount))
    currencies = {cur for found in rows.values() for _, cur, _ in found}
    currencies |= {c.currency for c in customers}
    quotes, _missing = await fx.available_quotes(session, currencies, tenant.currency, as_of)
    return Exposures(exposure.Context(tenant, as_of), rows, quotes)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole tenant's inputs: what a simulation or an activation evaluates."""

    customers: list[Customer]
    inputs: dict[uuid.UUID, Inputs]
    reports: dict[uuid.UUID, CreditReport]
    rates: Rates
    exposures: Exposures


async def gather_all(session: AsyncSession, document: PolicyDocument, today: date) -> Snapshot:
    """Every customer's inputs from stored data (latest reports whatever their age)."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None
    customers = list((await session.scalars(select(Customer).order_by(Customer.id))).all())
    behaviour = await behaviours(session, today, document.sales_months)
    reports = {
        customer_id: parse_report(row.report)
        for customer_id, row in (await latest_reports(session)).items()
    }
    sources = {tenant.currency} | {
        str(r.recommended_limit.currency) for r in reports.values() if r.recommended_limit
    }
    rates = await load_rates(session, tenant, {c.currency for c in customers}, sources, today)
    countries = await country_ratings(session)
    inputs = {
        c.id: inputs_for(
            c, behaviour[c.id], reports.get(c.id), countries.get(c.country), rates, today
        )
        for c in customers
    }
    exposures = await load_exposures(session, tenant, customers, today)
    return Snapshot(customers, inputs, reports, rates, exposures)
