"""The ledger facts the estimate learns from, read in one set-based query.

An instalment's payment day is derived from the dated allocations (see
docs/decisions/0008): it is the last day a payment or credit note was booked on
it, when its open amount is zero and no write-off closed it. Reversals are
allocations too; an instalment reopened by one is open again. Invoices are
those live on the day (``reports.queries.live_invoice``): drafts and cancelled
invoices never were receivables and are left out.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Subquery, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.late_payment.history import Instalment
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.payments.models import Allocation
from arplatform.reports.queries import live_invoice

WRITE_OFF = "write_off"


def _closing() -> Subquery:
    """Per instalment, the last day a payment or credit note was booked, and a write-off."""
    return (
        select(
            Allocation.tenant_id,
            Allocation.instalment_id,
            func.max(case((Allocation.kind != WRITE_OFF, Allocation.booked_on))).label("paid"),
            func.max(case((Allocation.kind == WRITE_OFF, Allocation.booked_on))).label("written"),
        )
        .group_by(Allocation.tenant_id, Allocation.instalment_id)
        .subquery("closing")
    )


def history_statement(as_of: date) -> Select[Any]:
    """Every instalment of the tenant's invoices live on ``as_of``, with its last booking days."""
    closing = _closing()
    return (
        select(
            InvoiceInstalment.id,
            InvoiceInstalment.invoice_id,
            InvoiceInstalment.customer_id,
            Invoice.issue_date,
            InvoiceInstalment.due_date,
            InvoiceInstalment.amount,
            InvoiceInstalment.open_amount,
            closing.c.paid,
            closing.c.written,
        )
        .join(
            Invoice,
            and_(
                Invoice.tenant_id == InvoiceInstalment.tenant_id,
                Invoice.id == InvoiceInstalment.invoice_id,
            ),
        )
        .outerjoin(
            closing,
            and_(
                closing.c.tenant_id == InvoiceInstalment.tenant_id,
                closing.c.instalment_id == InvoiceInstalment.id,
            ),
        )
        .where(live_invoice(as_of), InvoiceInstalment.amount > 0)
    )


def _fact(row: Any) -> Instalment:
    closed = row.open_amount == 0
    written_off = row.written if closed else None
    return Instalment(
        id=row.id,
        invoice_id=row.invoice_id,
        customer_id=row.customer_id,
        issue_date=row.issue_date,
        due_date=row.due_date,
        amount=row.amount,
        # closed without any booking cannot happen for a positive amount; count it as paid
        settled_on=(row.paid or row.issue_date) if closed and written_off is None else None,
        written_off_on=written_off,
    )


async def load_history(session: AsyncSession, as_of: date) -> list[Instalment]:
    """The tenant's instalments as :class:`Instalment` facts (the session scopes the tenant)."""
    return [_fact(row) for row in await session.execute(history_statement(as_of))]


async def load_invoice_facts(
    session: AsyncSession, invoice_id: uuid.UUID, as_of: date
) -> list[Instalment]:
    """The facts of one invoice's instalments (none unless it is live on ``as_of``)."""
    stmt = history_statement(as_of).where(Invoice.id == invoice_id)
    return [_fact(row) for row in await session.execute(stmt)]


async def ledger_watermark(session: AsyncSession) -> tuple[int, datetime | None, int]:
    """What changes whenever the history changes, in one small query: the number of
    invoices, their last change, and the number of allocations (they are append-only:
    a reversal is one more)."""
    allocations = select(func.count(Allocation.id)).scalar_subquery()
    row = (
        await session.execute(
            select(func.count(Invoice.id), func.max(Invoice.updated_at), allocations)
        )
    ).one()
    return int(row[0]), row[1], int(row[2])
