"""Moving money onto invoices: allocation, write-off and reversal under the invoice's row lock.

Every change of an instalment's open amount goes through here, appends an
``Allocation`` row dated ``booked_on`` and re-derives the invoice's state, so
current balances and the dated history never disagree.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import Conflict, InvalidInput
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.invoices.states import SETTLEABLE
from arplatform.payments.models import Allocation, CreditNote, Payment
from arplatform.payments.rules import allocate_in_order, history_breach, settled_status


@dataclass(frozen=True, slots=True)
class Request:
    """Apply up to ``amount`` (all that is open when None) to ``invoice_id``."""

    invoice_id: uuid.UUID
    amount: Decimal | None = None


async def lock_invoices(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Invoice]:
    """The invoices, freshly read and row-locked in id order (so lockers cannot deadlock)."""
    stmt = (
        select(Invoice)
        .where(Invoice.id.in_(set(ids)))
        .order_by(Invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {invoice.id: invoice for invoice in (await session.scalars(stmt)).all()}


def _instalments(invoice: Invoice, latest_first: bool) -> list[InvoiceInstalment]:
    return sorted(
        invoice.instalments, key=lambda row: (row.due_date, row.seq), reverse=latest_first
    )


async def post(
    session: AsyncSession,
    invoice: Invoice,
    wanted: Decimal,
    *,
    kind: str,
    booked_on: date,
    source: Payment | CreditNote | None = None,
    latest_first: bool = False,
) -> list[Allocation]:
    """Reduce ``invoice`` by up to ``wanted``, capped at its open amount; the rows added.

    The caller checks the dated history (``check_history``) once it has booked
    everything of its unit of work.
    """
    rows = _instalments(invoice, latest_first)
    shares = allocate_in_order(wanted, [row.open_amount for row in rows])
    added = []
    for row, share in zip(rows, shares, strict=True):
        if share:
            added.append(_book(session, invoice, row, share, kind, booked_on, source))
    refresh(session, invoice, booked_on)
    return added


async def check_history(session: AsyncSession, invoices: Iterable[Invoice]) -> None:
    """Refuse (422) bookings whose dates would leave a past day over- or under-settled.

    Bookings may be recorded out of date order (a payment keyed in late), but
    on no day may an instalment's open amount fall below zero or exceed its
    amount: a reversal dated before the payment was applied, say, would.
    """
    by_id = {row.id: row for invoice in invoices for row in invoice.instalments}
    await session.flush()
    if not by_id:
        return
    stmt = select(Allocation.instalment_id, Allocation.booked_on, Allocation.amount).where(
        Allocation.instalment_id.in_(by_id)
    )
    moves: dict[uuid.UUID, list[tuple[date, Decimal]]] = defaultdict(list)
    for instalment_id, booked_on, amount in (await session.execute(stmt)).all():
        moves[instalment_id].append((booked_on, amount))
    for instalment_id, dated in moves.items():
        breach = history_breach(by_id[instalment_id].amount, dated)
        if breach is not None:
            raise InvalidInput(
                f"On {breach} the invoice would have been settled by more than its amount "
                "or less than nothing: date the booking on or after the bookings it depends on"
            )


def _book(
    session: AsyncSession,
    invoice: Invoice,
    row: InvoiceInstalment,
    amount: Decimal,
    kind: str,
    booked_on: date,
    source: Payment | CreditNote | None,
) -> Allocation:
    allocation = Allocation(
        invoice_id=invoice.id,
        instalment_id=row.id,
        customer_id=invoice.customer_id,
        kind=kind,
        payment_id=source.id if isinstance(source, Payment) else None,
        credit_note_id=source.id if isinstance(source, CreditNote) else None,
        amount=amount,
        booked_on=booked_on,
    )
    session.add(allocation)
    row.open_amount -= amount
    invoice.open_amount -= amount
    return allocation


def refresh(session: AsyncSession, invoice: Invoice, booked_on: date) -> None:
    """Re-derive an issued invoice's state from its open amount; announce when it becomes paid."""
    if invoice.status not in SETTLEABLE:
        return
    status = settled_status(invoice.total, invoice.open_amount)
    if status == "paid" and invoice.status != "paid":
        invoice.paid_on = booked_on
        emit(
            session,
            "invoice.paid",
            resource_type="invoice",
            resource_id=invoice.id,
            resource_version=invoice.version + 1,
            data={"number": invoice.number, "paid_on": booked_on.isoformat()},
        )
    elif status != "paid":
        invoice.paid_on = None
    invoice.status = status


async def apply_credit(
    session: AsyncSession,
    source: Payment | CreditNote,
    requests: Sequence[Request],
    booked_on: date,
    *,
    latest_first: bool = False,
) -> list[Allocation]:
    """Apply ``source``'s unapplied amount to invoices of its customer, in the order requested.

    Each request takes what it asks for, capped at the invoice's open amount and
    at what the source has left; what no request takes stays unapplied.
    """
    invoices = await lock_invoices(session, (r.invoice_id for r in requests))
    kind = "payment" if isinstance(source, Payment) else "credit_note"
    added: list[Allocation] = []
    for index, request in enumerate(requests):
        invoice = invoices.get(request.invoice_id)
        _check_target(invoice, source, request, index)
        assert invoice is not None
        wanted = min(
            invoice.open_amount if request.amount is None else request.amount, source.unapplied
        )
        if wanted <= 0:
            continue
        rows = await post(
            session,
            invoice,
            wanted,
            kind=kind,
            booked_on=max(booked_on, invoice.issue_date),
            source=source,
            latest_first=latest_first,
        )
        source.unapplied -= sum((row.amount for row in rows), Decimal(0))
        added.extend(rows)
    touched = {row.invoice_id for row in added}
    await check_history(session, [invoices[invoice_id] for invoice_id in touched])
    return added


def _check_target(
    invoice: Invoice | None, source: Payment | CreditNote, request: Request, index: int
) -> None:
    field = f"allocations[{index}].invoice_id"
    if invoice is None or invoice.customer_id != source.customer_id:
        raise InvalidInput(f"{field}: no invoice {request.invoice_id} of this customer")
    if invoice.currency != source.currency:
        raise InvalidInput(f"{field}: the invoice is in {invoice.currency}, not {source.currency}")
    if invoice.status not in SETTLEABLE:
        raise InvalidInput(f"{field}: the invoice is {invoice.status}")
    if request.amount is not None and request.amount <= 0:
        raise InvalidInput(f"allocations[{index}].amount must be positive")


async def reverse_allocations(
    session: AsyncSession, payment: Payment, reversed_on: date
) -> list[Allocation]:
    """Undo everything ``payment`` settled, dated ``reversed_on``; invoices reopen.

    The caller holds the payment's row lock, so its allocations cannot change
    between reading them here and locking their invoices.
    """
    rows = (
        await session.scalars(select(Allocation).where(Allocation.payment_id == payment.id))
    ).all()
    net: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for row in rows:
        net[row.instalment_id] += row.amount
    invoices = await lock_invoices(session, {row.invoice_id for row in rows})
    closed = [i.number or str(i.id) for i in invoices.values() if i.status not in SETTLEABLE]
    if closed:
        raise Conflict(
            f"The payment settled invoices that are now closed ({', '.join(closed)}): "
            "a reversal would reopen debt that was written off or cancelled"
        )
    added = []
    for invoice in invoices.values():
        for instalment in invoice.instalments:
            amount = net.get(instalment.id, Decimal(0))
            if amount > 0:
                added.append(
                    _book(session, invoice, instalment, -amount, "reversal", reversed_on, payment)
                )
        refresh(session, invoice, reversed_on)
    await check_history(session, invoices.values())
    return added
