"""Which instalments a run looks at, read set-based through two indexes.

1. ``dunning_items`` whose ``next_on`` has come (partial index on ``next_on``);
2. open instalments that fall due within the plans' lead time and have no item
   yet, or whose item was settled and that are open again (a reversed payment):
   on the first run all of them (the partial index of open instalments by due
   date), afterwards only those whose due date entered the window since the last
   run, or whose invoice changed since then (an index on ``updated_at``).

Paid history and invoices not yet due are never read, so the run's cost follows
the work due today, not the size of the ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.models import Customer
from arplatform.db.among import among
from arplatform.dunning.models import DunningItem, InvoiceExclusion
from arplatform.dunning.rules import ItemState
from arplatform.invoices.models import Invoice, InvoiceInstalment
from arplatform.invoices.states import OPEN

#: Rows per ``IN (...)`` list: far below every driver's bound-parameter limit.
CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """An instalment the run decides on, with its item if it has one."""

    instalment_id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    invoice_number: str
    instalment_seq: int
    seq: int | None  # the same, shown only when the invoice has several instalments
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal  # zero once the invoice is paid, cancelled or written off
    item_id: uuid.UUID | None
    plan_id: uuid.UUID | None  # the plan the item's level counts in
    level: int | None
    level_name: str | None
    level_on: date | None


_COLUMNS = (
    InvoiceInstalment.id,
    InvoiceInstalment.invoice_id,
    InvoiceInstalment.customer_id,
    Invoice.number,
    InvoiceInstalment.seq,
    Invoice.issue_date,
    InvoiceInstalment.due_date,
    Invoice.currency,
    InvoiceInstalment.amount,
    InvoiceInstalment.open_amount,
    Invoice.status,
    Invoice.total,
    DunningItem.id,
    DunningItem.plan_id,
    DunningItem.level,
    DunningItem.level_name,
    DunningItem.level_on,
)


def _candidate(row: Any) -> Candidate:
    open_amount = row[9] if row[10] in OPEN else Decimal(0)
    return Candidate(
        instalment_id=row[0],
        invoice_id=row[1],
        customer_id=row[2],
        invoice_number=row[3] or "",
        instalment_seq=row[4],
        seq=row[4] if row[8] != row[11] else None,
        issue_date=row[5],
        due_date=row[6],
        currency=row[7],
        amount=row[8],
        open_amount=open_amount,
        item_id=row[12],
        plan_id=row[13],
        level=row[14],
        level_name=row[15],
        level_on=row[16],
    )


def _joined(stmt: Any) -> Any:
    return stmt.join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)


@dataclass(frozen=True, slots=True)
class LastRead:
    """What the tenant's previous recorded run covered: instalments due up to ``window_until``,
    and invoices as they were at ``read_at``."""

    window_until: date
    read_at: datetime


#: Longer than any transaction: an invoice committed late is still read once.
READ_MARGIN = timedelta(days=1)


def _newly_due(as_of: date, lead_days: int, last: LastRead | None) -> list[Any]:
    window = as_of + timedelta(days=lead_days)
    stmt = (
        _joined(select(*_COLUMNS).select_from(InvoiceInstalment))
        .outerjoin(DunningItem, DunningItem.instalment_id == InvoiceInstalment.id)
        .where(
            # Literal, so PostgreSQL matches the partial index's predicate.
            text("invoice_instalments.open_amount > 0"),
            InvoiceInstalment.due_date <= window,
            Invoice.status.in_(OPEN),
            or_(DunningItem.id.is_(None), DunningItem.state == ItemState.SETTLED),
        )
    )
    if last is None:
        return [stmt]  # the first run reads every open instalment in the window once
    # Since the last run: instalments whose due date entered the window, and those of
    # invoices changed (issued, imported, paid, reversed) since that run read them.
    # Two statements, so each reads through its own index.
    return [
        stmt.where(InvoiceInstalment.due_date > last.window_until),
        stmt.where(Invoice.updated_at >= last.read_at - READ_MARGIN),
    ]


async def candidates(
    session: AsyncSession, as_of: date, lead_days: int, last: LastRead | None
) -> list[Candidate]:
    """The instalments to decide on for ``as_of`` (see the module docstring)."""
    due_items = _joined(
        select(*_COLUMNS)
        .select_from(DunningItem)
        .join(InvoiceInstalment, InvoiceInstalment.id == DunningItem.instalment_id)
    ).where(DunningItem.next_on.is_not(None), DunningItem.next_on <= as_of)
    found: dict[uuid.UUID, Candidate] = {}
    for stmt in (due_items, *_newly_due(as_of, lead_days, last)):
        for row in (await session.execute(stmt)).all():
            found[row[0]] = _candidate(row)
    return list(found.values())


def chunks(values: Iterable[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    batch: list[uuid.UUID] = []
    for value in values:
        batch.append(value)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


async def risk_tiers(
    session: AsyncSession, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    tiers: dict[uuid.UUID, str | None] = {}
    for batch in chunks(customer_ids):
        stmt = select(Customer.id, Customer.risk_tier).where(among(Customer.id, batch))
        tiers.update({row[0]: row[1] for row in (await session.execute(stmt)).all()})
    return tiers


async def excluded_invoices(
    session: AsyncSession, invoice_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    excluded: set[uuid.UUID] = set()
    for batch in chunks(invoice_ids):
        stmt = select(InvoiceExclusion.invoice_id).where(among(InvoiceExclusion.invoice_id, batch))
        excluded.update((await session.scalars(stmt)).all())
    return excluded


async def open_totals(
    session: AsyncSession, customer_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], Decimal]:
    """What each customer owes, per currency (for the small-debt route)."""
    totals: dict[tuple[uuid.UUID, str], Decimal] = {}
    for batch in chunks(customer_ids):
        stmt = (
            select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.open_amount))
            .where(and_(among(Invoice.customer_id, batch), Invoice.status.in_(OPEN)))
            .group_by(Invoice.customer_id, Invoice.currency)
        )
        for customer_id, currency, total in (await session.execute(stmt)).all():
            totals[(customer_id, currency)] = Decimal(total)
    return totals
