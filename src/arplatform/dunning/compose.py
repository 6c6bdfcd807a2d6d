"""Turning a recorded communication into a message for one channel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.models import Customer
from arplatform.documents.letter import Letter, render_letter_pdf
from arplatform.dunning.models import (
    Communication,
    CommunicationLine,
    DunningSettings,
    TemplateOverride,
)
from arplatform.dunning.notice import NoticeContext, NoticeLine, NoticeParty
from arplatform.dunning.templates import (
    RenderedNotice,
    babel_locale,
    notice_language,
    render_notice,
)
from arplatform.interest.service import ReferenceRateMissing, interest_for_invoices
from arplatform.plugins.contracts.common import Address, Attachment
from arplatform.plugins.contracts.notification import (
    AddressKind,
    OutgoingMessage,
    Recipient,
    SenderIdentity,
)
from arplatform.tenants.models import Tenant

#: Which recipients a channel reaches, and the contact roles asked first.
ADDRESS_KINDS = {"email": AddressKind.EMAIL, "sms": AddressKind.PHONE, "letter": AddressKind.POSTAL}
CONTACT_ORDER = ("dunning", "billing", "general", "legal")
#: Notices with these actions claim the statutory fixed compensation.
CLAIMS_COMPENSATION = frozenset({"formal_notice", "legal_letter", "agency_handoff"})


def postal_address(document: dict[str, Any] | None) -> Address | None:
    if not document:
        return None
    return Address(
        lines=tuple(line for line in (document.get("line1"), document.get("line2")) if line),
        postal_code=document.get("postal_code"),
        city=document.get("city"),
        region=document.get("region"),
        country=document["country"],
    )


def _party(name: str, address: Address | None, **contact: str | None) -> NoticeParty:
    return NoticeParty(
        name=name,
        address_lines=address.lines if address else (),
        postal_code=address.postal_code if address else None,
        city=address.city if address else None,
        country=address.country if address else None,
        **contact,
    )


def _primary(customer: Customer, field: str) -> str | None:
    contacts = sorted(
        (c for c in customer.contacts if c.get(field)),
        key=lambda c: CONTACT_ORDER.index(c.get("role", "general")),
    )
    return contacts[0][field] if contacts else None


def _notice_line(line: CommunicationLine) -> NoticeLine:
    return NoticeLine(
        invoice_number=line.invoice_number,
        instalment=line.instalment,
        issue_date=line.issue_date,
        due_date=line.due_date,
        days_overdue=line.days_overdue,
        amount=line.amount,
        open_amount=line.open_amount,
        interest=line.interest,
    )


def notice_context(
    communication: Communication,
    tenant: Tenant,
    settings: DunningSettings,
    customer: Customer,
    fixed_compensation: Decimal = Decimal(0),
) -> NoticeContext:
    """What the notice says, from the recorded communication and the parties as they are now."""
    return NoticeContext(
        reference=communication.reference,
        template=communication.template or "reminder",
        level_name=communication.level_name,
        actions=tuple(communication.actions),
        notice_date=communication.notice_date,
        pay_by=communication.pay_by,
        currency=communication.currency,
        creditor=_party(
            tenant.name,
            postal_address(settings.address),
            email=settings.reply_to or settings.sender_email,
            phone=settings.phone,
            vat_number=None,
        ),
        debtor=_party(
            customer.legal_name,
            postal_address(customer.address),
            email=_primary(customer, "email"),
            phone=_primary(customer, "phone"),
            vat_number=customer.vat_number,
        ),
        lines=tuple(_notice_line(line) for line in communication.lines),
        total_open=communication.total_open,
        total_interest=communication.total_interest,
        fixed_compensation=fixed_compensation,
        next_step=communication.next_step,
        next_step_on=communication.next_step_on,
        payment_instructions=settings.payment_instructions,
        contact=settings.contact,
    )


async def fixed_compensation(session: AsyncSession, communication: Communication) -> Decimal:
    """The statutory fixed sums (EU directive, UK late payment act) of the notice's invoices.

    Each late invoice under such a rule carries its sum once; a sum in another
    currency than the notice's is not added to it. Reminders do not claim it:
    the sums are asked for from the formal notice on.
    """
    if not CLAIMS_COMPENSATION.intersection(communication.actions):
        return Decimal(0)
    invoice_ids = {line.invoice_id for line in communication.lines}
    reports = await interest_for_invoices(session, invoice_ids, communication.notice_date)
    total = Decimal(0)
    for report in reports.values():
        if isinstance(report, ReferenceRateMissing) or report.result.compensation is None:
            continue
        if report.result.compensation.currency == communication.currency:
            total += report.result.compensation.amount
    return total


async def rendered(
    session: AsyncSession, communication: Communication, context: NoticeContext, channel: str
) -> RenderedNotice:
    """The notice in the customer's language, from the tenant's template if it has one.

    A reviewer's edits (subject, text) replace the template's for every channel.
    """
    language = notice_language(communication.language)
    override = await session.scalar(
        select(TemplateOverride.source).where(
            TemplateOverride.template == context.template, TemplateOverride.language == language
        )
    )
    notice = render_notice(
        context, template=context.template, channel=channel, language=language, override=override
    )
    if communication.subject is None and communication.text_body is None:
        return notice
    return RenderedNotice(
        subject=communication.subject or notice.subject,
        text=communication.text_body or notice.text,
        html=None,
    )


def recipients(customer: Customer, channel: str) -> tuple[Recipient, ...]:
    """Who gets the notice on ``channel``: the dunning contact first, else billing, else any."""
    kind = ADDRESS_KINDS[channel]
    if kind is AddressKind.POSTAL:
        postal = postal_address(customer.address)
        if postal is None:
            return ()
        return (Recipient(kind=kind, name=customer.legal_name, postal=postal),)
    field = "email" if kind is AddressKind.EMAIL else "phone"
    address = _primary(customer, field)
    name = next((c.get("name") for c in customer.contacts if c.get(field) == address), None)
    return () if address is None else (Recipient(kind=kind, name=name, address=address),)


def sender(tenant: Tenant, settings: DunningSettings) -> SenderIdentity:
    return SenderIdentity(
        name=tenant.name,
        email=settings.sender_email,
        reply_to=settings.reply_to,
        phone=settings.phone,
        postal=postal_address(settings.address),
    )


def notice_pdf(
    communication: Communication, notice: RenderedNotice, customer: Customer, from_: SenderIdentity
) -> Attachment:
    """The notice as a printable letter, attached to e-mails (some courts want paper)."""
    letter = Letter(
        sender=from_,
        recipient_name=customer.legal_name,
        recipient_address=postal_address(customer.address),
        date_line=format_date(
            communication.notice_date, format="long", locale=babel_locale(communication.language)
        ),
        subject=notice.subject,
        body=notice.text,
        language=notice_language(communication.language),
    )
    return Attachment(
        filename=f"{communication.reference}.pdf",
        media_type="application/pdf",
        content=render_letter_pdf(letter),
    )


def message(
    communication: Communication,
    channel: str,
    notice: RenderedNotice,
    to: tuple[Recipient, ...],
    from_: SenderIdentity,
    attachments: tuple[Attachment, ...],
) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=f"{communication.id}-{channel}",
        sender=from_,
        recipients=to,
        subject=notice.subject,
        text_body=notice.text,
        html_body=notice.html if channel == "email" else None,
        attachments=attachments,
        locale=notice_language(communication.language),
    )
