"""The credit check when an invoice is issued: block, warn or ask for approval.

Two rules are checked: exposure over the credit limit, and payment terms longer
than the tier's ``max_terms_days``. The customer's row is locked before exposure
is summed, so concurrent issues for one customer are checked one after the other
and never pass the limit together. The mode comes from the customer's tier in
the active credit policy; over the limit without a policy or a tier the check
blocks. A customer without a credit limit is not checked against one; a customer
without a tier is not checked against terms.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import Conflict
from arplatform.credit.approvals import (
    ApprovalKind,
    ApprovalStatus,
    approved_over_limit,
    request_approval,
)
from arplatform.credit.exposure import (
    ZERO,
    Exposure,
    PartKind,
    context,
    exposure_of,
    lock_customer,
)
from arplatform.credit.models import ApprovalRequest
from arplatform.credit.policies import tier_rules_for
from arplatform.credit.policy_schema import ExposureCheck, Signal, TierRules
from arplatform.credit.signals import raise_signal
from arplatform.credit.terms_check import OverMaxTerms, describe_terms, over_max_terms, terms_span
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


#: Which outcome a combined verdict takes: the first of these either check gave.
_PRECEDENCE = (
    Outcome.PENDING_APPROVAL,
    Outcome.WARNED,
    Outcome.APPROVED,
    Outcome.WITHIN_LIMIT,
    Outcome.NOT_CHECKED,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    message: str | None = None
    approval_ids: tuple[uuid.UUID, ...] = ()

    @property
    def may_issue(self) -> bool:
        return self.outcome is not Outcome.PENDING_APPROVAL

    def and_(self, other: Verdict | None) -> Verdict:
        """Both checks' verdicts as one: the weightier outcome, both messages, all requests."""
        if other is None:
            return self
        outcome = next(o for o in _PRECEDENCE if o in (self.outcome, other.outcome))
        messages = [m for m in (self.message, other.message) if m is not None]
        return Verdict(outcome, "; ".join(messages) or None, self.approval_ids + other.approval_ids)


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
    """Check ``invoice`` against its customer's hold, terms and limit before it is issued.

    Locks the customer first, so a hold or an issue committed meanwhile is seen.
    Raises :class:`OnCreditHold` (409) for a customer on hold. Terms longer than
    the tier allows, or exposure over the limit, follow the tier's
    ``exposure_check``: ``block`` raises :class:`OverMaxTerms` or
    :class:`OverLimit` (409); ``approve`` opens an ``invoice_over_terms`` or
    ``invoice_over_limit`` approval request and answers ``pending_approval`` (the
    invoice stays a draft) until it is approved; ``warn`` issues with a warning.
    """
    customer = await lock_customer(session, invoice.customer_id)
    if customer is not None and customer.credit_hold:
        raise OnCreditHold("The customer is on credit hold: no new invoice can be issued")
    if customer is None:
        return Verdict(Outcome.NOT_CHECKED)
    rules = await tier_rules_for(session, customer)
    terms = await _check_terms(session, invoice, rules)
    return (await _check_limit(session, customer, invoice, rules)).and_(terms)


async def _check_limit(
    session: AsyncSession, customer: Customer, invoice: Invoice, rules: TierRules | None
) -> Verdict:
    if customer.credit_limit is None:
        return Verdict(Outcome.NOT_CHECKED)
    exposure = await exposure_of(session, customer, await context(session), invoice)
    assert exposure.limit is not None
    if exposure.total <= exposure.limit:
        return Verdict(Outcome.WITHIN_LIMIT)
    message = describe(invoice, exposure)
    if await approved_over_limit(session, invoice.id) is not None:
        return Verdict(Outcome.APPROVED, message)
    mode = rules.exposure_check if rules is not None else ExposureCheck.BLOCK
    if mode is ExposureCheck.BLOCK:
        raise OverLimit(f"{message}; the customer's credit policy blocks it")
    if mode is ExposureCheck.APPROVE:
        return await _ask_approval(session, invoice, message)
    await _warn(session, customer, invoice, exposure, message)
    return Verdict(Outcome.WARNED, message)


async def _check_terms(
    session: AsyncSession, invoice: Invoice, rules: TierRules | None
) -> Verdict | None:
    """The tier's maximum terms, in the tier's mode (None: within it, or no tier)."""
    span = terms_span(
        invoice.issue_date,
        invoice.original_due_date,
        invoice.terms,
        invoice.delivery_date,
        invoice.acceptance_date,
    )
    if rules is None or not over_max_terms(span, rules):
        return None
    message = describe_terms(invoice.number or str(invoice.id), span, rules)
    if await _approved(session, ApprovalKind.INVOICE_OVER_TERMS, invoice.id):
        return Verdict(Outcome.APPROVED, message)
    if rules.exposure_check is ExposureCheck.BLOCK:
        raise OverMaxTerms(f"{message}; the customer's credit policy blocks it")
    if rules.exposure_check is ExposureCheck.APPROVE:
        proposed = {"terms_days": span.days, "max_terms_days": rules.max_terms_days}
        return await _request(session, invoice, ApprovalKind.INVOICE_OVER_TERMS, proposed, message)
    emit(
        session,
        "invoice.over_terms",
        resource_type="invoice",
        resource_id=invoice.id,
        resource_version=invoice.version,
        data={
            "customer_id": str(invoice.customer_id),
            "detail": message,
            "terms_days": span.days,
            "max_terms_days": rules.max_terms_days,
            "tier": rules.name,
        },
    )
    return Verdict(Outcome.WARNED, message)


async def _approved(session: AsyncSession, kind: ApprovalKind, invoice_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(ApprovalRequest.id)
        .where(
            ApprovalRequest.kind == kind,
            ApprovalRequest.invoice_id == invoice_id,
            ApprovalRequest.status == ApprovalStatus.APPROVED,
        )
        .limit(1)
    )
    return found is not None


async def _ask_approval(session: AsyncSession, invoice: Invoice, message: str) -> Verdict:
    proposed = {
        "amount": format_amount(invoice.total, invoice.currency),
        "currency": invoice.currency,
    }
    return await _request(session, invoice, ApprovalKind.INVOICE_OVER_LIMIT, proposed, message)


async def _request(
    session: AsyncSession,
    invoice: Invoice,
    kind: ApprovalKind,
    proposed: dict[str, Any],
    message: str,
) -> Verdict:
    request = await request_approval(
        session,
        kind=kind,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        proposed=proposed,
        reason=message,
        requested_by=session.info.get("actor") or "system",
    )
    return Verdict(
        Outcome.PENDING_APPROVAL,
        f"{message}; it stays a draft until approval {request.id} is granted",
        (request.id,),
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
