"""Instalments with their open amount on a day, derived from the dated allocations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.payments.models import Allocation


@dataclass(frozen=True, slots=True)
class InstalmentOnDay:
    """An instalment as it stood on a day."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    number: str | None
    invoice_version: int
    disputed: bool
    currency: str
    seq: int
    due_date: date
    open_amount: Decimal


def _booked_by(as_of: date) -> Any:
    """What allocations booked on or before ``as_of`` took off the instalment of the row."""
    # Correlated per instalment: it reads the (tenant, instalment, booked_on) index
    # instead of summing the tenant's whole allocation history.
    return (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .where(
            Allocation.tenant_id == InvoiceInstalment.tenant_id,
            Allocation.instalment_id == InvoiceInstalment.id,
            Allocation.booked_on <= as_of,
        )
        .scalar_subquery()
    )


def live_on(as_of: date) -> tuple[Any, ...]:
    """Criteria of invoices that are receivables on ``as_of``: issued by then, not yet ended."""
    return (
        Invoice.status != "draft",
        Invoice.issue_date <= as_of,
        or_(Invoice.cancelled_on.is_(None), Invoice.cancelled_on > as_of),
        or_(Invoice.written_off_on.is_(None), Invoice.written_off_on > as_of),
    )


def _on_day(row: InvoiceInstalment, invoice: Any, reduced: Any) -> InstalmentOnDay:
    return InstalmentOnDay(
        id=row.id,
        invoice_id=row.invoice_id,
        customer_id=row.customer_id,
        number=invoice.number,
        invoice_version=invoice.version,
        disputed=invoice.disputed,
        currency=invoice.currency,
        seq=row.seq,
        due_date=row.due_date,
        open_amount=row.amount - Decimal(reduced or 0),
    )


async def instalments_on(
    session: AsyncSession, as_of: date, *criteria: Any
) -> list[InstalmentOnDay]:
    """Instalments matching ``criteria`` of invoices issued and not cancelled or written off

    by ``as_of``, with their open amount on that day (amount less allocations booked
    on or before it).
    """
    stmt = (
        select(InvoiceInstalment, Invoice.currency, Invoice.number, Invoice.version)
        .add_columns(Invoice.disputed, _booked_by(as_of))
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .where(*live_on(as_of), *criteria)
        .order_by(InvoiceInstalment.id)
    )
    return [_on_day(found[0], found, found[-1]) for found in (await session.execute(stmt)).all()]
