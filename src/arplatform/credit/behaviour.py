"""Internal payment behaviour of customers, from the ledger, in a few set-based queries.

One grouped statement over invoices (settled, late, sales, overdue) and one each
over promises and disputes, for one customer or all of them: the simulation of
a policy reads the whole tenant in the same three queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.models import Dispute, PaymentPromise
from arplatform.credit.scorecard import Behaviour
from arplatform.customers.models import Customer
from arplatform.db.types import MONEY_SCALE
from arplatform.invoices.models import Invoice
from arplatform.reports.queries import raw

QUARTER_DAYS = 91
#: A trend needs a few settlements in the last quarter to mean anything.
MIN_QUARTER_SETTLED = 2
OPEN_STATUSES = ("issued", "partially_paid")


def _settled_on() -> ColumnElement[Any]:
    """The day an invoice stopped being owed: paid, or written off (bad debt)."""
    return func.coalesce(Invoice.paid_on, Invoice.written_off_on)


def _days_late(dialect: str) -> ColumnElement[Any]:
    """Days from due date to settlement, on either backend (dates are text on SQLite)."""
    settled_on = _settled_on()
    if dialect == "sqlite":
        days: ColumnElement[Any] = func.julianday(settled_on) - func.julianday(Invoice.due_date)
    else:
        days = cast(settled_on - Invoice.due_date, Float)
    return case((days > 0, days), else_=literal(0.0))


def _invoice_totals(dialect: str, start: date, quarter: date, as_of: date) -> Any:
    """Per customer: settlements and lateness in any currency (days do not depend on it),
    amounts only in the customer's own currency (the currency of its limit)."""
    settled_on = _settled_on()
    settled = and_(settled_on > start, settled_on <= as_of)
    recent = and_(settled_on > quarter, settled_on <= as_of)
    # A write-off is the latest payment there is: it always counts as late.
    was_late = or_(Invoice.written_off_on.is_not(None), Invoice.paid_on > Invoice.due_date)
    late = _days_late(dialect)
    own = Customer.currency == Invoice.currency
    sold = and_(
        own,
        Invoice.status != "draft",
        Invoice.cancelled_on.is_(None),
        Invoice.issue_date > start,
        Invoice.issue_date <= as_of,
    )
    open_ = and_(own, Invoice.status.in_(OPEN_STATUSES))
    overdue = and_(open_, Invoice.due_date < as_of)
    return (
        select(
            Invoice.customer_id,
            func.count(case((settled, 1))).label("settled"),
            func.sum(case((settled, late))).label("late_days"),
            func.count(case((and_(settled, was_late), 1))).label("late"),
            func.count(case((recent, 1))).label("q_settled"),
            func.sum(case((recent, late))).label("q_late_days"),
            func.sum(case((sold, raw(Invoice.total)))).label("sales"),
            func.sum(case((overdue, raw(Invoice.open_amount)))).label("overdue"),
            func.sum(case((open_, raw(Invoice.open_amount)))).label("open"),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .group_by(Invoice.customer_id)
    )


def _money(value: Any) -> Decimal:
    return Decimal(int(value or 0)) / MONEY_SCALE


def _avg(total: Any, count: int) -> Decimal:
    if not count:
        return Decimal(0)
    return (Decimal(str(total or 0)) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _behaviour(row: Any, months: int, promises: int, disputes: int) -> Behaviour:
    avg = _avg(row.late_days, row.settled) if row is not None else Decimal(0)
    trend = None
    if row is not None and row.q_settled >= MIN_QUARTER_SETTLED and row.settled:
        trend = _avg(row.q_late_days, row.q_settled) - avg
    return Behaviour(
        invoices_settled=row.settled if row is not None else 0,
        avg_days_late=avg,
        share_paid_late=(
            (Decimal(row.late) / row.settled).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            if row is not None and row.settled
            else Decimal(0)
        ),
        delay_trend=trend,
        open_overdue=_money(row.overdue) if row is not None else Decimal(0),
        avg_monthly_sales=(_money(row.sales) / months).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )
        if row is not None
        else Decimal(0),
        broken_promises=promises,
        open_disputes=disputes,
        open_receivables=_money(row.open) if row is not None else Decimal(0),
    )


async def behaviours(
    session: AsyncSession,
    as_of: date,
    months: int,
    customer_ids: Collection[uuid.UUID] | None = None,
) -> dict[uuid.UUID, Behaviour]:
    """Each customer's payment behaviour over the ``months`` before ``as_of``.

    Settlements and days late count in every currency; amounts (sales, overdue,
    open) only in the customer's own currency, the currency of its limit. A
    written-off invoice counts as settled late on the day it was written off.
    ``customer_ids`` None: every customer of the tenant.
    """
    start = as_of - timedelta(days=round(months * 365 / 12))
    quarter = as_of - timedelta(days=QUARTER_DAYS)
    dialect = session.get_bind().dialect.name
    invoices = _invoice_totals(dialect, start, quarter, as_of)
    promises = (
        select(PaymentPromise.customer_id, func.count())
        .where(PaymentPromise.status == "broken", PaymentPromise.closed_on > start)
        .group_by(PaymentPromise.customer_id)
    )
    disputes = (
        select(Dispute.customer_id, func.count())
        .where(Dispute.status == "open")
        .group_by(Dispute.customer_id)
    )
    customers = select(Customer.id)
    if customer_ids is not None:
        invoices = invoices.where(Invoice.customer_id.in_(customer_ids))
        promises = promises.where(PaymentPromise.customer_id.in_(customer_ids))
        disputes = disputes.where(Dispute.customer_id.in_(customer_ids))
        customers = customers.where(Customer.id.in_(customer_ids))
    rows = {row.customer_id: row for row in (await session.execute(invoices)).all()}
    broken = dict((await session.execute(promises)).all())
    open_disputes = dict((await session.execute(disputes)).all())
    return {
        customer_id: _behaviour(
            rows.get(customer_id),
            months,
            broken.get(customer_id, 0),
            open_disputes.get(customer_id, 0),
        )
        for customer_id in (await session.scalars(customers)).all()
    }
