"""The credit check when an invoice is issued: block, warn or ask for approval over the limit.

The customer's row is locked before exposure is summed, so concurrent issues
for one customer are checked one after the other and never pass the limit
together. The mode comes from the customer's tier in the active credit policy;
without a policy or a tier the check blocks. A customer without a credit limit
is not checked.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import Conflict
from arplatform.credit.approvals import ApprovalKind, approved_over_limit, request_approval
from arplatform.credit.exposure import (
    ZERO,
    Exposure,
    PartKind,
    context,
    exposure_of,
    lock_customer,
)
from arplatform.credit.policies import tier_rules_for
from arplatform.credit.policy_schema import ExposureCheck, Signal
from arplatform.credit.signals import raise_signal
from arplatform.customers.models import Customer
from arplatform.events.service import emit
from arplatform.invoices.models import Invoice
from arplatform.money import format_amount


class Outcome(enum.StrEnum):
    WITHIN_LIMIT = "within_limit"
    NOT_CHECKED = "not_checked"
    APPROVED = "approved"
    WARNED = "warned"
    PENDING_APPROVAL = "pending_approval"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    message: str | None = None
    approval_id: uuid.UUID | None = None

    @property
    def may_issue(self) -> bool:
        return self.outcome is not Outcome.PENDING_APPROVAL


class OverLimit(Conflict):
    slug, title = "credit-limit-exceeded", "The invoice takes exposure over the credit limit"


class OnCreditHold(Conflict):
    slug, title = "credit-hold", "The customer is on credit hold"


def describe(invoice: Invoice, exposure: Exposure) -> str:
    """The figures in plain words: the invoice, exposure with it, the limit and what is left."""
    cur = exposure.currency
    assert exposure.limit is not None
    before = exposure.limit - (exposure.total - exposure.total_of(PartKind.INVOICE))
    name = invoice.number or str(invoice.id)
    return (
        f"Invoice {name} of {format_amount(invoice.total, invoice.currency)} {invoice.currency} "
        f"takes exposure to {format_amount(exposure.total, cur)} {cur}, over the credit limit "
        f"of {format_amount(exposure.limit, cur)} {cur} "
        f"(available before it: {format_amount(before, cur)} {cur})"
    )


async def check_at_issue(session: AsyncSession, invoice: Invoice) -> Verdict:
    """Check ``invoice`` against its customer's hold and limit before it is issued.

    Locks the customer first, so a hold or an issue committed meanwhile is seen.
    Raises :class:`OnCreditHold` (409) for a customer on hold and :class:`OverLimit`
    (409) over the limit in ``block`` mode; in ``approve`` mode opens an
    ``invoice_over_limit`` approval request and answers ``pending_approval`` (the
    invoice stays a draft) until it is approved; in ``warn`` mode raises an alert.
    """
    customer = await lock_customer(session, invoice.customer_id)
    if customer is not None and customer.credit_hold:
        raise OnCreditHold("The customer is on credit hold: no new invoice can be issued")
    if customer is None or customer.credit_limit is None:
        return Verdict(Outcome.NOT_CHECKED)
    exposure = await exposure_of(session, customer, await context(session), invoice)
    assert exposure.limit is not None
    if exposure.total <= exposure.limit:
        return Verdict(Outcome.WITHIN_LIMIT)
    message = describe(invoice, exposure)
    if await approved_over_limit(session, invoice.id) is not None:
        return Verdict(Outcome.APPROVED, message)
    rules = await tier_rules_for(session, customer)
    mode = rules.exposure_check if rules is not None else ExposureCheck.BLOCK
    if mode is ExposureCheck.BLOCK:
        raise OverLimit(f"{message}; the customer's credit policy blocks it")
    if mode is ExposureCheck.APPROVE:
        return await _ask_approval(session, invoice, message)
    await _warn(session, customer, invoice, exposure, message)
    return Verdict(Outcome.WARNED, message)


async def _ask_approval(session: AsyncSession, invoice: Invoice, message: str) -> Verdict:
    request = await request_approval(
        session,
        kind=ApprovalKind.INVOICE_OVER_LIMIT,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        proposed={
            "amount": format_amount(invoice.total, invoice.currency),
            "currency": invoice.currency,
        },
        reason=message,
        requested_by=session.info.get("actor") or "system",
    )
    return Verdict(
        Outcome.PENDING_APPROVAL,
        f"{message}; it stays a draft until approval {request.id} is granted",
        request.id,
    )


async def _warn(
    session: AsyncSession, customer: Customer, invoice: Invoice, exposure: Exposure, message: str
) -> None:
    cur = exposure.currency
    figures = {
        "invoice_id": str(invoice.id),
        "exposure": format_amount(exposure.total, cur),
        "limit": format_amount(exposure.limit or ZERO, cur),
        "currency": cur,
    }
    emit(
        session,
        "invoice.over_limit",
        resource_type="invoice",
        resource_id=invoice.id,
        resource_version=invoice.version,
        data={"customer_id": str(customer.id), "detail": message, **figures},
    )
    await raise_signal(session, customer.id, Signal.EXPOSURE_NEAR_LIMIT, message, figures)
