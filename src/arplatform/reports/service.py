"""Receivables reports reconstructed for any day from the dated history, in set-based SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import FieldError, InvalidInput
from arplatform.bounds import EARLIEST, LATEST
from arplatform.customers.models import Customer
from arplatform.invoices.models import Invoice
from arplatform.money import format_amount, minor_units
from arplatform.reports import rules
from arplatform.reports.queries import ZERO, bucket_sums, live_invoice, money, open_items, raw
from arplatform.reports.schemas import (
    AgingReport,
    AgingRow,
    AgingTotal,
    BucketOut,
    CountbackPeriod,
    CurrencyTotal,
    Debtor,
    DsoMethod,
    DsoReport,
    OverdueReport,
    TopDebtors,
)
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant

FOUR_PLACES = Decimal("0.0001")
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Scope:
    """The day and currency a report is computed for."""

    as_of: date
    currency: str


def check_day(day: date, field: str) -> date:
    """``day`` when it lies in the range invoices may be dated in, else a 422 naming ``field``."""
    if not EARLIEST <= day <= LATEST:
        raise invalid(field, ValueError(f"{field} must lie between {EARLIEST} and {LATEST}"))
    return day


async def report_scope(
    session: AsyncSession, as_of: date | None, currency: str | None, field: str = "as_of"
) -> Scope:
    """``as_of`` (default: today in the tenant's zone), ``currency`` (default: the tenant's)."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None
    day = check_day(as_of or tenant_today(tenant), field)
    return Scope(day, currency or tenant.currency)


def _limits(text: str | None) -> tuple[int, ...]:
    try:
        return rules.parse_limits(text)
    except rules.RuleError as exc:
        raise invalid("buckets", exc) from None


def invalid(field: str, exc: Exception) -> InvalidInput:
    """A 422 naming the query parameter at fault."""
    return InvalidInput(str(exc), errors=[FieldError(field=field, message=str(exc))])


def _amount(value: Any, currency: str) -> str:
    return format_amount(Decimal(value or 0), currency)


async def aging(
    session: AsyncSession,
    scope: Scope,
    buckets: str | None = None,
    customer_id: uuid.UUID | None = None,
) -> AgingReport:
    """Open instalments as of ``scope.as_of`` by days past due, per customer and in total.

    One statement: per (currency, customer) sums, the report currency's rows
    with customer names, and one total row per currency.
    """
    limits = _limits(buckets)
    definitions = rules.buckets(limits)
    items = open_items(scope.as_of, customer_id=customer_id)
    sums = bucket_sums(items, rules.due_on_or_after(scope.as_of, limits))
    per = (
        select(
            items.c.currency,
            items.c.customer_id,
            *sums,
            cast(func.sum(items.c.open), BigInteger).label("total"),
            func.count().label("items"),
        )
        .group_by(items.c.currency, items.c.customer_id)
        .cte("per_customer")
    )
    stmt = _customers_and_totals(per, len(definitions), scope.currency)
    result = list((await session.execute(stmt)).all())
    return _aging_report(scope, definitions, result)


def _customers_and_totals(per: CTE, width: int, currency: str) -> Select[Any]:
    """The ``currency``'s customer rows with their names, then one total row per currency."""
    columns = [per.c[f"b{i}"] for i in range(width)]
    rows_stmt = (
        select(
            literal(0, Integer).label("is_total"),
            per.c.currency,
            per.c.customer_id,
            Customer.legal_name,
            Customer.external_ref,
            *columns,
            per.c.total,
            per.c["items"].label("items"),
        )
        .join(Customer, Customer.id == per.c.customer_id)
        .where(per.c.currency == currency)
    )
    totals_stmt = select(
        literal(1, Integer),
        per.c.currency,
        null(),
        literal(None, String),
        literal(None, String),
        # BIGINT like the customer rows: else the union is numeric, a Decimal per cell.
        *(cast(func.sum(c), BigInteger) for c in columns),
        cast(func.sum(per.c.total), BigInteger),
        func.sum(per.c["items"]),
    ).group_by(per.c.currency)
    union = union_all(rows_stmt, totals_stmt).subquery()
    return select(union).order_by(union.c.is_total, union.c.total.desc(), union.c.legal_name)


def _stored(currency: str) -> Callable[[Any], str]:
    """Formats a stored-integer sum (int, or an integral Decimal from PostgreSQL's sum)."""
    fmt = rules.stored_formatter(minor_units(currency))
    return lambda value: fmt(int(value or 0))


def _aging_report(scope: Scope, definitions: list[rules.Bucket], result: list[Any]) -> AgingReport:
    cur, width = scope.currency, len(definitions)
    fmt = rules.stored_formatter(minor_units(cur))
    # Sums arrive as ints (SQLite) or integral Decimals (PostgreSQL); int() takes both.
    customers = [
        AgingRow(
            customer_id=row[2],
            legal_name=row[3],
            external_ref=row[4],
            amounts=[fmt(int(v)) for v in row[5 : 5 + width]],
            total=fmt(int(row[5 + width])),
            items=int(row[6 + width]),
        )
        for row in result
        if not row[0]
    ]
    totals = {row[1]: row for row in result if row[0]}
    own = totals.get(cur)
    total = AgingTotal(
        amounts=[fmt(own[5 + i] if own else 0) for i in range(width)],
        total=fmt(own[5 + width] if own else 0),
        items=int(own[6 + width]) if own else 0,
        customers=len(customers),
    )
    return AgingReport(
        as_of=scope.as_of,
        currency=cur,
        buckets=[
            BucketOut(label=b.label, min_days=b.min_days, max_days=b.max_days) for b in definitions
        ],
        customers=customers,
        total=total,
        other_currencies=[
            CurrencyTotal(currency=code, total=_stored(code)(row[5 + width]))
            for code, row in sorted(totals.items())
            if code != cur
        ],
    )


async def receivables(session: AsyncSession, scope: Scope) -> Decimal:
    """The open amount of all instalments of ``scope.currency`` on ``scope.as_of``."""
    items = open_items(scope.as_of, currency=scope.currency)
    value = await session.scalar(select(money(func.sum(items.c.open))))
    return Decimal(value or 0)


async def overdue(session: AsyncSession, scope: Scope) -> OverdueReport:
    """Receivables, the part past its due date, and their ratio, as of ``scope.as_of``."""
    items = open_items(scope.as_of, currency=scope.currency)
    late = items.c.due_date < scope.as_of
    stmt = select(
        money(func.sum(items.c.open)),
        money(func.sum(case((late, items.c.open), else_=ZERO))),
        func.count(case((late, 1))),
        func.count(func.distinct(case((late, items.c.customer_id)))),
    )
    row = (await session.execute(stmt)).one()
    total, late_total = Decimal(row[0] or 0), Decimal(row[1] or 0)
    share = rules.ratio(late_total, total)
    cur = scope.currency
    return OverdueReport(
        as_of=scope.as_of,
        currency=cur,
        receivables=_amount(total, cur),
        not_due=_amount(total - late_total, cur),
        overdue=_amount(late_total, cur),
        overdue_ratio=None if share is None else f"{share.quantize(FOUR_PLACES):f}",
        overdue_items=int(row[2]),
        overdue_customers=int(row[3]),
    )


async def top_debtors(session: AsyncSession, scope: Scope, limit: int) -> TopDebtors:
    """The ``limit`` customers owing most on ``scope.as_of``, with their overdue part."""
    items = open_items(scope.as_of, currency=scope.currency)
    late = items.c.due_date < scope.as_of
    open_sum = func.sum(items.c.open)
    per = (
        select(
            items.c.customer_id,
            open_sum.label("open"),
            func.sum(case((late, items.c.open), else_=ZERO)).label("overdue"),
            func.min(items.c.due_date).label("oldest"),
            func.sum(open_sum).over().label("grand"),
        )
        .group_by(items.c.customer_id)
        .subquery()
    )
    stmt = (
        select(
            per.c.customer_id,
            Customer.legal_name,
            Customer.external_ref,
            money(per.c.open),
            money(per.c.overdue),
            per.c.oldest,
            money(per.c.grand),
        )
        .join(Customer, Customer.id == per.c.customer_id)
        .order_by(per.c.open.desc(), per.c.customer_id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    grand = Decimal(rows[0][6]) if rows else Decimal(0)  # no open item: nothing owed
    return TopDebtors(
        as_of=scope.as_of,
        currency=scope.currency,
        receivables=_amount(grand, scope.currency),
        data=[_debtor(scope, row, grand) for row in rows],
    )


def _debtor(scope: Scope, row: Any, grand: Decimal) -> Debtor:
    share = rules.ratio(Decimal(row[3]), grand) or Decimal(0)
    return Debtor(
        customer_id=row[0],
        legal_name=row[1],
        external_ref=row[2],
        open=_amount(row[3], scope.currency),
        overdue=_amount(row[4], scope.currency),
        share=f"{share.quantize(FOUR_PLACES):f}",
        oldest_due_date=row[5],
        days_past_due=max((scope.as_of - row[5]).days, 0),
    )


async def sales(
    session: AsyncSession, scope: Scope, periods: list[tuple[date, date]]
) -> list[Decimal]:
    """Invoiced totals of ``scope.currency`` issued in each ``(start, end]``, in one query.

    Sales are the invoices live on ``scope.as_of``: drafts never count, nor do
    invoices cancelled by then; a write-off later does not undo a sale.
    """
    if not periods:
        return []
    index = case(
        *(
            (and_(Invoice.issue_date > start, Invoice.issue_date <= end), i)
            for i, (start, end) in enumerate(periods)
        )
    ).label("period")
    stmt = (
        select(index, money(func.sum(raw(Invoice.total))))
        .where(
            live_invoice(scope.as_of),
            Invoice.currency == scope.currency,
            Invoice.issue_date > min(s for s, _ in periods),
            Invoice.issue_date <= max(e for _, e in periods),
        )
        .group_by(index)
    )
    found = {row[0]: Decimal(row[1]) for row in (await session.execute(stmt)).all()}
    return [found.get(i, Decimal(0)) for i in range(len(periods))]


async def dso(
    session: AsyncSession, scope: Scope, method: DsoMethod, period_days: int
) -> DsoReport:
    """Days sales outstanding on ``scope.as_of`` by the standard or the countback method."""
    total = await receivables(session, scope)
    cur = scope.currency
    if method is DsoMethod.STANDARD:
        start = scope.as_of - timedelta(days=period_days)
        (sold,) = await sales(session, scope, [(start, scope.as_of)])
        days = rules.standard_dso(total, sold, period_days)
        return DsoReport(
            as_of=scope.as_of,
            currency=cur,
            method=method,
            receivables=_amount(total, cur),
            sales=_amount(sold, cur),
            period_days=period_days,
            dso=None if days is None else f"{days.quantize(ONE_PLACE):f}",
            complete=True,
            periods=[],
        )
    return await _countback(session, scope, total)


async def _countback(session: AsyncSession, scope: Scope, total: Decimal) -> DsoReport:
    periods = rules.countback_periods(scope.as_of)
    sold = await sales(session, scope, periods)
    lengths = [(end - start).days for start, end in periods]
    walked = rules.countback_walk(total, list(zip(lengths, sold, strict=True)))
    cur = scope.currency
    return DsoReport(
        as_of=scope.as_of,
        currency=cur,
        method=DsoMethod.COUNTBACK,
        receivables=_amount(total, cur),
        sales=None,
        period_days=None,
        dso=f"{walked.days.quantize(ONE_PLACE):f}",
        complete=walked.complete,
        periods=[
            CountbackPeriod(
                start=start,
                end=end,
                sales=_amount(amount, cur),
                days_counted=f"{counted.quantize(ONE_PLACE):f}",
            )
            for (start, end), amount, counted in zip(periods, sold, walked.counted, strict=False)
        ],
    )
