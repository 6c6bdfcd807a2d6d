"""Payments and credit notes: recording, applying credit, reversing, reading."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.bounds import amount_of
from arplatform.customers.models import Customer
from arplatform.dunning import plans as dunning
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.invoices.service import next_number
from arplatform.invoices.states import OPEN
from arplatform.money import format_amount
from arplatform.payments import settlement
from arplatform.payments.models import Allocation, CreditNote, Payment
from arplatform.payments.schemas import (
    AllocationIn,
    AllocationOut,
    CreditNoteCreate,
    CreditNoteOut,
    PaymentCreate,
    PaymentOut,
)
from arplatform.tenants.clock import today


async def _customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    customer = await session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:
        raise InvalidInput(f"customer_id {customer_id} does not name a customer")
    return customer


def _requests(allocations: Sequence[AllocationIn], currency: str) -> list[settlement.Request]:
    return [
        settlement.Request(
            invoice_id=row.invoice_id,
            amount=None
            if row.amount is None
            else amount_of(f"allocations[{index}].amount", row.amount, currency),
        )
        for index, row in enumerate(allocations)
    ]


async def _open_invoices(
    session: AsyncSession, customer_id: uuid.UUID, currency: str
) -> list[settlement.Request]:
    """The customer's open invoices, by their earliest open instalment's due date."""
    stmt = (
        select(Invoice.id)
        .join(InvoiceInstalment, InvoiceInstalment.invoice_id == Invoice.id)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.currency == currency,
            Invoice.status.in_(OPEN),
            InvoiceInstalment.open_amount > 0,
        )
        .group_by(Invoice.id, Invoice.issue_date)
        .order_by(func.min(InvoiceInstalment.due_date), Invoice.issue_date, Invoice.id)
    )
    return [settlement.Request(invoice_id) for invoice_id in (await session.scalars(stmt)).all()]


async def record_payment(session: AsyncSession, data: PaymentCreate) -> Payment:
    """Record a received payment and apply it as asked; the rest is the customer's credit.

    Invoices are row-locked while they are settled, so concurrent payments on
    one invoice never apply more than is open: the excess stays unapplied.
    """
    customer = await _customer(session, data.customer_id)
    await not_in_future(session, data.received_on, "received_on")
    currency = str(data.currency or customer.currency)
    amount = amount_of("amount", data.amount, currency)
    if data.external_ref and await session.scalar(
        select(Payment.id).where(Payment.external_ref == data.external_ref)
    ):
        raise Conflict(f"A payment with external_ref {data.external_ref} exists")
    payment = Payment(
        customer_id=customer.id,
        currency=currency,
        amount=amount,
        unapplied=amount,
        received_on=data.received_on,
        method=data.method,
        reference=data.reference,
        external_ref=data.external_ref,
    )
    session.add(payment)
    await session.flush()
    if data.allocations:
        requests = _requests(data.allocations, currency)
    elif data.auto_allocate:
        requests = await _open_invoices(session, customer.id, currency)
    else:
        requests = []
    await settlement.apply_credit(session, payment, requests, data.received_on)
    _announce(session, "payment.received", payment)
    return payment


async def apply_payment(
    session: AsyncSession,
    payment: Payment,
    allocations: Sequence[AllocationIn] | None,
    booked_on: date,
) -> Payment:
    """Apply a payment's unapplied credit: to ``allocations``, else earliest due first."""
    await _lock(session, Payment, payment.id)
    if payment.status != "received":
        raise Conflict(f"Payment {payment.id} is {payment.status}")
    _check_booking(booked_on, payment.received_on, "received_on")
    await not_in_future(session, booked_on, "booked_on")
    requests = await _targets(session, payment, allocations)
    await settlement.apply_credit(session, payment, requests, booked_on)
    return payment


async def reverse_payment(
    session: AsyncSession, payment: Payment, reversed_on: date, reason: str
) -> Payment:
    """Reverse a payment (returned, bounced): what it settled is open again from ``reversed_on``."""
    await _lock(session, Payment, payment.id)
    if payment.status != "received":
        raise Conflict(f"Payment {payment.id} is already {payment.status}")
    _check_booking(reversed_on, payment.received_on, "received_on")
    await not_in_future(session, reversed_on, "reversed_on")
    reversed_ = await settlement.reverse_allocations(session, payment, reversed_on)
    await dunning.reopen(session, {row.instalment_id for row in reversed_})
    payment.status = "reversed"
    payment.reversed_on = reversed_on
    payment.reversal_reason = reason
    payment.unapplied = Decimal(0)
    await session.flush()
    _announce(session, "payment.reversed", payment)
    return payment


async def issue_credit_note(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    invoice_id: uuid.UUID | None,
    amount: Decimal,
    issue_date: date,
    reason: str | None,
    number: str | None = None,
    external_ref: str | None = None,
) -> CreditNote:
    """Issue a credit note; with ``invoice_id`` it reduces that invoice, latest instalment first.

    What exceeds the invoice's open amount stays as the customer's credit.
    """
    customer = await _customer(session, customer_id)
    await not_in_future(session, issue_date, "issue_date")
    currency = customer.currency
    if invoice_id is not None:
        invoice = await session.scalar(select(Invoice).where(Invoice.id == invoice_id))
        if invoice is None or invoice.customer_id != customer_id:
            raise InvalidInput(f"invoice_id {invoice_id} is not an invoice of this customer")
        currency = invoice.currency
    if number and await session.scalar(select(CreditNote.id).where(CreditNote.number == number)):
        raise Conflict(f"Credit note number {number} is already used")
    note = CreditNote(
        customer_id=customer_id,
        invoice_id=invoice_id,
        # Credit notes count apart from every invoice series (those are upper case).
        number=number or await next_number(session, "credit_notes", "CN", CreditNote.number),
        external_ref=external_ref,
        currency=currency,
        amount=amount,
        unapplied=amount,
        issue_date=issue_date,
        reason=reason,
    )
    session.add(note)
    await session.flush()
    if invoice_id is not None:
        request = [settlement.Request(invoice_id)]
        await settlement.apply_credit(session, note, request, issue_date, latest_first=True)
    _announce(session, "credit_note.issued", note)
    return note


async def create_credit_note(session: AsyncSession, data: CreditNoteCreate) -> CreditNote:
    """The API's credit note: amounts in the currency of the invoice (or of the customer)."""
    currency = (await _customer(session, data.customer_id)).currency
    if data.invoice_id is not None:
        invoice_currency = await session.scalar(
            select(Invoice.currency).where(Invoice.id == data.invoice_id)
        )
        currency = invoice_currency or currency
    if data.external_ref and await session.scalar(
        select(CreditNote.id).where(CreditNote.external_ref == data.external_ref)
    ):
        raise Conflict(f"A credit note with external_ref {data.external_ref} exists")
    return await issue_credit_note(
        session,
        customer_id=data.customer_id,
        invoice_id=data.invoice_id,
        amount=amount_of("amount", data.amount, currency),
        issue_date=data.issue_date,
        reason=data.reason,
        number=data.number,
        external_ref=data.external_ref,
    )


async def apply_credit_note(
    session: AsyncSession,
    note: CreditNote,
    allocations: Sequence[AllocationIn] | None,
    booked_on: date,
) -> CreditNote:
    """Apply a credit note's unapplied credit: to ``allocations``, else earliest due first."""
    await _lock(session, CreditNote, note.id)
    _check_booking(booked_on, note.issue_date, "issue_date")
    await not_in_future(session, booked_on, "booked_on")
    requests = await _targets(session, note, allocations)
    await settlement.apply_credit(session, note, requests, booked_on)
    return note


async def _targets(
    session: AsyncSession, source: Payment | CreditNote, allocations: Sequence[AllocationIn] | None
) -> list[settlement.Request]:
    if allocations:
        return _requests(allocations, source.currency)
    return await _open_invoices(session, source.customer_id, source.currency)


def _check_booking(day: date, earliest: date, field: str) -> None:
    if day < earliest:
        raise InvalidInput(f"the booking date {day} is before the {field.replace('_', ' ')}")


async def not_in_future(session: AsyncSession, day: date, field: str) -> None:
    """Refuse (422) a booking dated after the tenant's today: history is what happened."""
    now = await today(session)
    if day > now:
        raise InvalidInput(
            f"{field} {day} is in the future (today is {now})",
            errors=[FieldError(field=field, message="must not be after today")],
        )


async def _lock(
    session: AsyncSession, model: type[Payment] | type[CreditNote], row_id: uuid.UUID
) -> None:
    stmt = (
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    await session.scalar(stmt)


def _announce(session: AsyncSession, event_type: str, source: Payment | CreditNote) -> None:
    emit(
        session,
        event_type,
        resource_type="payment" if isinstance(source, Payment) else "credit_note",
        resource_id=source.id,
        resource_version=source.version,
        data={
            "customer_id": str(source.customer_id),
            "amount": format_amount(source.amount, source.currency),
            "unapplied": format_amount(source.unapplied, source.currency),
            "currency": source.currency,
        },
    )


async def get_payment(session: AsyncSession, payment_id: uuid.UUID) -> Payment:
    return await fetch_one(session, Payment, payment_id, "payment")


async def get_credit_note(session: AsyncSession, note_id: uuid.UUID) -> CreditNote:
    return await fetch_one(session, CreditNote, note_id, "credit note")


async def list_payments(
    session: AsyncSession, *, customer_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[list[Payment], str | None]:
    return await fetch_matching_page(session, Payment, cursor, limit, customer_id=customer_id)


async def list_credit_notes(
    session: AsyncSession, *, customer_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[list[CreditNote], str | None]:
    return await fetch_matching_page(session, CreditNote, cursor, limit, customer_id=customer_id)


async def allocations_of(
    session: AsyncSession, sources: Sequence[Payment | CreditNote]
) -> dict[uuid.UUID, list[AllocationOut]]:
    """The allocations of each payment or credit note, by source id, oldest first."""
    ids = [source.id for source in sources]
    stmt = (
        select(Allocation, InvoiceInstalment.seq)
        .join(InvoiceInstalment, InvoiceInstalment.id == Allocation.instalment_id)
        .where((Allocation.payment_id.in_(ids)) | (Allocation.credit_note_id.in_(ids)))
        .order_by(Allocation.booked_on, Allocation.id)
    )
    currencies = {source.id: source.currency for source in sources}
    found: dict[uuid.UUID, list[AllocationOut]] = {source_id: [] for source_id in ids}
    for allocation, seq in (await session.execute(stmt)).all():
        source_id = allocation.payment_id or allocation.credit_note_id
        assert source_id is not None
        found[source_id].append(
            AllocationOut(
                invoice_id=allocation.invoice_id,
                instalment_seq=seq,
                kind=allocation.kind,
                amount=format_amount(allocation.amount, currencies[source_id]),
                booked_on=allocation.booked_on,
            )
        )
    return found


def payment_out(payment: Payment, allocations: list[AllocationOut]) -> PaymentOut:
    cur = payment.currency
    return PaymentOut(
        id=payment.id,
        customer_id=payment.customer_id,
        currency=cur,
        amount=format_amount(payment.amount, cur),
        unapplied=format_amount(payment.unapplied, cur),
        received_on=payment.received_on,
        method=payment.method,
        reference=payment.reference,
        external_ref=payment.external_ref,
        status=payment.status,
        reversed_on=payment.reversed_on,
        allocations=allocations,
        version=payment.version,
        created_at=payment.created_at,
    )


def credit_note_out(note: CreditNote, allocations: list[AllocationOut]) -> CreditNoteOut:
    cur = note.currency
    return CreditNoteOut(
        id=note.id,
        customer_id=note.customer_id,
        invoice_id=note.invoice_id,
        number=note.number,
        external_ref=note.external_ref,
        currency=cur,
        amount=format_amount(note.amount, cur),
        unapplied=format_amount(note.unapplied, cur),
        issue_date=note.issue_date,
        reason=note.reason,
        allocations=allocations,
        version=note.version,
        created_at=note.created_at,
    )
