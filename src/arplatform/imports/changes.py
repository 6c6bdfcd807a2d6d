"""What a re-imported invoice may change on the invoice the ledger holds.

- number, customer, currency, issue date: they identify the invoice; never.
- amounts and lines: only while nothing (payment, credit note, write-off) is
  booked against it; afterwards a credit note is the way to reduce it.
- due date: yes, as an agreed extension (``original_due_date`` is kept), when
  the invoice has one instalment and is still open.
- delivery date: yes.
- state: towards ``cancelled`` only while nothing is booked; towards
  ``written_off`` while something is open (the rest is written off on
  ``written_off_on``); cancelled or written-off invoices are not reopened.
  ``issued`` in the file means "neither cancelled nor written off": whether the
  ledger says issued, partially paid or paid follows from its allocations.
"""

from __future__ import annotations

from typing import Any

from arplatform.imports.checks import FieldProblem, InvoiceAmounts
from arplatform.imports.ledger import InvoiceState
from arplatform.imports.records import InvoiceRecord
from arplatform.invoices.states import OPEN


def _identity(row: dict[str, Any], record: InvoiceRecord, customer_id: Any) -> None:
    for field, old, new in (
        ("number", row["number"], record.number),
        ("customer_ref", row["customer_id"], customer_id),
        ("currency", row["currency"], str(record.currency)),
        ("issue_date", row["issue_date"], record.issue_date),
    ):
        if old != new:
            raise FieldProblem(field, "identifies the invoice and cannot change on re-import")
    if row["status"] == "draft":
        raise FieldProblem("status", "the invoice is a draft in the ledger; issue it there")


def _amounts(
    state: InvoiceState, amounts: InvoiceAmounts, old_lines: list[Any], booked: bool
) -> bool:
    row = state.row
    same_totals = (row["net_total"], row["tax_total"], row["total"]) == (
        amounts.net,
        amounts.tax,
        amounts.total,
    )
    same_lines = amounts.lines is None or [tuple(x) for x in amounts.lines] == sorted(old_lines)
    if same_totals and same_lines:
        return False
    if booked or row["status"] != "issued":
        raise FieldProblem(
            "total", "amounts are booked against the invoice; issue a credit note instead"
        )
    if len(state.instalments) != 1:
        raise FieldProblem("total", "the invoice has a payment schedule; change it in the ledger")
    row.update(
        net_total=amounts.net,
        tax_total=amounts.tax,
        total=amounts.total,
        open_amount=amounts.total,
    )
    instalment = state.instalments[0]
    instalment.update(amount=amounts.total, open_amount=amounts.total)
    state.dirty_instalments.add(instalment["id"])
    return True


def _dates(state: InvoiceState, record: InvoiceRecord) -> bool:
    row = state.row
    changed = False
    if record.delivery_date is not None and record.delivery_date != row["delivery_date"]:
        row["delivery_date"] = record.delivery_date
        changed = True
    # The file still stating the original due date leaves an extension agreed here.
    if record.due_date not in (row["due_date"], row["original_due_date"]):
        if row["status"] not in OPEN or len(state.instalments) != 1:
            raise FieldProblem("due_date", f"cannot move on a {row['status']} invoice")
        row["due_date"] = record.due_date
        instalment = state.instalments[0]
        instalment["due_date"] = record.due_date
        state.dirty_instalments.add(instalment["id"])
        changed = True
    return changed


def _state(state: InvoiceState, record: InvoiceRecord, booked: bool) -> bool:
    row = state.row
    status = row["status"]
    if record.status == "issued":
        if status in {"cancelled", "written_off"}:
            raise FieldProblem("status", f"the invoice is {status} and is not reopened")
        return False
    if record.status == "cancelled":
        if status == "cancelled":
            return False
        if status != "issued" or booked:
            raise FieldProblem("status", "amounts are booked against the invoice; not cancelled")
        row["status"] = "cancelled"
        row["cancelled_on"] = record.cancelled_on or record.issue_date
        return True
    if status in OPEN:
        state.write_off_on = record.written_off_on
        return True
    if status == "cancelled":
        raise FieldProblem("status", "the invoice is cancelled")
    return False  # written off already, or paid: nothing is open to write off


def invoice_changes(
    state: InvoiceState,
    record: InvoiceRecord,
    customer_id: Any,
    amounts: InvoiceAmounts,
    known: dict[str, Any],
) -> str:
    """Apply the record to the ledger's invoice: ``updated`` or ``unchanged``; or refuse."""
    row = state.row
    _identity(row, record, customer_id)
    booked = row["id"] in known["booked"]
    saved = dict(row), [dict(i) for i in state.instalments], set(state.dirty_instalments)
    try:
        changed = _amounts(state, amounts, known["lines"].get(row["id"], []), booked)
        changed = _dates(state, record) or changed
        # A requested write-off is booked (and the row written) once payments are in.
        changed = (_state(state, record, booked) and state.write_off_on is None) or changed
    except FieldProblem:
        # A refused row leaves the invoice exactly as the ledger has it.
        row.clear()
        row.update(saved[0])
        state.instalments[:] = saved[1]
        state.dirty_instalments = saved[2]
        raise
    if changed:
        state.dirty = True
    return "updated" if changed or state.write_off_on is not None else "unchanged"
