"""Pure checks of one record's values: amounts per currency, dates, invoice totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from arplatform.bounds import EARLIEST, LATEST, MAX_AMOUNT
from arplatform.customers.identifiers import (
    IdentifierError,
    normalise_registration,
    normalise_vat,
)
from arplatform.imports.records import (
    CreditNoteRecord,
    CustomerRecord,
    InvoiceRecord,
    PaymentRecord,
)
from arplatform.invoices import rules
from arplatform.money import MoneyError, Rounding, format_amount, parse_amount, parse_decimal

ZERO = Decimal(0)


class FieldProblem(ValueError):
    """One field of a record that cannot be accepted."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class InvoiceAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal
    #: ``(position, description, quantity, unit_price, tax_rate, net_amount)``; None: no lines.
    lines: list[tuple[int, str, Decimal, Decimal, Decimal, Decimal]] | None


def _day(field: str, day: date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise FieldProblem(field, f"must lie between {EARLIEST} and {LATEST}")


def amount(field: str, text: str, currency: str, *, positive: bool = True) -> Decimal:
    try:
        value = parse_amount(text, currency)
    except MoneyError as exc:
        raise FieldProblem(field, str(exc)) from None
    if positive and value <= ZERO:
        raise FieldProblem(field, "must be positive")
    return value


def customer_values(record: CustomerRecord) -> dict[str, Any]:
    """The customer's column values the record gives (absent optional fields are left out)."""
    country = str(record.country)
    values: dict[str, Any] = {
        "legal_name": record.legal_name,
        "country": country,
        "currency": str(record.currency),
    }
    for field, normalise in (
        ("vat_number", normalise_vat),
        ("registration_number", normalise_registration),
    ):
        raw = getattr(record, field)
        if raw is not None:
            try:
                values[field] = normalise(country, raw)
            except IdentifierError as exc:
                raise FieldProblem(field, str(exc)) from None
    if record.language is not None:
        values["language"] = record.language
    if record.payment_terms_days is not None:
        values["payment_terms"] = {
            "kind": "net",
            "days": record.payment_terms_days,
            "basis": "invoice_date",
            "business_days": False,
        }
    return values


def invoice_dates(record: InvoiceRecord) -> None:
    for field in ("issue_date", "due_date", "delivery_date", "written_off_on", "cancelled_on"):
        _day(field, getattr(record, field))
    if record.due_date < record.issue_date:
        raise FieldProblem("due_date", "is before issue_date")
    if record.status == "written_off" and record.written_off_on is None:
        raise FieldProblem("written_off_on", "is required when status is written_off")
    for field in ("written_off_on", "cancelled_on"):
        day = getattr(record, field)
        if day is not None and day < record.issue_date:
            raise FieldProblem(field, "is before issue_date")


def _lines(record: InvoiceRecord, currency: str, rounding: Rounding) -> InvoiceAmounts:
    assert record.lines is not None
    lines = []
    for position, line in enumerate(record.lines, start=1):
        quantity = parse_decimal(line.quantity, 4)
        unit_price = parse_decimal(line.unit_price, 4)
        net = rules.line_net(quantity, unit_price, currency, rounding)
        if net > MAX_AMOUNT:
            raise FieldProblem(f"lines[{position - 1}]", "the line amount is too large")
        rate = parse_decimal(line.tax_rate, 2)
        lines.append((position, line.description, quantity, unit_price, rate, net))
    totals = rules.invoice_totals(((ln[5], ln[4]) for ln in lines), currency, rounding)
    if totals.total > MAX_AMOUNT:
        raise FieldProblem("lines", "the invoice total is too large")
    for field, given, computed in (
        ("total", record.total, totals.total),
        ("tax_total", record.tax_total, totals.tax),
    ):
        if given is not None and amount(field, given, currency, positive=False) != computed:
            shown = format_amount(computed, currency)
            raise FieldProblem(field, f"is {given}, but the lines give {shown}")
    return InvoiceAmounts(totals.net, totals.tax, totals.total, lines)


def invoice_amounts(record: InvoiceRecord, rounding: Rounding) -> InvoiceAmounts:
    """Totals computed from the lines as the API does, or the given total and tax."""
    currency = str(record.currency)
    if record.lines is not None:
        result = _lines(record, currency, rounding)
    elif record.total is None:
        raise FieldProblem("total", "give the invoice's lines or its total")
    else:
        total = amount("total", record.total, currency, positive=False)
        tax = amount("tax_total", record.tax_total or "0", currency, positive=False)
        if tax > total:
            raise FieldProblem("tax_total", "is larger than total")
        result = InvoiceAmounts(total - tax, tax, total, None)
    if result.total <= ZERO:
        raise FieldProblem("total", "must be positive")
    return result


def payment_allocations(record: PaymentRecord) -> list[tuple[str, str, Decimal | None]]:
    """``(field, invoice_ref, amount or None for all that is open)`` the payment asks for."""
    currency = str(record.currency)
    if record.allocations is not None and record.invoice_ref is not None:
        raise FieldProblem("invoice_ref", "give allocations or invoice_ref, not both")
    if record.invoice_ref is not None:
        wanted = record.allocated_amount
        return [
            (
                "invoice_ref",
                record.invoice_ref,
                None if wanted is None else amount("allocated_amount", wanted, currency),
            )
        ]
    if record.allocated_amount is not None:
        raise FieldProblem("allocated_amount", "needs an invoice_ref")
    requested: list[tuple[str, str, Decimal | None]] = []
    for index, item in enumerate(record.allocations or []):
        field = f"allocations[{index}]"
        share = None if item.amount is None else amount(f"{field}.amount", item.amount, currency)
        requested.append((f"{field}.invoice_ref", item.invoice_ref, share))
    return requested


def payment_amount(record: PaymentRecord) -> Decimal:
    _day("received_on", record.received_on)
    return amount("amount", record.amount, str(record.currency))


def credit_note_amount(record: CreditNoteRecord) -> Decimal:
    _day("issue_date", record.issue_date)
    return amount("amount", record.amount, str(record.currency))
