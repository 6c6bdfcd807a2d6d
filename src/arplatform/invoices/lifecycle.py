"""What happens to an invoice after it is recorded: issue, cancel, write off, extend."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.problems import Conflict, InvalidInput, NotFound
from arplatform.collections.closing import close_for_invoice
from arplatform.db.base import utcnow
from arplatform.events.service import emit
from arplatform.invoices import service
from arplatform.invoices.models import Invoice
from arplatform.invoices.schemas import DueDateExtension, InvoiceCancel, InvoiceWriteOff
from arplatform.invoices.states import OPEN
from arplatform.money import format_amount
from arplatform.payments import settlement
from arplatform.payments.models import Allocation
from arplatform.payments.service import not_in_future


async def _locked(session: AsyncSession, invoice_id: uuid.UUID, if_match: str | None) -> Invoice:
    invoice = (await settlement.lock_invoices(session, [invoice_id])).get(invoice_id)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}")
    check_if_match(if_match, invoice.version)
    return invoice


def _announce(session: AsyncSession, event_type: str, invoice: Invoice, **data: object) -> None:
    emit(
        session,
        event_type,
        resource_type="invoice",
        resource_id=invoice.id,
        resource_version=invoice.version,
        data={"number": invoice.number, **data},
    )


async def issue_draft(
    session: AsyncSession, invoice_id: uuid.UUID, if_match: str | None
) -> service.Recorded:
    """Issue a draft: it is numbered from its series and starts to age.

    Issuing an invoice that is already issued changes nothing (and checks no
    credit: the verdict is None); a cancelled one is refused.
    """
    invoice = await _locked(session, invoice_id, if_match)
    if invoice.status == "cancelled":
        raise Conflict(f"Invoice {invoice.id} is cancelled")
    verdict = await service.issue(session, invoice) if invoice.status == "draft" else None
    return service.Recorded(invoice, verdict)


async def cancel(
    session: AsyncSession, invoice_id: uuid.UUID, data: InvoiceCancel, if_match: str | None
) -> Invoice:
    """Cancel an invoice nothing has been booked against yet; it leaves every balance."""
    invoice = await _locked(session, invoice_id, if_match)
    if invoice.status not in {"draft", "issued"}:
        raise Conflict(
            f"Invoice {invoice.id} is {invoice.status}; only drafts and unpaid "
            "invoices can be cancelled (issue a credit note instead)"
        )
    if await session.scalar(
        select(Allocation.id).where(Allocation.invoice_id == invoice.id).limit(1)
    ):
        raise Conflict("Amounts have been booked against this invoice; issue a credit note instead")
    if data.cancelled_on < invoice.issue_date:
        raise InvalidInput("cancelled_on is before the issue date")
    await not_in_future(session, data.cancelled_on, "cancelled_on")
    # A draft never was a receivable: it leaves the history from its issue date.
    invoice.cancelled_on = invoice.issue_date if invoice.status == "draft" else data.cancelled_on
    invoice.status = "cancelled"
    await session.flush()
    await close_for_invoice(session, invoice, invoice.cancelled_on, data.reason or "cancelled")
    _announce(session, "invoice.cancelled", invoice, reason=data.reason)
    return invoice


async def write_off(
    session: AsyncSession, invoice_id: uuid.UUID, data: InvoiceWriteOff, if_match: str | None
) -> Invoice:
    """Write off what is still open: booked as a dated write-off, so history keeps the debt."""
    invoice = await _locked(session, invoice_id, if_match)
    if invoice.status not in OPEN:
        raise Conflict(f"Invoice {invoice.id} is {invoice.status}; nothing open to write off")
    if data.written_off_on < invoice.issue_date:
        raise InvalidInput("written_off_on is before the issue date")
    await not_in_future(session, data.written_off_on, "written_off_on")
    amount = invoice.open_amount
    # The state changes first: a write-off settles nothing, so no invoice.paid.
    invoice.status = "written_off"
    await settlement.post(session, invoice, amount, kind="write_off", booked_on=data.written_off_on)
    await settlement.check_history(session, [invoice])
    invoice.written_off_on = data.written_off_on
    invoice.paid_on = None
    await session.flush()
    await close_for_invoice(session, invoice, data.written_off_on, data.reason)
    _announce(
        session,
        "invoice.written_off",
        invoice,
        amount=format_amount(amount, invoice.currency),
        reason=data.reason,
    )
    return invoice


async def extend(
    session: AsyncSession, invoice_id: uuid.UUID, data: DueDateExtension, if_match: str | None
) -> Invoice:
    """Agree a new due date; the original due date is kept beside it."""
    invoice = await _locked(session, invoice_id, if_match)
    if invoice.status not in OPEN | {"draft"}:
        raise Conflict(f"Invoice {invoice.id} is {invoice.status}")
    if data.due_date < invoice.issue_date:
        raise InvalidInput("due_date is before the issue date")
    targets = [row for row in invoice.instalments if data.seq in (None, row.seq)]
    if not targets:
        raise InvalidInput(f"the invoice has no instalment {data.seq}")
    if any(data.due_date <= row.due_date for row in targets):
        raise InvalidInput("an extension moves a due date later, not earlier")
    for row in targets:
        row.due_date = data.due_date
    invoice.due_date = max(row.due_date for row in invoice.instalments)
    invoice.updated_at = utcnow()  # an instalment's change is a new version of the invoice
    await session.flush()
    _announce(
        session,
        "invoice.due_date_extended",
        invoice,
        due_date=data.due_date.isoformat(),
        seq=data.seq,
        reason=data.reason,
    )
    return invoice
