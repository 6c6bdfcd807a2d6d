"""What dunning must hold back on a day: the contract between collections and dunning.

``collection_holds(session, as_of, customer_id=None)`` answers, for every invoice
instalment that carries a hold on ``as_of``, an :class:`InstalmentHold`:

- ``disputed_amount``: the part of the instalment's open amount that open disputes
  hold. Dunning excludes it (dun ``open - disputed_amount``; nothing when that is
  zero). A dispute on an invoice is spread over the invoice's instalments latest
  due first, never more than an instalment's open amount on ``as_of`` (the same
  order a credit note resolving it is applied in).
- ``paused_by``: ``"plan"`` while an active payment plan covers the instalment,
  else ``"promise"`` while a promise to pay covers it (its invoices, or all of the
  customer's invoices in its currency), else ``None``. A paused instalment is not
  escalated (no next dunning level) on ``as_of``.
- ``paused_until``: for a promise the promised date (escalation resumes the day
  after, unless the promise was kept); for a plan ``None`` (until the plan is
  completed, broken or cancelled).

Instalments without any hold are absent from the answer. Holds are dated: a
past ``as_of`` gives the holds of that day (disputes open then, promises made by
then and not yet due, plans agreed by then and not yet ended), and open amounts
are those of that day, derived from the dated allocations.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.ledger import InstalmentOnDay, instalments_on
from arplatform.collections.models import Dispute, PaymentPlan, PaymentPromise, PlanItem
from arplatform.invoices.models import Invoice
from arplatform.payments.rules import allocate_in_order

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class InstalmentHold:
    """The hold on one invoice instalment on a day (see the module's contract)."""

    instalment_id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    open_amount: Decimal
    disputed_amount: Decimal
    paused_by: str | None
    paused_until: date | None
    promise_id: uuid.UUID | None
    plan_id: uuid.UUID | None


def _scoped(stmt: Any, column: Any, customer_id: uuid.UUID | None) -> Any:
    return stmt if customer_id is None else stmt.where(column == customer_id)


async def _disputed(
    session: AsyncSession, as_of: date, customer_id: uuid.UUID | None
) -> dict[uuid.UUID, Decimal]:
    stmt = (
        select(Dispute.invoice_id, func.sum(Dispute.amount))
        .where(
            Dispute.opened_on <= as_of,
            or_(Dispute.closed_on.is_(None), Dispute.closed_on > as_of),
        )
        .group_by(Dispute.invoice_id)
    )
    rows = (await session.execute(_scoped(stmt, Dispute.customer_id, customer_id))).all()
    return {row[0]: Decimal(row[1]) for row in rows}


async def _promises(
    session: AsyncSession, as_of: date, customer_id: uuid.UUID | None
) -> list[PaymentPromise]:
    stmt = select(PaymentPromise).where(
        PaymentPromise.made_on <= as_of, PaymentPromise.promised_date >= as_of
    )
    return list(
        (await session.scalars(_scoped(stmt, PaymentPromise.customer_id, customer_id))).all()
    )


async def _planned(
    session: AsyncSession, as_of: date, customer_id: uuid.UUID | None
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """Instalment id -> (plan id, invoice id) of the plans in force on ``as_of``."""
    stmt = (
        select(PlanItem.instalment_id, PlanItem.plan_id, PlanItem.invoice_id)
        .join(PaymentPlan, PaymentPlan.id == PlanItem.plan_id)
        .where(
            PaymentPlan.agreed_on <= as_of,
            or_(PaymentPlan.closed_on.is_(None), PaymentPlan.closed_on > as_of),
        )
    )
    rows = (await session.execute(_scoped(stmt, PaymentPlan.customer_id, customer_id))).all()
    return {row[0]: (row[1], row[2]) for row in rows}


async def _instalments(
    session: AsyncSession, as_of: date, invoice_ids: set[uuid.UUID], customers: set[uuid.UUID]
) -> list[InstalmentOnDay]:
    if not invoice_ids and not customers:
        return []
    return await instalments_on(
        session, as_of, or_(Invoice.id.in_(invoice_ids), Invoice.customer_id.in_(customers))
    )


def _spread(
    rows: list[InstalmentOnDay], disputed: dict[uuid.UUID, Decimal]
) -> dict[uuid.UUID, Decimal]:
    by_invoice: dict[uuid.UUID, list[InstalmentOnDay]] = defaultdict(list)
    for row in rows:
        by_invoice[row.invoice_id].append(row)
    shares: dict[uuid.UUID, Decimal] = {}
    for invoice_id, amount in disputed.items():
        latest_first = sorted(
            by_invoice.get(invoice_id, []), key=lambda r: (r.due_date, r.seq), reverse=True
        )
        portions = allocate_in_order(amount, [r.open_amount for r in latest_first])
        shares.update({r.id: share for r, share in zip(latest_first, portions, strict=True)})
    return shares


def _promise_for(row: InstalmentOnDay, promises: list[PaymentPromise]) -> PaymentPromise | None:
    matching = [
        p
        for p in promises
        if p.customer_id == row.customer_id
        and p.currency == row.currency
        and (not p.invoices or any(link.invoice_id == row.invoice_id for link in p.invoices))
    ]
    return max(matching, key=lambda p: (p.promised_date, p.id), default=None)


async def collection_holds(
    session: AsyncSession, as_of: date, *, customer_id: uuid.UUID | None = None
) -> dict[uuid.UUID, InstalmentHold]:
    """The holds on the tenant's (or one customer's) instalments on ``as_of``, by instalment id."""
    disputed = await _disputed(session, as_of, customer_id)
    promises = await _promises(session, as_of, customer_id)
    planned = await _planned(session, as_of, customer_id)
    invoice_ids = set(disputed) | {invoice for _, invoice in planned.values()}
    invoice_ids |= {link.invoice_id for p in promises for link in p.invoices}
    customers = {p.customer_id for p in promises if not p.invoices}
    rows = await _instalments(session, as_of, invoice_ids, customers)
    shares = _spread(rows, disputed)
    holds = {}
    for row in rows:
        if row.open_amount <= ZERO:
            continue
        plan = planned.get(row.id)
        promise = None if plan else _promise_for(row, promises)
        share = shares.get(row.id, ZERO)
        if not (plan or promise or share):
            continue
        holds[row.id] = InstalmentHold(
            instalment_id=row.id,
            invoice_id=row.invoice_id,
            customer_id=row.customer_id,
            open_amount=row.open_amount,
            disputed_amount=share,
            paused_by="plan" if plan else ("promise" if promise else None),
            paused_until=promise.promised_date if promise else None,
            promise_id=promise.id if promise else None,
            plan_id=plan[0] if plan else None,
        )
    return holds
