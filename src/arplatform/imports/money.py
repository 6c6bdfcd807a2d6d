"""Applying credit notes and payments with their allocations, and requested write-offs.

An existing payment or credit note (same external_ref) is never re-applied:
its amount, date, customer and currency identify it and cannot change on
re-import (reverse it in the ledger instead); method, reference and reason may.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from arplatform.db.base import new_id
from arplatform.imports import checks, ledger, store
from arplatform.imports.checks import FieldProblem
from arplatform.imports.ledger import InvoiceState
from arplatform.imports.records import CreditNoteRecord, PaymentRecord, Record
from arplatform.imports.run import Run
from arplatform.invoices.states import SETTLEABLE
from arplatform.payments.models import CreditNote, Payment

ZERO = Decimal(0)


def _target(
    run: Run, field: str, ref: str, customer: dict[str, Any], currency: str
) -> InvoiceState:
    state = run.invoices.get(ref)
    if state is None or state.row["customer_id"] != customer["id"]:
        raise FieldProblem(field, f"no invoice {ref!r} of this customer")
    if state.row["currency"] != currency:
        raise FieldProblem(field, f"the invoice is in {state.row['currency']}, not {currency}")
    if state.row["status"] not in SETTLEABLE:
        raise FieldProblem(field, f"the invoice is {state.row['status']}")
    return state


def _customer(run: Run, ref: str) -> dict[str, Any]:
    customer = run.customers.get(ref)
    if customer is None:
        raise FieldProblem("customer_ref", f"no customer {ref!r}")
    return customer


def _compare(old: dict[str, Any], fixed: dict[str, Any], free: dict[str, Any]) -> str:
    """``unchanged`` or ``updated`` (``free`` fields copied); refuse changes to ``fixed``."""
    for field, value in fixed.items():
        if old[field] != value:
            name = "customer_ref" if field == "customer_id" else field
            raise FieldProblem(name, "cannot change on re-import; reverse it in the ledger")
    changes = {k: v for k, v in free.items() if v is not None and old[k] != v}
    old.update(changes)
    return "updated" if changes else "unchanged"


async def apply_credit_notes(run: Run, items: list[tuple[int, Record]]) -> None:
    """Create credit notes, each applied to its invoice latest instalment first."""
    records = [r for _, r in items if isinstance(r, CreditNoteRecord)]
    await run.know_customers({r.customer_ref for r in records})
    await run.know_invoices({r.invoice_ref for r in records if r.invoice_ref})
    existing = {
        row["external_ref"]: row
        for row in await store.rows_by(
            run.session, CreditNote, CreditNote.external_ref, {r.external_ref for r in records}
        )
    }
    numbers = await store.pairs_by(
        run.session, CreditNote.number, CreditNote.external_ref, {r.number for r in records}
    )
    written = []
    for row, record in items:
        assert isinstance(record, CreditNoteRecord)
        try:
            outcome, note = _credit_note(run, record, existing, numbers)
        except FieldProblem as exc:
            run.report.fail(row, "credit_note", exc.field, exc.message)
            continue
        run.report.count("credit_note", outcome)
        if outcome != "unchanged":
            written.append(note)
    await store.write(
        run.session,
        CreditNote,
        written,
        conflict=("tenant_id", "external_ref"),
        update=("reason", "updated_at"),
    )


def _credit_note(
    run: Run, record: CreditNoteRecord, existing: dict[str, Any], numbers: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    amount = checks.credit_note_amount(record)
    customer = _customer(run, record.customer_ref)
    currency = str(record.currency)
    old = existing.get(record.external_ref)
    if old is not None:
        invoice = run.invoices.get(record.invoice_ref or "")
        fixed = {
            "customer_id": customer["id"],
            "invoice_id": invoice.row["id"] if invoice else None,
            "number": record.number,
            "currency": currency,
            "amount": amount,
            "issue_date": record.issue_date,
        }
        outcome = _compare(old, fixed, {"reason": record.reason})
        return outcome, {**old, "updated_at": run.now}
    owner = numbers.setdefault(record.number, record.external_ref)
    if owner != record.external_ref:
        raise FieldProblem("number", f"is the number of credit note {owner!r}")
    target = None
    if record.invoice_ref is not None:
        target = _target(run, "invoice_ref", record.invoice_ref, customer, currency)
    note = {
        "tenant_id": run.tenant_id,
        "id": new_id(),
        "customer_id": customer["id"],
        "invoice_id": target.row["id"] if target else None,
        "number": record.number,
        "external_ref": record.external_ref,
        "currency": currency,
        "amount": amount,
        "unapplied": amount,
        "issue_date": record.issue_date,
        "reason": record.reason,
        "created_at": run.now,
        "updated_at": run.now,
        "version": 1,
    }
    if target is not None:
        booked = ledger.book(
            target,
            amount,
            kind="credit_note",
            booked_on=record.issue_date,
            source=("credit_note", note["id"]),
            latest_first=True,
        )
        note["unapplied"] -= sum((a["amount"] for a in booked), ZERO)
        run.allocations.extend(booked)
    return "created", note


async def apply_payments(run: Run, items: list[tuple[int, Record]]) -> None:
    """Create payments and allocate them as the file says; the rest is customer credit."""
    records = [r for _, r in items if isinstance(r, PaymentRecord)]
    await run.know_customers({r.customer_ref for r in records})
    refs = {a.invoice_ref for r in records for a in r.allocations or []}
    refs |= {r.invoice_ref for r in records if r.invoice_ref}
    await run.know_invoices(refs)
    existing = {
        row["external_ref"]: row
        for row in await store.rows_by(
            run.session, Payment, Payment.external_ref, {r.external_ref for r in records}
        )
    }
    written = []
    for row, record in items:
        assert isinstance(record, PaymentRecord)
        try:
            outcome, payment = _payment(run, record, existing)
        except FieldProblem as exc:
            run.report.fail(row, "payment", exc.field, exc.message)
            continue
        run.report.count("payment", outcome)
        if outcome != "unchanged":
            written.append(payment)
    await store.write(
        run.session,
        Payment,
        written,
        conflict=("tenant_id", "external_ref"),
        update=("method", "reference", "updated_at"),
    )


def _payment(
    run: Run, record: PaymentRecord, existing: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    amount = checks.payment_amount(record)
    customer = _customer(run, record.customer_ref)
    currency = str(record.currency)
    wanted = checks.payment_allocations(record)
    old = existing.get(record.external_ref)
    if old is not None:
        fixed = {
            "customer_id": customer["id"],
            "currency": currency,
            "amount": amount,
            "received_on": record.received_on,
        }
        free = {"method": record.method, "reference": record.reference}
        return _compare(old, fixed, free), {**old, "updated_at": run.now}
    targets = [(_target(run, f, ref, customer, currency), want) for f, ref, want in wanted]
    payment = {
        "tenant_id": run.tenant_id,
        "id": new_id(),
        "customer_id": customer["id"],
        "currency": currency,
        "amount": amount,
        "unapplied": amount,
        "received_on": record.received_on,
        "method": record.method or "bank_transfer",
        "reference": record.reference,
        "external_ref": record.external_ref,
        "status": "received",
        "reversed_on": None,
        "reversal_reason": None,
        "created_at": run.now,
        "updated_at": run.now,
        "version": 1,
    }
    for state, want in targets:
        share = min(state.row["open_amount"] if want is None else want, payment["unapplied"])
        if share <= ZERO:
            continue
        booked = ledger.book(
            state,
            share,
            kind="payment",
            booked_on=record.received_on,
            source=("payment", payment["id"]),
        )
        payment["unapplied"] -= sum((a["amount"] for a in booked), ZERO)
        run.allocations.extend(booked)
    return "created", payment


async def book_write_offs(run: Run) -> None:
    """Write off, on their ``written_off_on``, what is still open on the invoices marked so."""
    for state in run.invoices.values():
        if state.write_off_on is not None:
            run.allocations.extend(ledger.write_off(state))
    await run.flush()
