"""One import run: read the file, apply each record type in order, report per row.

Record types are applied in dependency order (customers, invoices, credit
notes, payments, then requested write-offs) whatever their order in the file;
within a type, rows apply in file order.
"""

from __future__ import annotations

import gc
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.imports import store
from arplatform.imports.ledger import InvoiceState
from arplatform.imports.records import RECORD_TYPES, Record, RowError, read_records, record_type
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.money import Rounding
from arplatform.payments.models import Allocation
from arplatform.tenants.models import Tenant

#: Errors kept in the report; ``error_count`` has them all.
MAX_ERRORS = 1_000
#: Rows applied (and written) together; progress is reported after each batch.
BATCH = 20_000
OUTCOMES = ("created", "updated", "unchanged", "failed")
_gc_pause = {"depth": 0, "resume": False}
_gc_pause_lock = threading.Lock()

Progress = Callable[[int, int], Awaitable[None]]
INVOICE_UPDATES = (
    "due_date",
    "delivery_date",
    "net_total",
    "tax_total",
    "total",
    "open_amount",
    "status",
    "paid_on",
    "cancelled_on",
    "written_off_on",
    "updated_at",
)


@dataclass
class Report:
    """Counts per record type and outcome, and the rejected rows."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: dict.fromkeys(OUTCOMES, 0) for kind in RECORD_TYPES}
    )
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_total: int = 0

    def fail(self, row: int, kind: str | None, field: str, message: str) -> None:
        self.error_count += 1
        if kind is not None:
            self.counts[kind]["failed"] += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row=row, field=field, message=message, type=kind))

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def stored_nothing(self) -> None:
        """After an atomic import with errors: nothing was created or changed."""
        for outcomes in self.counts.values():
            for outcome in ("created", "updated", "unchanged"):
                outcomes[outcome] = 0


@dataclass
class Run:
    """The state of one run: the session, what is known of the ledger, the report."""

    session: AsyncSession
    tenant_id: uuid.UUID
    rounding: Rounding
    now: datetime
    report: Report
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, InvoiceState] = field(default_factory=dict)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    #: What :func:`steps.prepare_invoices` read for the file's invoices.
    invoice_context: dict[str, Any] = field(default_factory=dict)

    async def know_customers(self, refs: set[str]) -> None:
        """Load the tenant's customers of ``refs`` not known yet (absent ones stay unknown)."""
        missing = refs - self.customers.keys()
        if missing:
            for row in await store.rows_by(self.session, Customer, Customer.external_ref, missing):
                self.customers[row["external_ref"]] = row

    async def know_invoices(self, refs: set[str]) -> None:
        """Load the tenant's invoices of ``refs`` with their instalments.

        Not locked: writes check the version read (see :func:`store.write`).
        """
        missing = refs - self.invoices.keys()
        if not missing:
            return
        rows = await store.rows_by(self.session, Invoice, Invoice.external_ref, missing, lock=True)
        ids = [row["id"] for row in rows]
        instalments: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
        for inst in await store.rows_by(
            self.session, InvoiceInstalment, InvoiceInstalment.invoice_id, ids
        ):
            instalments[inst["invoice_id"]].append(inst)
        for row in rows:
            self.invoices[row["external_ref"]] = InvoiceState(
                row=row, instalments=instalments[row["id"]], new=False
            )

    async def flush(self) -> None:
        """Write the invoices and instalments changed since the last flush, then allocations."""
        states = [s for s in self.invoices.values() if s.dirty]
        for state in states:
            state.row["updated_at"] = self.now
        await store.write(
            self.session,
            Invoice,
            [s.row for s in states],
            conflict=("tenant_id", "external_ref"),
            update=INVOICE_UPDATES,
        )
        instalments = [
            inst for s in states for inst in s.instalments if inst["id"] in s.dirty_instalments
        ]
        await store.write(
            self.session,
            InvoiceInstalment,
            instalments,
            conflict=("tenant_id", "id"),
            update=("due_date", "amount", "open_amount"),
        )
        for state in states:
            state.row["version"] += 1
            state.dirty = False
            state.dirty_instalments.clear()
        await store.write(self.session, Allocation, self.allocations)
        self.allocations = []


def split_records(payload: bytes, fmt: str, kind: str | None, report: Report) -> dict[str, Any]:
    """The file's records grouped by type, as ``(row, record)``; unreadable rows reported."""
    grouped: dict[str, list[tuple[int, Record]]] = {kind: [] for kind in RECORD_TYPES}
    seen: dict[tuple[str, str], int] = {}
    for row, item in read_records(payload, fmt, kind):
        report.rows_total += 1
        if isinstance(item, RowError):
            report.fail(row, item.type, item.field, item.message)
            continue
        item_kind = record_type(item)
        first = seen.setdefault((item_kind, item.external_ref), row)
        if first != row:
            report.fail(row, item_kind, "external_ref", f"repeats the {item_kind} of row {first}")
            continue
        grouped[item_kind].append((row, item))
    return grouped


async def execute(
    session: AsyncSession,
    payload: bytes,
    *,
    fmt: str,
    kind: str | None,
    progress: Progress | None = None,
) -> Report:
    """Apply the file to the session's tenant; the caller commits or rolls back."""
    with _cyclic_gc_paused():
        try:
            return await _execute(session, payload, fmt=fmt, kind=kind, progress=progress)
        finally:
            await store.settle(session)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (nested and concurrent runs alike).

    A run holds millions of small acyclic objects (rows, records, decimals);
    each collection walks them all again, which made up about 40 % of an import.
    Reference counting still frees them; the collector resumes when the last run ends.
    """
    with _gc_pause_lock:  # runs may overlap in worker threads
        if _gc_pause["depth"] == 0:
            _gc_pause["resume"] = gc.isenabled()
            gc.disable()
        _gc_pause["depth"] += 1
    try:
        yield
    finally:
        with _gc_pause_lock:
            _gc_pause["depth"] -= 1
            if _gc_pause["depth"] == 0 and _gc_pause["resume"]:
                gc.enable()


async def _execute(
    session: AsyncSession, payload: bytes, *, fmt: str, kind: str | None, progress: Progress | None
) -> Report:
    from arplatform.imports import money, steps

    tenant_id: uuid.UUID = session.info["tenant_id"]
    tenant = await session.get(Tenant, tenant_id)
    assert tenant is not None
    report = Report()
    grouped = split_records(payload, fmt, kind, report)
    run = Run(session, tenant_id, Rounding(tenant.rounding), utcnow(), report)
    done = report.rows_total - sum(len(items) for items in grouped.values())
    appliers = {
        "customer": steps.apply_customers,
        "invoice": steps.apply_invoices,
        "credit_note": money.apply_credit_notes,
        "payment": money.apply_payments,
    }
    for item_kind in ("customer", "invoice", "credit_note", "payment"):
        items = grouped[item_kind]
        if item_kind == "invoice":
            await steps.prepare_invoices(run, items)
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            await appliers[item_kind](run, batch)
            done += len(batch)
            if progress is not None:
                await progress(done, report.rows_total)
        await run.flush()
    await money.book_write_offs(run)
    return report
