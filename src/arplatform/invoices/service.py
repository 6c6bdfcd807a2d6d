"""Invoice rules that need the database: creation, reading, listing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.invoices import rules
from arplatform.invoices.models import Invoice, InvoiceLine
from arplatform.invoices.schemas import InvoiceCreate, InvoiceOut, LineOut
from arplatform.money import MoneyError, Rounding, format_amount, parse_decimal
from arplatform.tenants.models import Tenant

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
#: The largest amount the API's ``Amount`` type can express (12 integer digits);
#: a computed line or total beyond it could neither be stored nor returned.
MAX_AMOUNT = Decimal("999999999999.9999")
#: Unit prices and quantities may be finer than the currency (0.0125 EUR a unit).
UNIT_PLACES = 4


def _check_dates(issue: date, due: date) -> None:
    for field, day in (("issue_date", issue), ("due_date", due)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(f"{field} must lie between {EARLIEST} and {LATEST}")
    if due < issue:
        raise InvalidInput("due_date is before issue_date")


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


def _due_from_terms(customer: Customer, issue_date: date) -> date:
    terms = customer.payment_terms or {"kind": "net", "days": 30, "basis": "invoice_date"}
    if terms.get("basis", "invoice_date") != "invoice_date":
        # Invoices do not carry delivery or acceptance dates yet: say so rather
        # than count from the wrong day.
        raise InvalidInput(
            f"The customer's terms count from the {terms['basis'].replace('_', ' ')}; "
            "give the invoice's due_date"
        )
    return rules.due_date(issue_date, terms["kind"], terms["days"])


async def create_invoice(session: AsyncSession, data: InvoiceCreate) -> Invoice:
    """Record an issued invoice; totals are computed here, never taken from the caller."""
    customer = await session.scalar(select(Customer).where(Customer.id == data.customer_id))
    if customer is None:
        raise InvalidInput(f"customer_id {data.customer_id} does not name a customer")
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None
    rounding = Rounding(tenant.rounding)
    currency = str(data.currency or customer.currency)
    _check_dates(data.issue_date, data.due_date or data.issue_date)
    due = data.due_date or _due_from_terms(customer, data.issue_date)
    _check_dates(data.issue_date, due)
    if await session.scalar(select(Invoice.id).where(Invoice.number == data.number)):
        raise Conflict(f"Invoice number {data.number} is already used")
    lines = _build_lines(data, currency, rounding)
    totals = rules.invoice_totals(
        ((ln.net_amount, ln.tax_rate) for ln in lines), currency, rounding
    )
    _check_magnitude(lines, totals)
    invoice = Invoice(
        customer_id=customer.id,
        number=data.number,
        external_ref=data.external_ref,
        currency=currency,
        issue_date=data.issue_date,
        due_date=due,
        net_total=totals.net,
        tax_total=totals.tax,
        total=totals.total,
        lines=lines,
    )
    session.add(invoice)
    await session.flush()
    emit(
        session,
        "invoice.issued",
        resource_type="invoice",
        resource_id=invoice.id,
        resource_version=invoice.version,
        data={
            "number": invoice.number,
            "total": format_amount(invoice.total, currency),
            "currency": currency,
            "customer_id": str(customer.id),
        },
    )
    return invoice


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
        external_ref=invoice.external_ref,
        status=invoice.status,
        currency=cur,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        net_total=format_amount(invoice.net_total, cur),
        tax_total=format_amount(invoice.tax_total, cur),
        total=format_amount(invoice.total, cur),
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
        version=invoice.version,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )
