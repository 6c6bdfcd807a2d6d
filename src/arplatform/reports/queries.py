"""SQL building blocks: the state of every instalment on a past day, and money columns.

Amounts are summed as the stored integers (1/10,000 of the unit) and typed
back to Decimal at the end; dates are compared against bounds computed in
Python, so the same SQL runs on SQLite and PostgreSQL and can use the
``(tenant_id, due_date)`` index.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from arplatform.db.types import MoneyAmount
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.payments.models import Allocation


def raw(column: Any) -> ColumnElement[int]:
    """A money column as its stored integer, to sum exactly on either backend."""
    return type_coerce(column, BigInteger)


def money(expression: Any) -> ColumnElement[Any]:
    """An integer sum typed back to a Decimal amount on read."""
    return type_coerce(expression, MoneyAmount())


ZERO = literal(0, BigInteger)


def live_invoice(day: date | SQLColumnExpression[date]) -> ColumnElement[bool]:
    """Invoices that were receivables on ``day``: issued (never a draft) by then, not
    cancelled by then. The one definition every report and interest figure uses.

    A written-off invoice stays live: its write-off is a dated allocation that
    brings its open amount to zero, so history before the write-off is kept.
    ``day`` may be a column: ``live_invoice(Invoice.issue_date)`` holds for every
    invoice that was ever a receivable (a cancelled draft never was).
    """
    return and_(
        Invoice.status != "draft",
        Invoice.issue_date <= day,
        or_(Invoice.cancelled_on.is_(None), Invoice.cancelled_on > day),
    )


def _booked_after(as_of: date, customer_id: uuid.UUID | None) -> Subquery:
    """Per instalment, the allocations booked after ``as_of``."""
    later = (
        # What is booked on one instalment never exceeds its amount: a BIGINT sum
        # keeps the arithmetic in integers (PostgreSQL's sum(bigint) is numeric).
        select(
            Allocation.instalment_id,
            cast(func.sum(raw(Allocation.amount)), BigInteger).label("later"),
        )
        .where(Allocation.booked_on > as_of)
        .group_by(Allocation.instalment_id)
    )
    if customer_id is not None:
        later = later.where(Allocation.customer_id == customer_id)
    return later.subquery("booked_later")


def open_items(
    as_of: date, *, currency: str | None = None, customer_id: uuid.UUID | None = None
) -> CTE:
    """Instalments open on ``as_of``: their amount less the allocations booked by then.

    Computed as the current open amount plus what was booked after ``as_of``
    (``open_amount`` is kept equal to ``amount`` less all allocations under the
    invoice's lock): the same figure, but only the allocations after the day
    are read, a range of the ``(tenant_id, booked_on)`` index that is empty
    for today. Columns: currency, customer_id, invoice_id, due_date, open
    (stored integer).
    """
    undone = _booked_after(as_of, customer_id)
    open_amount = raw(InvoiceInstalment.open_amount) + func.coalesce(undone.c.later, ZERO)
    stmt = (
        select(
            Invoice.currency,
            InvoiceInstalment.customer_id,
            InvoiceInstalment.invoice_id,
            InvoiceInstalment.due_date,
            open_amount.label("open"),
        )
        .join(
            Invoice,
            and_(
                Invoice.tenant_id == InvoiceInstalment.tenant_id,
                Invoice.id == InvoiceInstalment.invoice_id,
            ),
        )
        .outerjoin(undone, undone.c.instalment_id == InvoiceInstalment.id)
        .where(live_invoice(as_of), open_amount != 0)
    )
    if currency is not None:
        stmt = stmt.where(Invoice.currency == currency)
    if customer_id is not None:
        stmt = stmt.where(InvoiceInstalment.customer_id == customer_id)
    return stmt.cte("open_items")


def bucket_sums(items: CTE, boundaries: Sequence[date]) -> list[ColumnElement[Any]]:
    """One sum per bucket: bucket ``i`` holds what is due on or after ``boundaries[i]``
    and before ``boundaries[i - 1]``; the last bucket holds everything older.

    Typed BIGINT: PostgreSQL's ``sum(bigint)`` is a numeric, which the driver would
    decode into a Decimal per cell (an overflow raises rather than rounds).
    """
    due, amount = items.c.due_date, items.c.open
    sums: list[ColumnElement[Any]] = []
    for i in range(len(boundaries) + 1):
        conditions = []
        if i < len(boundaries):
            conditions.append(due >= boundaries[i])
        if i > 0:
            conditions.append(due < boundaries[i - 1])
        bucket = func.sum(case((and_(*conditions), amount), else_=ZERO))
        sums.append(cast(bucket, BigInteger).label(f"b{i}"))
    return sums
