"""Invoice creation and reading: numbering, terms, schedules and totals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import msgspec
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.bounds import MAX_AMOUNT, check_day
from arplatform.credit.exposure_check import Verdict, check_at_issue
from arplatform.customers.models import Customer
from arplatform.db.base import new_id
from arplatform.events.service import emit
from arplatform.invoices import rules
from arplatform.invoices.models import Invoice, InvoiceInstalment, InvoiceLine, NumberSeries
from arplatform.invoices.schemas import (
    InstalmentOut,
    InvoiceCreate,
    InvoiceOut,
    LineOut,
)
from arplatform.money import MoneyError, Rounding, format_amount, parse_amount, parse_decimal
from arplatform.tenants.models import Tenant

#: Unit prices and quantities may be finer than the currency (0.0125 EUR a unit).
UNIT_PLACES = 4
DEFAULT_TERMS = rules.PaymentTermsRule()


def _check_day(field: str, day: date | None, not_before: date | None = None) -> None:
    if day is not None:
        check_day(field, day, not_before=not_before, label="the issue date")


def _build_lines(data: InvoiceCreate, currency: str, rounding: Rounding) -> list[InvoiceLine]:
    lines, errors = [], []
    for position, line in enumerate(data.lines, start=1):
        try:
            unit_price = parse_decimal(line.unit_price, UNIT_PLACES)
            quantity = parse_decimal(line.quantity, UNIT_PLACES)
        except MoneyError as exc:
            errors.append(FieldError(field=f"lines[{position - 1}]", message=str(exc)))
            continue
        lines.append(
            InvoiceLine(
                position=position,
                description=line.description,
                quantity=quantity,
                unit_price=unit_price,
                tax_rate=parse_decimal(line.tax_rate, 2),
                net_amount=rules.line_net(quantity, unit_price, currency, rounding),
            )
        )
    if errors:
        raise InvalidInput("Some invoice lines are not valid", errors=errors)
    return lines


def _check_magnitude(lines: list[InvoiceLine], totals: rules.Totals) -> None:
    """Refuse (422) amounts larger than an ``Amount`` can carry."""
    errors = [
        FieldError(field=f"lines[{ln.position - 1}]", message="the line amount is too large")
        for ln in lines
        if ln.net_amount > MAX_AMOUNT
    ]
    if totals.total > MAX_AMOUNT:
        errors.append(FieldError(field="lines", message="the invoice total is too large"))
    if errors:
        raise InvalidInput(f"Amounts may not exceed {MAX_AMOUNT}", errors=errors)


def _terms(data: InvoiceCreate, customer: Customer) -> rules.PaymentTermsRule:
    if data.terms is not None:
        return rules.PaymentTermsRule(**msgspec.structs.asdict(data.terms))
    if customer.payment_terms:
        return rules.PaymentTermsRule(**customer.payment_terms)
    return DEFAULT_TERMS


def _due_date(data: InvoiceCreate, terms: rules.PaymentTermsRule, country: str) -> date:
    if data.due_date is not None:
        return data.due_date
    basis_day = {
        "invoice_date": data.issue_date,
        "delivery_date": data.delivery_date,
        "acceptance_date": data.acceptance_date,
    }[terms.basis]
    if basis_day is None:
        raise InvalidInput(
            f"The payment terms count from the {terms.basis.replace('_', ' ')}; "
            f"give {terms.basis} or due_date",
            errors=[FieldError(field=terms.basis, message="required by the payment terms")],
        )
    return rules.terms_due_date(terms, basis_day, country)


def _schedule(
    data: InvoiceCreate, due: date, total: Decimal, currency: str
) -> list[tuple[date, Decimal]]:
    """``(due date, amount)`` rows: the given schedule, or one row for the whole total."""
    if data.instalments is None:
        return [(due, total)]
    days = [row.due_date for row in data.instalments]
    for index, day in enumerate(days):
        _check_day(f"instalments[{index}].due_date", day, data.issue_date)
    if days != sorted(days):
        raise InvalidInput("instalments must be in due-date order")
    given = [row.amount for row in data.instalments]
    if all(amount is None for amount in given):
        amounts = rules.split_evenly(total, len(days), currency)
        if not all(amounts):
            raise InvalidInput(f"{total} {currency} cannot be split into {len(days)} instalments")
        return list(zip(days, amounts, strict=True))
    if any(amount is None for amount in given):
        raise InvalidInput("give every instalment's amount or none")
    try:
        amounts = [parse_amount(str(amount), currency) for amount in given if amount is not None]
    except MoneyError as exc:
        raise InvalidInput(str(exc)) from None
    if sum(amounts, Decimal(0)) != total or any(amount <= 0 for amount in amounts):
        raise InvalidInput(
            f"instalment amounts must be positive and sum to the invoice total {total}"
        )
    return list(zip(days, amounts, strict=True))


async def next_number(
    session: AsyncSession, counter: str, prefix: str, taken: InstrumentedAttribute[str | None]
) -> str:
    """The next unused ``PREFIX-000001`` number of ``counter``; gap-free.

    The counter row stays locked until commit, so concurrent drafts of one
    series queue up and a rolled-back one gives its number back. A number
    already ``taken`` (given by hand) is skipped: it is used, not lost.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(NumberSeries)
        .values(id=new_id(), tenant_id=session.info["tenant_id"], name=counter, next_value=1)
        .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
    )
    draw = (
        update(NumberSeries)
        .where(NumberSeries.name == counter)
        .values(next_value=NumberSeries.next_value + 1)
        .returning(NumberSeries.next_value)
    )
    while True:
        drawn: int = (await session.execute(draw)).scalar_one()
        number = f"{prefix}-{drawn - 1:06d}"
        if await session.scalar(select(taken).where(taken == number).limit(1)) is None:
            return number


async def _tenant(session: AsyncSession) -> Tenant:
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None
    return tenant


class Recorded(NamedTuple):
    """An invoice and what the credit check said when it was issued (None: not issued now)."""

    invoice: Invoice
    credit: Verdict | None


async def create_invoice(session: AsyncSession, data: InvoiceCreate) -> Recorded:
    """Record a draft or issued invoice; totals are computed here, never taken from the caller."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise InvalidInput(f"customer_id {data.customer_id} does not name a customer")
    tenant = await _tenant(session)
    rounding = Rounding(tenant.rounding)
    currency = str(data.currency or customer.currency)
    _check_day("issue_date", data.issue_date)
    for field in ("due_date", "delivery_date", "acceptance_date"):
        _check_day(field, getattr(data, field), data.issue_date if field == "due_date" else None)
    terms = _terms(data, customer)
    due = _due_date(data, terms, tenant.country)
    _check_day("due_date", due, data.issue_date)
    if data.number and await session.scalar(
        select(Invoice.id).where(Invoice.number == data.number)
    ):
        raise Conflict(f"Invoice number {data.number} is already used")
    lines = _build_lines(data, currency, rounding)
    totals = rules.invoice_totals(
        ((ln.net_amount, ln.tax_rate) for ln in lines), currency, rounding
    )
    _check_magnitude(lines, totals)
    if totals.total <= 0:
        raise InvalidInput("An invoice's total must be positive; reduce one with a credit note")
    invoice = _draft(data, customer, currency, lines, totals)
    invoice.instalments = _instalments(customer, _schedule(data, due, totals.total, currency))
    invoice.original_due_date = invoice.due_date = invoice.instalments[-1].due_date
    if data.due_date is None and data.instalments is None:
        invoice.terms = _terms_document(terms)
    session.add(invoice)
    verdict = None if data.draft else await issue(session, invoice)
    await session.flush()
    return Recorded(invoice, verdict)


def _draft(
    data: InvoiceCreate,
    customer: Customer,
    currency: str,
    lines: list[InvoiceLine],
    totals: rules.Totals,
) -> Invoice:
    return Invoice(
        customer_id=customer.id,
        number=data.number,
        series=data.series,
        external_ref=data.external_ref,
        status="draft",
        currency=currency,
        issue_date=data.issue_date,
        delivery_date=data.delivery_date,
        acceptance_date=data.acceptance_date,
        net_total=totals.net,
        tax_total=totals.tax,
        total=totals.total,
        open_amount=totals.total,
        lines=lines,
    )


def _instalments(
    customer: Customer, schedule: list[tuple[date, Decimal]]
) -> list[InvoiceInstalment]:
    return [
        InvoiceInstalment(
            customer_id=customer.id,
            seq=seq,
            original_due_date=day,
            due_date=day,
            amount=amount,
            open_amount=amount,
        )
        for seq, (day, amount) in enumerate(schedule, start=1)
    ]


def _terms_document(terms: rules.PaymentTermsRule) -> dict[str, object]:
    return {
        "kind": terms.kind,
        "days": terms.days,
        "basis": terms.basis,
        "business_days": terms.business_days,
    }


async def issue(session: AsyncSession, invoice: Invoice) -> Verdict:
    """Turn a draft into an issued invoice, numbered from its series unless it has a number.

    The credit check refuses a customer on credit hold (409) and, over the credit
    limit or the tier's maximum terms, blocks it (409), warns, or keeps it a draft
    while an approval is pending, per the customer's tier; its verdict is
    returned for the response.
    """
    if invoice.status != "draft":
        raise Conflict(f"Invoice {invoice.id} is {invoice.status}, not a draft")
    verdict = await check_at_issue(session, invoice)
    if not verdict.may_issue:
        return verdict  # over the limit: it stays a draft until the approval is granted
    if invoice.number is None:
        invoice.number = await next_number(session, invoice.series, invoice.series, Invoice.number)
    invoice.status = "issued"
    await session.flush()
    emit(
        session,
        "invoice.issued",
        resource_type="invoice",
        resource_id=invoice.id,
        resource_version=invoice.version,
        data={
            "number": invoice.number,
            "total": format_amount(invoice.total, invoice.currency),
            "currency": invoice.currency,
            "customer_id": str(invoice.customer_id),
            "due_date": invoice.due_date.isoformat(),
        },
    )
    return verdict


async def get_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice:
    return await fetch_one(session, Invoice, invoice_id, "invoice")


async def list_invoices(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    due_before: date | None,
    due_after: date | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Invoice], str | None]:
    stmt = select(Invoice)
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    if due_before is not None:
        stmt = stmt.where(Invoice.due_date < due_before)
    if due_after is not None:
        stmt = stmt.where(Invoice.due_date > due_after)
    return await fetch_page(session, stmt, Invoice, cursor, limit)


def to_out(invoice: Invoice) -> InvoiceOut:
    cur = invoice.currency
    return InvoiceOut(
        id=invoice.id,
        customer_id=invoice.customer_id,
        number=invoice.number,
        series=invoice.series,
        external_ref=invoice.external_ref,
        status=invoice.status,
        disputed=invoice.disputed,
        currency=cur,
        issue_date=invoice.issue_date,
        delivery_date=invoice.delivery_date,
        acceptance_date=invoice.acceptance_date,
        original_due_date=invoice.original_due_date,
        due_date=invoice.due_date,
        net_total=format_amount(invoice.net_total, cur),
        tax_total=format_amount(invoice.tax_total, cur),
        total=format_amount(invoice.total, cur),
        open_amount=format_amount(invoice.open_amount, cur),
        paid_on=invoice.paid_on,
        cancelled_on=invoice.cancelled_on,
        written_off_on=invoice.written_off_on,
        lines=[
            LineOut(
                position=ln.position,
                description=ln.description,
                quantity=f"{ln.quantity.normalize():f}",
                unit_price=f"{ln.unit_price.normalize():f}",
                tax_rate=f"{ln.tax_rate.normalize():f}",
                net_amount=format_amount(ln.net_amount, cur),
            )
            for ln in invoice.lines
        ],
        instalments=[
            InstalmentOut(
                seq=row.seq,
                original_due_date=row.original_due_date,
                due_date=row.due_date,
                amount=format_amount(row.amount, cur),
                open_amount=format_amount(row.open_amount, cur),
            )
            for row in invoice.instalments
        ],
        version=invoice.version,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )
