"""Statement of account: a customer's movements of one currency over a period, in SQL."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Subquery,
    and_,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one
from arplatform.customers.models import Customer
from arplatform.interest.service import ReferenceRateMissing, interest_for_invoices
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.money import format_amount
from arplatform.payments.models import Allocation, CreditNote, Payment
from arplatform.reports import service
from arplatform.reports.queries import ZERO, live_invoice, money, raw
from arplatform.reports.schemas import AgedAmount, InterestLine, Statement, StatementEntry


def _move(day: Any, rank: int, kind: str, doc: Any, ref: Any, debit: Any, credit: Any) -> Any:
    return select(
        day.label("day"),
        literal(rank, Integer).label("rank"),
        literal(kind, String).label("kind"),
        doc.label("document_id"),
        ref.label("reference"),
        debit.label("debit"),
        credit.label("credit"),
    )


def _moves(customer_id: uuid.UUID, currency: str) -> Subquery:
    """Every dated movement: invoices and cancellations, payments and their reversals,
    credit notes, write-offs. Debit raises what the customer owes, credit lowers it."""
    # Every invoice that ever was a receivable (never a draft, nor one cancelled on its issue day).
    invoice = and_(
        Invoice.customer_id == customer_id,
        Invoice.currency == currency,
        live_invoice(Invoice.issue_date),
    )
    payment = and_(Payment.customer_id == customer_id, Payment.currency == currency)
    pay_ref = func.coalesce(Payment.reference, Payment.external_ref)
    total, paid, note = raw(Invoice.total), raw(Payment.amount), raw(CreditNote.amount)
    issued = _move(Invoice.issue_date, 1, "invoice", Invoice.id, Invoice.number, total, ZERO)
    received = _move(Payment.received_on, 2, "payment", Payment.id, pay_ref, ZERO, paid)
    credited = _move(
        CreditNote.issue_date, 3, "credit_note", CreditNote.id, CreditNote.number, ZERO, note
    )
    reversed_ = _move(Payment.reversed_on, 4, "payment_reversal", Payment.id, pay_ref, paid, ZERO)
    cancelled = _move(
        Invoice.cancelled_on, 5, "cancellation", Invoice.id, Invoice.number, ZERO, total
    )
    written_off = _move(
        Allocation.booked_on,
        6,
        "write_off",
        Allocation.invoice_id,
        Invoice.number,
        ZERO,
        func.sum(raw(Allocation.amount)),
    )
    return union_all(
        issued.where(invoice),
        received.where(payment),
        credited.where(CreditNote.customer_id == customer_id, CreditNote.currency == currency),
        reversed_.where(payment, Payment.status == "reversed", Payment.reversed_on.is_not(None)),
        cancelled.where(invoice, Invoice.cancelled_on.is_not(None)),
        written_off.join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(invoice, Allocation.kind == "write_off")
        .group_by(Allocation.booked_on, Allocation.invoice_id, Invoice.number),
    ).subquery("moves")


async def _entries(
    session: AsyncSession, moves: Subquery, start: date, end: date, opening: int
) -> list[Any]:
    order = (moves.c.day, moves.c.rank, moves.c.document_id)
    running = func.sum(moves.c.debit - moves.c.credit).over(order_by=order)
    stmt = (
        select(
            moves.c.day,
            moves.c.kind,
            moves.c.document_id,
            moves.c.reference,
            money(moves.c.debit),
            money(moves.c.credit),
            money(literal(opening, BigInteger) + running),
        )
        .where(moves.c.day >= start, moves.c.day <= end)
        .order_by(*order)
    )
    return list((await session.execute(stmt)).all())


async def _late_invoices(
    session: AsyncSession, customer_id: uuid.UUID, currency: str, end: date
) -> list[tuple[uuid.UUID, str | None]]:
    """Invoices with an instalment still open on its due date (so late), due before ``end``.

    Invoices that were ever receivables: interest accrued before a cancellation
    or a write-off is still owed.
    """
    booked_by_due = (
        select(func.coalesce(func.sum(raw(Allocation.amount)), ZERO))
        .where(
            Allocation.instalment_id == InvoiceInstalment.id,
            Allocation.booked_on <= InvoiceInstalment.due_date,
        )
        .scalar_subquery()
    )
    late = select(InvoiceInstalment.invoice_id).where(
        InvoiceInstalment.customer_id == customer_id,
        InvoiceInstalment.due_date < end,
        raw(InvoiceInstalment.amount) > booked_by_due,
    )
    stmt = (
        select(Invoice.id, Invoice.number)
        .where(
            Invoice.id.in_(late),
            Invoice.currency == currency,
            # Cancelled or written off since: the interest accrued before still shows.
            live_invoice(Invoice.issue_date),
        )
        .order_by(Invoice.issue_date, Invoice.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def _interest(
    session: AsyncSession, customer_id: uuid.UUID, currency: str, end: date
) -> list[InterestLine]:
    """Late interest accrued to ``end`` on the customer's invoices that were late by then.

    One batch for all of them (a fixed number of queries, however many invoices).
    """
    late = await _late_invoices(session, customer_id, currency, end)
    reports = await interest_for_invoices(session, [invoice_id for invoice_id, _ in late], end)
    found = []
    for invoice_id, number in late:
        report = reports[invoice_id]
        if isinstance(report, ReferenceRateMissing):
            found.append(_interest_line(invoice_id, number, currency, None, report.detail))
        elif report.result.total or report.result.compensation is not None:
            found.append(_interest_line(invoice_id, number, currency, report.result, None))
    return found


async def _unapplied_credit(
    session: AsyncSession, customer_id: uuid.UUID, currency: str, end: date
) -> int:
    """Payments and credit notes the customer had on ``end`` not yet applied to an invoice.

    A payment counts from its receipt until its reversal; what is applied counts
    from the allocation's booking day. Stored integer (1/10,000 of the unit).
    """
    applied_payment = (
        select(func.coalesce(func.sum(raw(Allocation.amount)), ZERO))
        .where(Allocation.payment_id == Payment.id, Allocation.booked_on <= end)
        .scalar_subquery()
    )
    applied_note = (
        select(func.coalesce(func.sum(raw(Allocation.amount)), ZERO))
        .where(Allocation.credit_note_id == CreditNote.id, Allocation.booked_on <= end)
        .scalar_subquery()
    )
    payments = select(func.sum(raw(Payment.amount) - applied_payment)).where(
        Payment.customer_id == customer_id,
        Payment.currency == currency,
        Payment.received_on <= end,
        or_(Payment.reversed_on.is_(None), Payment.reversed_on > end),
    )
    notes = select(func.sum(raw(CreditNote.amount) - applied_note)).where(
        CreditNote.customer_id == customer_id,
        CreditNote.currency == currency,
        CreditNote.issue_date <= end,
    )
    both = union_all(payments, notes).subquery()
    return int(await session.scalar(select(func.coalesce(func.sum(both.c[0]), 0))) or 0)


def _interest_line(
    invoice_id: uuid.UUID, number: str | None, cur: str, result: Any, note: str | None
) -> InterestLine:
    extra = None if result is None else result.compensation
    return InterestLine(
        invoice_id=invoice_id,
        number=number,
        amount=format_amount(Decimal(0) if result is None else result.total, cur),
        compensation=None if extra is None else format_amount(extra.amount, extra.currency),
        compensation_currency=None if extra is None else extra.currency,
        note=note,
    )


async def statement(
    session: AsyncSession,
    customer_id: uuid.UUID,
    start: date | None,
    end: date | None,
    currency: str | None,
) -> Statement:
    """The statement of account of ``customer_id`` from ``start`` to ``end`` (inclusive).

    Defaults: ``end`` today, ``start`` the first day of ``end``'s month, the
    customer's currency. Reversed payments appear twice: received, then reversed.
    """
    customer = await fetch_one(session, Customer, customer_id, "customer")
    scope = await service.report_scope(session, end, currency or customer.currency, "to")
    end = scope.as_of
    start = start or end.replace(day=1)
    service.check_day(start, "from")
    if start > end:
        raise service.invalid("from", ValueError("from is after to"))
    moves = _moves(customer_id, scope.currency)
    opening_raw = await session.scalar(
        select(func.coalesce(func.sum(moves.c.debit - moves.c.credit), 0)).where(
            moves.c.day < start
        )
    )
    opening = int(opening_raw or 0)
    rows = await _entries(session, moves, start, end, opening)
    aging = await service.aging(session, scope, customer_id=customer_id)
    interest = await _interest(session, customer_id, scope.currency, end)
    unapplied = await _unapplied_credit(session, customer_id, scope.currency, end)
    return _statement(
        customer, scope.currency, (start, end), (opening, unapplied), rows, aging, interest
    )


def _statement(
    customer: Customer,
    cur: str,
    period: tuple[date, date],
    stored: tuple[int, int],
    rows: list[Any],
    aging: Any,
    interest: list[InterestLine],
) -> Statement:
    (start, end), (opening, unapplied) = period, stored
    opening_amount = money_of(opening)
    closing = Decimal(rows[-1][6]) if rows else opening_amount
    return Statement(
        customer_id=customer.id,
        legal_name=customer.legal_name,
        currency=cur,
        from_date=start,
        to_date=end,
        opening_balance=format_amount(opening_amount, cur),
        entries=[
            StatementEntry(
                date=row[0],
                kind=row[1],
                document_id=row[2],
                reference=row[3],
                debit=format_amount(row[4], cur),
                credit=format_amount(row[5], cur),
                balance=format_amount(row[6], cur),
            )
            for row in rows
        ],
        closing_balance=format_amount(closing, cur),
        unapplied_credit=format_amount(money_of(unapplied), cur),
        interest=interest,
        interest_total=format_amount(sum((Decimal(i.amount) for i in interest), Decimal(0)), cur),
        aging=[
            AgedAmount(label=bucket.label, amount=amount)
            for bucket, amount in zip(aging.buckets, aging.total.amounts, strict=True)
        ],
    )


def money_of(stored: int) -> Decimal:
    """A stored integer amount (1/10,000 of the unit) as a Decimal."""
    return Decimal(stored) / 10_000


CSV_COLUMNS = ("date", "kind", "reference", "document_id", "debit", "credit", "balance", "currency")
#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@")


def _cell(text: str | None) -> str:
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text or ""


def to_csv(doc: Statement) -> str:
    """The statement as CSV: opening row, the entries, closing row; the currency in each row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    cur = doc.currency
    writer.writerow(CSV_COLUMNS)
    writer.writerow([doc.from_date, "opening_balance", "", "", "", "", doc.opening_balance, cur])
    writer.writerows(
        [e.date, e.kind, _cell(e.reference), e.document_id, e.debit, e.credit, e.balance, cur]
        for e in doc.entries
    )
    writer.writerow([doc.to_date, "closing_balance", "", "", "", "", doc.closing_balance, cur])
    if Decimal(doc.unapplied_credit):
        writer.writerow(
            [doc.to_date, "unapplied_credit", "", "", "", doc.unapplied_credit, "", cur]
        )
    if doc.interest:
        writer.writerow([doc.to_date, "interest_accrued", "", "", doc.interest_total, "", "", cur])
    return out.getvalue()
