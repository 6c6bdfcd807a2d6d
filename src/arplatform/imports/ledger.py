"""The ledger in memory while an import runs: invoice balances, allocations, states.

The same rules as :mod:`arplatform.payments.settlement`, applied to plain rows
so that thousands of them can be written set-based afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from arplatform.db.base import new_id
from arplatform.invoices.states import OPEN, SETTLEABLE
from arplatform.payments.rules import allocate_in_order, settled_status


@dataclass(slots=True)
class InvoiceState:
    """An invoice's row and its instalment rows, as they will be written."""

    row: dict[str, Any]
    instalments: list[dict[str, Any]]
    new: bool
    dirty: bool = False
    dirty_instalments: set[uuid.UUID] = field(default_factory=set)
    #: ``written_off_on`` of a write-off the file asks for, booked once payments are in.
    write_off_on: date | None = None
    #: The row of the file that described the invoice (for late errors).
    source_row: int = 0


def book(
    state: InvoiceState,
    wanted: Decimal,
    *,
    kind: str,
    booked_on: date,
    source: tuple[str, uuid.UUID] | None = None,
    latest_first: bool = False,
) -> list[dict[str, Any]]:
    """Reduce the invoice by up to ``wanted``, capped at its open amount; the allocation rows."""
    row = state.row
    booked_on = max(booked_on, row["issue_date"])
    rows = sorted(state.instalments, key=lambda r: (r["due_date"], r["seq"]), reverse=latest_first)
    shares = allocate_in_order(wanted, [r["open_amount"] for r in rows])
    added = []
    for instalment, share in zip(rows, shares, strict=True):
        if not share:
            continue
        instalment["open_amount"] -= share
        row["open_amount"] -= share
        state.dirty_instalments.add(instalment["id"])
        added.append(
            {
                "tenant_id": row["tenant_id"],
                "id": new_id(),
                "invoice_id": row["id"],
                "instalment_id": instalment["id"],
                "customer_id": row["customer_id"],
                "kind": kind,
                "payment_id": source[1] if source and source[0] == "payment" else None,
                "credit_note_id": source[1] if source and source[0] == "credit_note" else None,
                "amount": share,
                "booked_on": booked_on,
            }
        )
    if added:
        state.dirty = True
        _refresh(row, booked_on)
    return added


def _refresh(row: dict[str, Any], booked_on: date) -> None:
    if row["status"] not in SETTLEABLE:
        return
    status = settled_status(row["total"], row["open_amount"])
    if status == "paid" and row["status"] != "paid":
        row["paid_on"] = booked_on
    elif status != "paid":
        row["paid_on"] = None
    row["status"] = status


def write_off(state: InvoiceState) -> list[dict[str, Any]]:
    """Book the requested write-off of what is still open (nothing when nothing is open)."""
    day = state.write_off_on
    state.write_off_on = None
    row = state.row
    if day is None or row["status"] not in OPEN:
        return []
    added = book(state, row["open_amount"], kind="write_off", booked_on=day)
    row["status"] = "written_off"
    row["written_off_on"] = day
    row["paid_on"] = None
    state.dirty = True
    return added
