"""Rows and results of the policy/assessment half of credit as response bodies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arplatform.credit.changes import Change
from arplatform.credit.models import ApprovalRequest, CreditAssessment, CreditPolicy
from arplatform.credit.policies import document_of
from arplatform.credit.schemas import (
    ApprovalOut,
    AssessmentOut,
    CustomerChangeOut,
    PolicyOut,
    SimulationOut,
)
from arplatform.money import format_amount


def _amount(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else format_amount(value, currency)


def policy_out(row: CreditPolicy) -> PolicyOut:
    return PolicyOut(
        id=row.id,
        number=row.number,
        status=row.status,
        note=row.note,
        document=document_of(row),
        created_by=row.created_by,
        created_at=row.created_at,
        activated_at=row.activated_at,
        retired_at=row.retired_at,
        version=row.version,
    )


def change_out(change: Change) -> CustomerChangeOut:
    currency = change.currency
    exposure = change.exposure
    return CustomerChangeOut(
        customer_id=change.customer_id,
        legal_name=change.legal_name,
        currency=currency,
        score=change.score,
        tier_from=change.tier_from,
        tier_to=change.tier_to,
        limit_from=_amount(change.limit_from, currency),
        limit_to=_amount(change.limit_to, currency),
        terms_from=change.terms_from,
        terms_to=change.terms_to,
        exposure=None if exposure is None else format_amount(exposure.total, exposure.currency),
        exposure_currency=None if exposure is None else exposure.currency,
        over_limit=change.over_limit,
        missing_rates=list(change.missing_rates),
    )


def simulation_out(policy: CreditPolicy, as_of: date, changes: list[Change]) -> SimulationOut:
    """Counts over every customer; the list holds only customers that change or are over."""
    listed = [c for c in changes if c.changed or c.over_limit or c.missing_rates]
    return SimulationOut(
        policy_id=policy.id,
        number=policy.number,
        as_of=as_of,
        customers=len(changes),
        tier_moves=sum(c.tier_from != c.tier_to for c in changes),
        limit_changes=sum(c.limit_from != c.limit_to for c in changes),
        terms_changes=sum(c.terms_changed for c in changes),
        over_new_limit=sum(c.over_limit for c in changes),
        missing_rates=sum(bool(c.missing_rates) for c in changes),
        changes=[change_out(c) for c in listed],
    )


def assessment_out(row: CreditAssessment) -> AssessmentOut:
    limit = row.recommended_limit
    return AssessmentOut(
        id=row.id,
        customer_id=row.customer_id,
        policy_id=row.policy_id,
        policy_version=row.policy_number,
        status=row.status,
        trigger=row.trigger,
        requested_by=row.requested_by,
        score=row.score,
        risk_tier=row.risk_tier,
        recommended_limit=None if limit is None else format_amount(limit, row.currency),
        currency=row.currency,
        terms_days=row.terms_days,
        prepayment_required=row.prepayment_required,
        guarantee_required=row.guarantee_required,
        next_review_on=row.next_review_on,
        reasons=[str(reason) for reason in row.reasons],
        inputs=row.inputs,
        report_id=row.report_id,
        approval_id=row.approval_id,
        created_at=row.created_at,
    )


def approval_out(row: ApprovalRequest) -> ApprovalOut:
    return ApprovalOut(
        id=row.id,
        kind=row.kind,
        customer_id=row.customer_id,
        invoice_id=row.invoice_id,
        proposed=row.proposed,
        reason=row.reason,
        status=row.status,
        requested_by=row.requested_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        policy_id=row.policy_id,
        policy_version=row.policy_number,
        created_at=row.created_at,
        version=row.version,
    )
