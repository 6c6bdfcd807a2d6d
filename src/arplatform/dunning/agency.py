"""Handing a customer's overdue invoices to the tenant's collection agency."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.dunning.compose import postal_address
from arplatform.dunning.delivery import MAX_ATTEMPTS, backoff
from arplatform.dunning.models import Communication, DunningAction, DunningSettings
from arplatform.dunning.record import HAND_OVER_JOB
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers, call_provider
from arplatform.invoices.models import Invoice
from arplatform.jobs.outbox import enqueue
from arplatform.money import round_money
from arplatform.plugins.contracts.collection_agency import CollectionCase, DunningStep, OpenInvoice
from arplatform.plugins.contracts.common import Money, Party, PermanentProviderError
from arplatform.tenants.models import Tenant

TIMEOUT_SECONDS = 60


async def _parties(session: AsyncSession, customer_id: uuid.UUID) -> tuple[Party, Party]:
    """The tenant as creditor and the customer as debtor."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    customer = await session.scalar(select(Customer).where(Customer.id == customer_id))
    settings = await session.scalar(select(DunningSettings))
    assert tenant is not None and customer is not None
    creditor = Party(
        name=tenant.name,
        country=tenant.country,
        address=postal_address(settings.address if settings else None),
        email=settings.reply_to if settings else None,
    )
    debtor = Party(
        name=customer.legal_name,
        country=customer.country,
        address=postal_address(customer.address),
        vat_id=customer.vat_number,
    )
    return creditor, debtor


async def _history(session: AsyncSession, customer_id: uuid.UUID) -> tuple[DunningStep, ...]:
    """The notices sent to the customer, so the agency can show prior dunning."""
    sent = await session.scalars(
        select(Communication)
        .where(Communication.customer_id == customer_id, Communication.status == "sent")
        .order_by(Communication.notice_date)
    )
    return tuple(
        DunningStep(
            sent_on=step.notice_date, level=step.level_name, channel=",".join(step.channels)
        )
        for step in sent
    )


async def _case(session: AsyncSession, action: DunningAction) -> CollectionCase:
    ids = [uuid.UUID(value) for value in action.invoice_ids]
    invoices = (await session.scalars(select(Invoice).where(Invoice.id.in_(ids)))).all()
    creditor, debtor = await _parties(session, action.customer_id)

    def money(amount: Decimal) -> Money:
        return Money(amount=round_money(amount, action.currency), currency=action.currency)

    return CollectionCase(
        case_id=str(action.id),
        creditor=creditor,
        debtor=debtor,
        invoices=tuple(
            OpenInvoice(
                invoice_number=invoice.number or str(invoice.id),
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                amount=money(invoice.total),
                outstanding=money(invoice.open_amount),
            )
            for invoice in invoices
        ),
        total=money(sum((i.open_amount for i in invoices), start=Decimal(0))),
        dunning_history=await _history(session, action.customer_id),
        disputed=any(invoice.disputed for invoice in invoices),
    )


async def hand_over(session: AsyncSession, providers: Providers, action_id: uuid.UUID) -> None:
    """Hand the action's invoices to the first enabled collection agency; record its case ref.

    Idempotent: the action id is the case id the agency deduplicates on, and an
    action no longer pending is left alone.
    """
    action = await session.scalar(
        select(DunningAction).where(DunningAction.id == action_id).with_for_update()
    )
    if action is None or action.status != "pending":
        return
    integration = await session.scalar(
        select(Integration)
        .where(Integration.kind == "collection_agency", Integration.enabled.is_(True))
        .order_by(Integration.priority, Integration.id)
    )
    if integration is None:
        action.status, action.detail = "open", "no collection agency is set up: hand over by hand"
        return
    case = await _case(session, action)
    try:
        receipt = await call_provider(
            providers, integration, lambda agency: agency.hand_over(case), seconds=TIMEOUT_SECONDS
        )
        action.status = "completed" if receipt.accepted else "failed"
        action.external_ref, action.detail = receipt.case_ref, receipt.detail
    except PermanentProviderError as exc:
        action.status, action.detail = "failed", str(exc)[:1000]
    except Exception as exc:  # noqa: BLE001 - transient or a defect: retried, never lost
        action.attempts += 1
        action.detail = f"{type(exc).__name__}: {exc}"[:1000]
        if action.attempts >= MAX_ATTEMPTS:
            action.status = "failed"
        else:
            enqueue(
                session,
                HAND_OVER_JOB,
                {"action_id": str(action.id)},
                dedupe_key=f"{HAND_OVER_JOB}:{action.id}:{action.attempts}",
                available_at=utcnow() + backoff(action.attempts, getattr(exc, "retry_after", None)),
            )
