"""What becomes of an invoice's disputes and plans when it is written off or cancelled.

The invoice leaves collection, so nothing about it is left to decide:

- its open disputes are closed: status ``closed``, outcome ``written_off`` or
  ``cancelled`` (the invoice's new state), nothing accepted, no credit note;
  ``dispute.resolved`` is emitted with that outcome and the invoice's
  ``disputed`` flag is cleared;
- an active plan whose every covered invoice is now written off or cancelled
  is cancelled (no ``plan.broken``). A plan still covering live debt stays
  active with its agreed items and schedule, and what it requires is lowered by
  the closed debt (a write-off's amount, a cancelled invoice's covered amount:
  see ``plans``), so it never breaks over debt that is no longer collected.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.collections.models import Dispute, PaymentPlan, PlanItem
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice
from arplatform.money import format_amount

#: Invoice states that end collection.
CLOSED_STATES = frozenset({"written_off", "cancelled"})


async def close_for_invoice(session: AsyncSession, invoice: Invoice, on: date, reason: str) -> None:
    """Close ``invoice``'s open disputes and the plans left with nothing to collect.

    Call it after the invoice's state became ``written_off`` or ``cancelled``
    (``on``: the day it did, ``reason``: why), in the same transaction.
    """
    outcome = invoice.status if invoice.status in CLOSED_STATES else "withdrawn"
    await _close_disputes(session, invoice, on, reason, outcome)
    await _cancel_plans(session, invoice, on)


async def _close_disputes(
    session: AsyncSession, invoice: Invoice, on: date, reason: str, outcome: str
) -> None:
    stmt = select(Dispute).where(Dispute.invoice_id == invoice.id, Dispute.status == "open")
    for dispute in (await session.scalars(stmt.order_by(Dispute.id))).all():
        dispute.status, dispute.outcome = "closed", outcome
        dispute.closed_on = max(on, dispute.opened_on)
        dispute.accepted_amount = Decimal(0)
        dispute.resolution_note = reason[:1000] or None
        await session.flush()
        emit(
            session,
            "dispute.resolved",
            resource_type="dispute",
            resource_id=dispute.id,
            resource_version=dispute.version,
            data={
                "invoice_id": str(dispute.invoice_id),
                "customer_id": str(dispute.customer_id),
                "amount": format_amount(dispute.amount, dispute.currency),
                "currency": dispute.currency,
                "outcome": outcome,
                "accepted_amount": format_amount(Decimal(0), dispute.currency),
                "credit_note_id": "",
            },
        )
    invoice.disputed = False
    await session.flush()


async def _cancel_plans(session: AsyncSession, invoice: Invoice, on: date) -> None:
    """Cancel the active plans covering ``invoice`` whose every invoice is closed now."""
    covering = select(PlanItem.plan_id).where(PlanItem.invoice_id == invoice.id).scalar_subquery()
    stmt = select(PaymentPlan).where(PaymentPlan.status == "active", PaymentPlan.id.in_(covering))
    for plan in (await session.scalars(stmt.order_by(PaymentPlan.id))).all():
        ids = {item.invoice_id for item in plan.items}
        states = (await session.scalars(select(Invoice.status).where(Invoice.id.in_(ids)))).all()
        if all(state in CLOSED_STATES for state in states):
            plan.status, plan.closed_on = "cancelled", max(on, plan.agreed_on)
    await session.flush()
