"""Promises to pay: recorded with their date and source, kept or broken by the money received."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import FieldError, InvalidInput
from arplatform.bounds import amount_of, check_day
from arplatform.collections.models import PaymentPromise, PromiseInvoice
from arplatform.collections.notices import claim
from arplatform.collections.paid import Movement, paid_movements
from arplatform.collections.rules import Outcome, promise_outcome
from arplatform.collections.schemas import PromiseCreate, PromiseOut
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice
from arplatform.money import format_amount
from arplatform.payments.models import Allocation
from arplatform.tenants.clock import today


def to_out(promise: PaymentPromise) -> PromiseOut:
    cur = promise.currency
    return PromiseOut(
        id=promise.id,
        customer_id=promise.customer_id,
        invoice_ids=[link.invoice_id for link in promise.invoices],
        currency=cur,
        amount=format_amount(promise.amount, cur),
        paid_amount=format_amount(promise.paid_amount, cur),
        made_on=promise.made_on,
        promised_date=promise.promised_date,
        source=promise.source,
        note=promise.note,
        status=promise.status,
        closed_on=promise.closed_on,
        version=promise.version,
        created_at=promise.created_at,
        updated_at=promise.updated_at,
    )


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=field, message=message)])


async def _invoices(
    session: AsyncSession, customer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Invoice]:
    if len(set(ids)) != len(ids):
        raise _invalid("invoice_ids", "invoice_ids names an invoice twice")
    found = {
        invoice.id: invoice
        for invoice in (await session.scalars(select(Invoice).where(Invoice.id.in_(ids)))).all()
    }
    for index, invoice_id in enumerate(ids):
        invoice = found.get(invoice_id)
        if invoice is None or invoice.customer_id != customer_id:
            raise _invalid(
                f"invoice_ids[{index}]", f"{invoice_id} does not name an invoice of the customer"
            )
    return [found[i] for i in ids]


async def create_promise(session: AsyncSession, data: PromiseCreate) -> PaymentPromise:
    """Record a customer's promise to pay; escalation pauses until ``promised_date``."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise _invalid("customer_id", f"customer_id {data.customer_id} does not name a customer")
    invoices = await _invoices(session, customer.id, data.invoice_ids)
    currency = str(data.currency or (invoices[0].currency if invoices else customer.currency))
    if any(invoice.currency != currency for invoice in invoices):
        raise _invalid("invoice_ids", f"the invoices of a promise must all be in {currency}")
    made_on = data.made_on or await today(session)
    check_day("made_on", made_on)
    check_day("promised_date", data.promised_date, not_before=made_on, label="made_on")
    promise = PaymentPromise(
        customer_id=customer.id,
        currency=currency,
        amount=amount_of("amount", data.amount, currency),
        made_on=made_on,
        promised_date=data.promised_date,
        source=str(data.source),
        note=data.note,
        paid_amount=Decimal(0),
        invoices=[
            PromiseInvoice(invoice_id=invoice.id, position=index)
            for index, invoice in enumerate(invoices)
        ],
    )
    session.add(promise)
    await session.flush()
    return promise


async def _movements(session: AsyncSession, promise: PaymentPromise, as_of: date) -> list[Movement]:
    """What the customer paid (net of reversals) since the promise was made, towards it."""
    ids = [link.invoice_id for link in promise.invoices]
    return await paid_movements(
        session,
        promise.customer_id,
        promise.currency,
        promise.made_on,
        as_of,
        scope=Allocation.invoice_id.in_(ids) if ids else None,
    )


async def evaluate_promise(session: AsyncSession, promise: PaymentPromise, as_of: date) -> Outcome:
    """Settle an open promise as of ``as_of``: kept, broken (``promise.broken``) or still open."""
    outcome = promise_outcome(
        promise.amount,
        promise.made_on,
        promise.promised_date,
        await _movements(session, promise, as_of),
        as_of,
    )
    promise.paid_amount = outcome.paid
    if outcome.status != "open":
        promise.status = outcome.status
        promise.closed_on = outcome.closed_on
    await session.flush()
    key = f"promise.broken:{promise.id}"
    if outcome.status == "broken" and await claim(session, key, "promise.broken", as_of):
        emit(
            session,
            "promise.broken",
            resource_type="promise",
            resource_id=promise.id,
            resource_version=promise.version,
            data={
                "customer_id": str(promise.customer_id),
                "amount": format_amount(promise.amount, promise.currency),
                "paid_amount": format_amount(outcome.paid, promise.currency),
                "currency": promise.currency,
                "promised_date": promise.promised_date.isoformat(),
            },
        )
    return outcome


async def open_promises(session: AsyncSession, as_of: date) -> list[PaymentPromise]:
    """Open promises made on or before ``as_of``."""
    stmt = select(PaymentPromise).where(
        PaymentPromise.status == "open", PaymentPromise.made_on <= as_of
    )
    return list((await session.scalars(stmt.order_by(PaymentPromise.id))).all())


async def get_promise(session: AsyncSession, promise_id: uuid.UUID) -> PaymentPromise:
    return await fetch_one(session, PaymentPromise, promise_id, "promise")


async def list_promises(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[PaymentPromise], str | None]:
    """The tenant's promises, oldest first, optionally of one customer or status."""
    return await fetch_matching_page(
        session, PaymentPromise, cursor, limit, customer_id=customer_id, status=status
    )
