"""Applying customer and invoice records: upsert by external_ref.

What an import may change on an existing invoice is what a credit manager
would let an accounting system change (see docs/imports.md): the due date
(kept as an agreed extension beside the original), the delivery date, the
amounts and lines while nothing has been booked against the invoice, and the
state towards cancelled (nothing booked) or written off (what is open).
Number, customer, currency and issue date identify the invoice and never change.
"""

from __future__ import annotations

from typing import Any

from arplatform.customers.models import Customer
from arplatform.db.base import new_id
from arplatform.imports import checks, new_invoices, store
from arplatform.imports.checks import FieldProblem, InvoiceAmounts
from arplatform.imports.ledger import InvoiceState
from arplatform.imports.records import CustomerRecord, InvoiceRecord, Record
from arplatform.imports.run import Run
from arplatform.invoices.models import Invoice, InvoiceLine
from arplatform.payments.models import Allocation

CUSTOMER_FIELDS = (
    "legal_name",
    "country",
    "currency",
    "vat_number",
    "registration_number",
    "language",
    "payment_terms",
)


def _new_customer(run: Run, ref: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": run.tenant_id,
        "id": new_id(),
        "external_ref": ref,
        "vat_number": None,
        "registration_number": None,
        "language": "en",
        "payment_terms": None,
        "contacts": [],
        "risk_tier": None,
        "credit_limit": None,
        "address": None,
        "credit_hold": False,
        "created_at": run.now,
        "updated_at": run.now,
        "version": 1,
        **values,
    }


async def apply_customers(run: Run, items: list[tuple[int, Record]]) -> None:
    """Create or update customers by external_ref; unchanged ones are not rewritten."""
    await run.know_customers({item.external_ref for _, item in items})
    written = []
    for row, record in items:
        assert isinstance(record, CustomerRecord)
        try:
            values = checks.customer_values(record)
        except FieldProblem as exc:
            run.report.fail(row, "customer", exc.field, exc.message)
            continue
        old = run.customers.get(record.external_ref)
        if old is None:
            new = _new_customer(run, record.external_ref, values)
            run.report.count("customer", "created")
        elif any(old[k] != v for k, v in values.items()):
            new = {**old, **values, "updated_at": run.now}
            run.report.count("customer", "updated")
        else:
            run.report.count("customer", "unchanged")
            continue
        run.customers[record.external_ref] = new
        written.append(new)
    await store.write(
        run.session,
        Customer,
        written,
        conflict=("tenant_id", "external_ref"),
        update=(*CUSTOMER_FIELDS, "updated_at"),
    )


def _new_invoice(
    run: Run, record: InvoiceRecord, customer_id: Any, amounts: InvoiceAmounts
) -> InvoiceState:
    invoice_id = new_id()
    cancelled = record.status == "cancelled"
    row = {
        "tenant_id": run.tenant_id,
        "id": invoice_id,
        "customer_id": customer_id,
        "number": record.number,
        "series": "IMPORT",
        "external_ref": record.external_ref,
        "status": "cancelled" if cancelled else "issued",
        "disputed": False,
        "currency": str(record.currency),
        "issue_date": record.issue_date,
        "delivery_date": record.delivery_date,
        "acceptance_date": None,
        "original_due_date": record.due_date,
        "due_date": record.due_date,
        "terms": None,
        "net_total": amounts.net,
        "tax_total": amounts.tax,
        "total": amounts.total,
        "open_amount": amounts.total,
        "paid_on": None,
        "cancelled_on": (record.cancelled_on or record.issue_date) if cancelled else None,
        "written_off_on": None,
        "created_at": run.now,
        "updated_at": run.now,
        "version": 1,
    }
    instalment = {
        "tenant_id": run.tenant_id,
        "id": new_id(),
        "invoice_id": invoice_id,
        "customer_id": customer_id,
        "seq": 1,
        "original_due_date": record.due_date,
        "due_date": record.due_date,
        "amount": amounts.total,
        "open_amount": amounts.total,
    }
    state = InvoiceState(row=row, instalments=[instalment], new=True)
    if record.status == "written_off":
        state.write_off_on = record.written_off_on
    return state


def _line_rows(run: Run, invoice_id: Any, amounts: InvoiceAmounts) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": run.tenant_id,
            "id": new_id(),
            "invoice_id": invoice_id,
            "position": position,
            "description": description,
            "quantity": quantity,
            "unit_price": unit_price,
            "tax_rate": rate,
            "net_amount": net,
        }
        for position, description, quantity, unit_price, rate, net in amounts.lines or []
    ]


class _Batch:
    """What one batch of invoice records writes."""

    def __init__(self) -> None:
        self.new: list[InvoiceState] = []
        self.lines: list[dict[str, Any]] = []
        self.replaced_lines: list[Any] = []


async def _context(run: Run, items: list[tuple[int, Record]]) -> dict[str, Any]:
    """What the batch needs to know of the ledger: customers, invoices, numbers, lines."""
    records = [item for _, item in items if isinstance(item, InvoiceRecord)]
    await run.know_customers({r.customer_ref for r in records})
    await run.know_invoices({r.external_ref for r in records})
    existing = [
        run.invoices[r.external_ref].row["id"] for r in records if r.external_ref in run.invoices
    ]
    numbers = await store.pairs_by(
        run.session, Invoice.number, Invoice.external_ref, {r.number for r in records}
    )
    lines: dict[Any, list[tuple[Any, ...]]] = {i: [] for i in existing}
    for line in await store.rows_by(run.session, InvoiceLine, InvoiceLine.invoice_id, existing):
        lines[line["invoice_id"]].append(
            (
                line["position"],
                line["description"],
                line["quantity"],
                line["unit_price"],
                line["tax_rate"],
                line["net_amount"],
            )
        )
    booked = await store.pairs_by(
        run.session, Allocation.invoice_id, Allocation.invoice_id, existing
    )
    return {"numbers": numbers, "lines": lines, "booked": set(booked)}


async def prepare_invoices(run: Run, items: list[tuple[int, Record]]) -> None:
    """Read what the file's invoices need of the ledger, once for all their batches.

    Batches then touch the database only to write, so a batch's checks run
    while the previous batch's inserts do (see :func:`store.insert_later`).
    """
    run.invoice_context = await _context(run, items)


async def apply_invoices(run: Run, items: list[tuple[int, Record]]) -> None:
    """Create or update invoices by external_ref, with their instalment and lines
    (after :func:`prepare_invoices` of every invoice of the file)."""
    from arplatform.imports.changes import invoice_changes

    known = run.invoice_context
    batch = _Batch()
    for row, record in items:
        assert isinstance(record, InvoiceRecord)
        try:
            checks.invoice_dates(record)
            amounts = checks.invoice_amounts(record, run.rounding)
            customer = run.customers.get(record.customer_ref)
            if customer is None:
                raise FieldProblem("customer_ref", f"no customer {record.customer_ref!r}")
            owner = known["numbers"].setdefault(record.number, record.external_ref)
            if owner != record.external_ref:
                raise FieldProblem("number", f"is the number of invoice {owner!r}")
            state = run.invoices.get(record.external_ref)
            if state is None:
                state = _new_invoice(run, record, customer["id"], amounts)
                state.source_row = row
                run.invoices[record.external_ref] = state
                batch.new.append(state)
                batch.lines.extend(_line_rows(run, state.row["id"], amounts))
                run.report.count("invoice", "created")
                continue
            outcome = invoice_changes(state, record, customer["id"], amounts, known)
        except FieldProblem as exc:
            run.report.fail(row, "invoice", exc.field, exc.message)
            continue
        run.report.count("invoice", outcome)
        if outcome == "updated" and amounts.lines is not None:
            batch.replaced_lines.append(state.row["id"])
            batch.lines.extend(_line_rows(run, state.row["id"], amounts))
    await _write(run, batch)


async def _write(run: Run, batch: _Batch) -> None:
    await store.delete_where_in(run.session, InvoiceLine.invoice_id, batch.replaced_lines)
    await new_invoices.insert_later(run.session, batch.new, batch.lines)
    await run.flush()
