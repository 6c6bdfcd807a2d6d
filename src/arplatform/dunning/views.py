"""What the dunning endpoints show: records as response bodies, and the read-only views."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one
from arplatform.api.types import CurrencyCode
from arplatform.customers.schemas import PostalAddress
from arplatform.dunning.models import (
    Communication,
    CommunicationLine,
    DunningAction,
    DunningItem,
    DunningPlan,
    DunningSettings,
    InvoiceExclusion,
    TemplateOverride,
)
from arplatform.dunning.plans import levels_of
from arplatform.dunning.record import communication_row, line_rows
from arplatform.dunning.run import Decided
from arplatform.dunning.schemas import (
    ActionOut,
    CommunicationDeliveryOut,
    CommunicationLineOut,
    CommunicationOut,
    DunningPlanOut,
    DunningSettingsOut,
    EffectivenessOut,
    InstalmentDunningOut,
    InvoiceDunningOut,
    LevelEffectiveness,
    StepOut,
    TemplateOut,
    Threshold,
)
from arplatform.invoices.models import Invoice
from arplatform.money import format_amount

PAID_WITHIN = timedelta(days=14)


def communication_out(row: Communication) -> CommunicationOut:
    """A recorded communication with its lines and each channel's delivery outcome."""
    return _communication_out(row, row.lines, row.deliveries)


def _communication_out(
    row: Any, lines: Iterable[Any], deliveries: Iterable[Any]
) -> CommunicationOut:
    money = row.currency
    return CommunicationOut(
        id=row.id,
        reference=row.reference,
        customer_id=row.customer_id,
        level=row.level,
        level_name=row.level_name,
        actions=list(row.actions),
        channels=list(row.channels),
        currency=money,
        notice_date=row.notice_date,
        pay_by=row.pay_by,
        total_open=format_amount(row.total_open, money),
        total_interest=format_amount(row.total_interest, money),
        next_step=row.next_step,
        next_step_on=row.next_step_on,
        status=row.status,
        lines=[_line_out(line, money) for line in lines],
        deliveries=[
            CommunicationDeliveryOut(
                channel=d.channel, status=d.status, provider=d.provider, attempts=d.attempts,
                detail=d.detail,
            )
            for d in deliveries
        ],
        subject=row.subject,
        text_body=row.text_body,
    )  # fmt: skip


def _line_out(line: Any, currency: str) -> CommunicationLineOut:
    return CommunicationLineOut(
        invoice_id=line.invoice_id,
        invoice_number=line.invoice_number,
        instalment=line.instalment,
        due_date=line.due_date,
        days_overdue=line.days_overdue,
        open_amount=format_amount(line.open_amount, currency),
        interest=format_amount(line.interest, currency),
    )


def preview(decided: Decided) -> list[CommunicationOut]:
    """The communications a dry run would create, exactly as a run would record them."""
    previews = []
    for group in decided.groups:
        if not group.level.communicates:
            continue
        row = communication_row(decided, group, run_id=None, reference=None, language="")
        lines = line_rows(group, row["id"], decided.as_of)
        values = {**row, "id": None, "subject": None, "text_body": None}
        previews.append(
            _communication_out(
                SimpleNamespace(**values), [SimpleNamespace(**line) for line in lines], []
            )
        )
    return previews


def plan_out(plan: DunningPlan) -> DunningPlanOut:
    return DunningPlanOut(
        id=plan.id,
        name=plan.name,
        is_default=plan.is_default,
        risk_tier=plan.risk_tier,
        min_gap_days=plan.min_gap_days,
        business_days=plan.business_days,
        levels=list(levels_of(plan)),
        version=plan.version,
    )


def settings_out(row: DunningSettings) -> DunningSettingsOut:
    address = msgspec.convert(row.address, PostalAddress | None)
    return DunningSettingsOut(
        review_before_send=row.review_before_send,
        small_debt_thresholds=[
            Threshold(currency=CurrencyCode(currency), amount=amount)
            for currency, amount in sorted(row.small_debt_thresholds.items())
        ],
        run_hour=row.run_hour,
        pay_within_days=row.pay_within_days,
        sender_email=row.sender_email,
        reply_to=row.reply_to,
        phone=row.phone,
        address=address,
        payment_instructions=row.payment_instructions,
        contact=row.contact,
        last_run_on=row.last_run_on,
        version=row.version,
    )


def action_out(row: DunningAction) -> ActionOut:
    return ActionOut(
        id=row.id,
        customer_id=row.customer_id,
        action=row.action,
        level_name=row.level_name,
        currency=row.currency,
        amount=format_amount(row.amount, row.currency),
        invoice_ids=list(row.invoice_ids),
        status=row.status,
        detail=row.detail,
        external_ref=row.external_ref,
        created_at=row.created_at,
    )


def template_out(row: TemplateOverride) -> TemplateOut:
    return TemplateOut(
        id=row.id,
        template=row.template,
        language=row.language,
        source=row.source,
        version=row.version,
        updated_at=row.updated_at,
    )


async def invoice_dunning(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceDunningOut:
    """Where each instalment of an invoice stands, and every notice that listed it."""
    invoice = await fetch_one(session, Invoice, invoice_id, "invoice")
    exclusion = await session.scalar(
        select(InvoiceExclusion).where(InvoiceExclusion.invoice_id == invoice_id)
    )
    items = (
        await session.scalars(select(DunningItem).where(DunningItem.invoice_id == invoice_id))
    ).all()
    steps = await session.execute(
        select(Communication, CommunicationLine.open_amount)
        .join(CommunicationLine, CommunicationLine.communication_id == Communication.id)
        .where(CommunicationLine.invoice_id == invoice_id)
        .order_by(Communication.notice_date, Communication.level)
    )
    return InvoiceDunningOut(
        invoice_id=invoice.id,
        excluded=exclusion is not None,
        reason=exclusion.reason if exclusion else None,
        instalments=[
            InstalmentDunningOut(
                instalment_id=i.instalment_id,
                level=i.level,
                level_on=i.level_on,
                next_on=i.next_on,
                state=i.state,
            )
            for i in items
        ],
        steps=[
            StepOut(
                communication_id=c.id,
                reference=c.reference,
                notice_date=c.notice_date,
                level_name=c.level_name,
                status=c.status,
                open_amount=format_amount(amount, invoice.currency),
            )
            for c, amount in steps.all()
        ],
    )


async def effectiveness(session: AsyncSession, date_from: date, date_to: date) -> EffectivenessOut:
    """Per level: notices sent in the period, and how many were paid within 14 days of them.

    A notice counts as paid when every invoice it listed was paid by 14 days after it.
    """
    rows = await session.execute(
        select(
            Communication.id, Communication.level_name, Communication.notice_date, Invoice.paid_on
        )
        .join(CommunicationLine, CommunicationLine.communication_id == Communication.id)
        .join(Invoice, Invoice.id == CommunicationLine.invoice_id)
        .where(
            Communication.status == "sent", Communication.notice_date.between(date_from, date_to)
        )
    )
    paid: dict[uuid.UUID, bool] = {}
    levels: dict[uuid.UUID, str] = {}
    for communication_id, level_name, notice_date, paid_on in rows.all():
        in_time = paid_on is not None and paid_on <= notice_date + PAID_WITHIN
        paid[communication_id] = paid.get(communication_id, True) and in_time
        levels[communication_id] = level_name
    totals: dict[str, list[int]] = {}
    for communication_id, level_name in levels.items():
        counts = totals.setdefault(level_name, [0, 0])
        counts[0] += 1
        counts[1] += paid[communication_id]
    return EffectivenessOut(
        date_from=date_from,
        date_to=date_to,
        levels=[
            LevelEffectiveness(
                level_name=name,
                communications=total,
                paid_within_14_days=in_time,
                share=str((Decimal(in_time) / Decimal(total)).quantize(Decimal("0.0001"))),
            )
            for name, (total, in_time) in sorted(totals.items())
        ],
    )
