"""Disputes: open against an invoice, resolve by credit note (in full or in part) or reject."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.bounds import amount_of, check_day
from arplatform.collections.models import Dispute
from arplatform.collections.schemas import DisputeCreate, DisputeOut, DisputeReject, DisputeResolve
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice
from arplatform.invoices.states import OPEN, SETTLEABLE
from arplatform.money import format_amount
from arplatform.payments.service import issue_credit_note
from arplatform.payments.settlement import lock_invoices
from arplatform.tenants.clock import today

#: Invoice states in which an amount can be disputed.


def to_out(dispute: Dispute) -> DisputeOut:
    cur = dispute.currency
    accepted = dispute.accepted_amount
    return DisputeOut(
        id=dispute.id,
        invoice_id=dispute.invoice_id,
        customer_id=dispute.customer_id,
        currency=cur,
        amount=format_amount(dispute.amount, cur),
        reason=dispute.reason,
        note=dispute.note,
        status=dispute.status,
        opened_on=dispute.opened_on,
        closed_on=dispute.closed_on,
        outcome=dispute.outcome,
        accepted_amount=None if accepted is None else format_amount(accepted, cur),
        credit_note_id=dispute.credit_note_id,
        resolution_note=dispute.resolution_note,
        version=dispute.version,
        created_at=dispute.created_at,
        updated_at=dispute.updated_at,
    )


async def _locked_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice | None:
    return (await lock_invoices(session, [invoice_id])).get(invoice_id)


async def _disputed(session: AsyncSession, invoice_id: uuid.UUID) -> Decimal:
    """What open disputes already hold of the invoice."""
    stmt = select(func.coalesce(func.sum(Dispute.amount), 0)).where(
        Dispute.invoice_id == invoice_id, Dispute.status == "open"
    )
    return Decimal(await session.scalar(stmt) or 0)


async def open_dispute(session: AsyncSession, data: DisputeCreate) -> Dispute:
    """Dispute (part of) an invoice's open amount; the invoice is flagged ``disputed``.

    The amounts of an invoice's open disputes together never exceed its open amount.
    """
    invoice = await _locked_invoice(session, data.invoice_id)
    if invoice is None:
        message = f"invoice_id {data.invoice_id} does not name an invoice"
        raise InvalidInput(message, errors=[FieldError(field="invoice_id", message=message)])
    if invoice.status not in OPEN:
        raise Conflict(f"An invoice in state {invoice.status} cannot be disputed")
    opened_on = data.opened_on or await today(session)
    check_day("opened_on", opened_on, not_before=invoice.issue_date, label="the issue date")
    undisputed = invoice.open_amount - await _disputed(session, invoice.id)
    if data.amount is None:
        if undisputed <= 0:
            raise Conflict("The invoice's open amount is disputed in full already")
        amount = undisputed
    else:
        amount = amount_of("amount", data.amount, invoice.currency)
        if amount > undisputed:
            message = (
                f"amount {data.amount} exceeds the open, undisputed amount "
                f"{format_amount(max(undisputed, Decimal(0)), invoice.currency)}"
            )
            raise InvalidInput(message, errors=[FieldError(field="amount", message=message)])
    dispute = Dispute(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        amount=amount,
        reason=str(data.reason),
        note=data.note,
        opened_on=opened_on,
    )
    session.add(dispute)
    invoice.disputed = True
    await session.flush()
    _emit(session, "dispute.opened", dispute, {"reason": dispute.reason})
    return dispute


def _emit(session: AsyncSession, event_type: str, dispute: Dispute, extra: dict[str, str]) -> None:
    emit(
        session,
        event_type,
        resource_type="dispute",
        resource_id=dispute.id,
        resource_version=dispute.version,
        data={
            "invoice_id": str(dispute.invoice_id),
            "customer_id": str(dispute.customer_id),
            "amount": format_amount(dispute.amount, dispute.currency),
            "currency": dispute.currency,
            **extra,
        },
    )


async def _open_for_change(
    session: AsyncSession, dispute_id: uuid.UUID, if_match: str | None
) -> tuple[Dispute, Invoice]:
    dispute = await get_dispute(session, dispute_id)
    invoice = await _locked_invoice(session, dispute.invoice_id)
    assert invoice is not None  # a dispute's invoice cannot be deleted
    await session.refresh(dispute)  # as it stands now that its invoice is locked
    check_if_match(if_match, dispute.version)
    if dispute.status != "open":
        raise Conflict(f"The dispute is {dispute.status} already")
    if invoice.status not in SETTLEABLE:
        # Only a dispute left open by an older version can get here (see closing.py).
        raise Conflict(f"The invoice is {invoice.status}; nothing of it is collected any more")
    return dispute, invoice


async def _close(
    session: AsyncSession, dispute: Dispute, invoice: Invoice, closed_on: date, outcome: str
) -> None:
    dispute.status = "rejected" if outcome == "rejected" else "resolved"
    dispute.outcome = outcome
    dispute.closed_on = closed_on
    await session.flush()
    others = await session.scalar(
        select(func.count())
        .select_from(Dispute)
        .where(Dispute.invoice_id == invoice.id, Dispute.status == "open")
    )
    invoice.disputed = bool(others)
    await session.flush()
    accepted = dispute.accepted_amount
    _emit(
        session,
        "dispute.resolved",
        dispute,
        {
            "outcome": outcome,
            "accepted_amount": format_amount(accepted or Decimal(0), dispute.currency),
            "credit_note_id": str(dispute.credit_note_id) if dispute.credit_note_id else "",
        },
    )


async def resolve_dispute(
    session: AsyncSession, dispute_id: uuid.UUID, data: DisputeResolve, if_match: str | None
) -> Dispute:
    """Accept a dispute in full or in part with a credit note; the rest is due again."""
    dispute, invoice = await _open_for_change(session, dispute_id, if_match)
    resolved_on = data.resolved_on or await today(session)
    check_day("resolved_on", resolved_on, not_before=dispute.opened_on, label="opened_on")
    accepted = dispute.amount
    if data.accepted_amount is not None:
        accepted = amount_of("accepted_amount", data.accepted_amount, dispute.currency)
        if accepted > dispute.amount:
            message = "accepted_amount exceeds the disputed amount; reject or open another dispute"
            raise InvalidInput(
                message, errors=[FieldError(field="accepted_amount", message=message)]
            )
    note = await issue_credit_note(
        session,
        customer_id=dispute.customer_id,
        invoice_id=dispute.invoice_id,
        amount=accepted,
        issue_date=resolved_on,
        reason=f"Dispute ({dispute.reason}) accepted",
        number=data.credit_note_number,
    )
    dispute.accepted_amount = accepted
    dispute.credit_note_id = note.id
    dispute.resolution_note = data.note
    outcome = "accepted" if accepted == dispute.amount else "partially_accepted"
    await _close(session, dispute, invoice, resolved_on, outcome)
    return dispute


async def reject_dispute(
    session: AsyncSession, dispute_id: uuid.UUID, data: DisputeReject, if_match: str | None
) -> Dispute:
    """Reject a dispute: its whole amount is due (and dunned) again."""
    dispute, invoice = await _open_for_change(session, dispute_id, if_match)
    rejected_on = data.rejected_on or await today(session)
    check_day("rejected_on", rejected_on, not_before=dispute.opened_on, label="opened_on")
    dispute.accepted_amount = Decimal(0)
    dispute.resolution_note = data.note
    await _close(session, dispute, invoice, rejected_on, "rejected")
    return dispute


async def get_dispute(session: AsyncSession, dispute_id: uuid.UUID) -> Dispute:
    return await fetch_one(session, Dispute, dispute_id, "dispute")


async def list_disputes(
    session: AsyncSession,
    *,
    invoice_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Dispute], str | None]:
    """The tenant's disputes, oldest first, optionally of one invoice, customer or status."""
    return await fetch_matching_page(
        session,
        Dispute,
        cursor,
        limit,
        invoice_id=invoice_id,
        customer_id=customer_id,
        status=status,
    )
