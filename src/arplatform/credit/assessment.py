"""Assessing one customer: gather inputs, score, decide, apply or ask for approval, record.

A decision is ``decided`` (its tier, limit and terms are applied), ``pending_approval``
(the limit rises above the caller's authority: an approval request carries the
change) or ``manual_review`` (a bureau failed, timed out, answered nonsense, no
bureau knows the company, or the spend cap stopped the waterfall: the computed
outcome is recorded as a suggestion and nothing is applied).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import FieldError, InvalidInput
from arplatform.auth.tokens import Role
from arplatform.credit import approvals, bureau, changes
from arplatform.credit.behaviour import behaviours
from arplatform.credit.inputs import (
    country_ratings,
    inputs_for,
    load_exposures,
    load_rates,
    missing_rates,
    tier_caps,
)
from arplatform.credit.models import CreditAssessment
from arplatform.credit.policies import ActivePolicy, ensure_active_policy
from arplatform.credit.policy_schema import Signal
from arplatform.credit.scorecard import decide
from arplatform.credit.signals import raise_signal
from arplatform.customers.models import Customer
from arplatform.db.session import Database
from arplatform.events.service import emit
from arplatform.integrations.providers import Providers
from arplatform.tenants.clock import tenant_today
from arplatform.tenants.models import Tenant

log = structlog.get_logger(__name__)

#: The authority of scheduled and signal-triggered reviews: a credit manager's.
SYSTEM_ROLES = frozenset({Role.CREDIT_MANAGER})
REVIEW_OUTCOMES = {
    bureau.Outcome.FAILED: "a credit bureau failed: decide by hand",
    bureau.Outcome.UNKNOWN: "no credit bureau knows the company: decide by hand",
    bureau.Outcome.CAPPED: "the daily bureau spend cap is reached: decide by hand",
}


class Status(StrEnum):
    DECIDED = "decided"
    MANUAL_REVIEW = "manual_review"
    PENDING_APPROVAL = "pending_approval"


@dataclass(frozen=True, slots=True)
class _Subject:
    """What the first short transaction read: the customer, the policy, the bureau plan."""

    customer: Customer
    policy: ActivePolicy
    plan: bureau.Plan


async def assess(
    database: Database,
    session: AsyncSession,
    providers: Providers,
    customer_id: uuid.UUID,
    *,
    trigger: str,
    actor: str,
    roles: frozenset[Role],
    now: datetime | None = None,
) -> CreditAssessment:
    """Assess the customer under the active policy and record the decision in ``session``.

    The bureau work comes first, in short transactions of the session's tenant
    (``database``) with none open while a bureau is asked; ``session`` is used
    only afterwards, for the decision (the caller commits it). Emits
    ``customer.assessed``; a bureau score that dropped by the policy's threshold
    raises the ``bureau_score_drop`` signal.
    """
    now = now or datetime.now(UTC)
    await _release(session)
    sessions = bureau.Sessions.like(database, session)
    subject = await _prepare(sessions, providers, customer_id, now)
    document = subject.policy.document
    found = await bureau.lookup(sessions, providers, subject.customer, document, subject.plan, now)
    customer = await fetch_one(session, Customer, customer_id, "customer")
    record, change = await _decide(session, customer, subject.policy, found, now)
    record.trigger, record.requested_by = trigger, actor
    if record.status == Status.DECIDED:
        await _apply(session, customer, record, change, subject.policy, roles)
    session.add(record)
    await session.flush()
    _emit(session, record)
    await _score_signal(session, customer, subject.policy, subject.plan.latest, found)
    return record


async def _release(session: AsyncSession) -> None:
    """End a transaction the caller's session already holds, on SQLite only.

    There the session holds the app's one connection (an idempotency check reads
    before the handler runs), and the bureau's short transactions would wait for
    it until the pool gives up. What it did so far was a read. On PostgreSQL it
    stays open: it holds no lock of the tenant, only the idempotency key's own.
    """
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        await session.commit()


async def _prepare(
    sessions: bureau.Sessions, providers: Providers, customer_id: uuid.UUID, now: datetime
) -> _Subject:
    async with sessions.transaction() as session:
        customer = await fetch_one(session, Customer, customer_id, "customer")
        policy = await ensure_active_policy(session)
        plan = await bureau.plan(session, providers, customer, policy.document, now)
    return _Subject(customer, policy, plan)


async def _decide(
    session: AsyncSession,
    customer: Customer,
    policy: ActivePolicy,
    found: bureau.Lookup,
    now: datetime,
) -> tuple[CreditAssessment, changes.Change]:
    tenant = await session.get(Tenant, session.info["tenant_id"])
    assert tenant is not None
    today = tenant_today(tenant, now)
    document = policy.document
    behaviour = (await behaviours(session, today, document.sales_months, [customer.id]))[
        customer.id
    ]
    sources = {tenant.currency}
    if found.report is not None and found.report.recommended_limit is not None:
        sources.add(str(found.report.recommended_limit.currency))
    rates = await load_rates(session, tenant, {customer.currency}, sources, today)
    country = (await country_ratings(session)).get(customer.country)
    inputs = inputs_for(customer, behaviour, found.report, country, rates, today)
    caps = tier_caps(document, customer.currency, rates)
    outcome = decide(inputs, document, customer.currency, caps)
    missing = missing_rates(document, customer.currency, found.report, rates)
    review = _review_reason(found, missing, today)
    exposures = await load_exposures(session, tenant, [customer], today, customer.id)
    exposure = exposures.of(customer, customer.credit_limit if missing else outcome.limit)
    record = CreditAssessment(
        customer_id=customer.id,
        policy_id=policy.id,
        policy_number=policy.version,
        status=Status.MANUAL_REVIEW if review else Status.DECIDED,
        score=outcome.score,
        risk_tier=outcome.tier.name,
        recommended_limit=outcome.limit,
        currency=customer.currency,
        terms_days=outcome.terms_days,
        prepayment_required=outcome.tier.prepayment_required,
        guarantee_required=outcome.tier.guarantee_required,
        # A case decided by hand is retried tomorrow, not a whole review interval later.
        next_review_on=today + timedelta(days=1 if review else outcome.tier.review_interval_days),
        inputs=msgspec.to_builtins({"scorecard": inputs, "bureau": found.notes}),
        reasons=[*outcome.reasons, *found.notes, *([review] if review else [])],
        report_id=found.stored.id if found.stored is not None else None,
        created_at=now,
    )
    return record, changes.plan_change(customer, outcome, exposure, missing)


def _review_reason(found: bureau.Lookup, missing: tuple[str, ...], today: date) -> str | None:
    """Why the decision needs a person (None: it can be applied)."""
    if missing:
        return (
            f"no exchange rate {', '.join(missing)} on {today}: record one at /v1/fx-rates, "
            "then decide by hand"
        )
    return REVIEW_OUTCOMES.get(found.outcome)


async def _apply(
    session: AsyncSession,
    customer: Customer,
    record: CreditAssessment,
    change: changes.Change,
    policy: ActivePolicy,
    roles: frozenset[Role],
) -> None:
    """Apply the decision, or open an approval request when the limit exceeds authority."""
    authority = await approvals.authority_in(session, roles, customer.currency)
    if change.limit_raised and not approvals.within_authority(change.limit_to, authority):
        request = await approvals.request_approval(
            session,
            kind=approvals.ApprovalKind.LIMIT_CHANGE,
            customer_id=customer.id,
            proposed=change.proposed(),
            reason="; ".join(record.reasons),
            requested_by=record.requested_by,
        )
        record.status, record.approval_id = Status.PENDING_APPROVAL, request.id
        return
    await approvals.supersede_pending(
        session,
        customer.id,
        approvals.ApprovalKind.LIMIT_CHANGE,
        record.requested_by,
        "superseded by a newer decision",
    )
    changes.apply(customer, change)


def _emit(session: AsyncSession, record: CreditAssessment) -> None:
    emit(
        session,
        "customer.assessed",
        resource_type="customer",
        resource_id=record.customer_id,
        resource_version=None,
        data={
            "assessment_id": str(record.id),
            "status": record.status,
            "risk_tier": record.risk_tier,
            "recommended_limit": None
            if record.recommended_limit is None
            else str(record.recommended_limit),
            "policy_version": record.policy_number,
        },
    )


async def _score_signal(
    session: AsyncSession,
    customer: Customer,
    policy: ActivePolicy,
    previous: Any,
    found: bureau.Lookup,
) -> None:
    """Raise ``bureau_score_drop`` when a fresh report scores the policy's threshold lower."""
    rule = policy.document.signal_rule(Signal.BUREAU_SCORE_DROP)
    if (
        rule is None
        or found.outcome is not bureau.Outcome.FETCHED
        or previous is None
        or previous.score is None
        or found.report is None
        or found.report.score is None
    ):
        return
    drop = previous.score - found.report.score
    if drop < (rule.threshold or 0):
        return
    await raise_signal(
        session,
        customer.id,
        Signal.BUREAU_SCORE_DROP,
        f"bureau score fell from {previous.score} to {found.report.score}",
        {
            "from": previous.score,
            "to": found.report.score,
            "provider": found.report.ref.provider_company_id,
        },
    )


async def get_assessment(session: AsyncSession, assessment_id: uuid.UUID) -> CreditAssessment:
    return await fetch_one(session, CreditAssessment, assessment_id, "assessment")


async def list_assessments(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CreditAssessment], str | None]:
    """Decisions oldest first; ``status`` ``manual_review`` is the queue of open cases."""
    return await fetch_matching_page(
        session, CreditAssessment, cursor, limit, customer_id=customer_id, status=status
    )


async def customer_assessments(
    session: AsyncSession, customer_id: uuid.UUID, cursor: str | None, limit: int
) -> tuple[list[CreditAssessment], str | None]:
    """One customer's decisions (404 for an unknown customer)."""
    await fetch_one(session, Customer, customer_id, "customer")
    return await list_assessments(
        session, customer_id=customer_id, status=None, cursor=cursor, limit=limit
    )


async def assess_requested(
    database: Database,
    session: AsyncSession,
    providers: Providers,
    data_customer_id: uuid.UUID,
    *,
    reason: str | None,
    actor: str,
    roles: frozenset[Role],
) -> CreditAssessment:
    """An assessment asked for over the API; 422 when ``customer_id`` names no customer."""
    await _release(session)
    async with bureau.Sessions.like(database, session).transaction() as check:
        known = await check.scalar(select(Customer.id).where(Customer.id == data_customer_id))
    if known is None:
        message = f"customer_id {data_customer_id} does not name a customer"
        raise InvalidInput(message, errors=[FieldError(field="customer_id", message=message)])
    return await assess(
        database,
        session,
        providers,
        data_customer_id,
        trigger=reason or "request",
        actor=actor,
        roles=roles,
    )


async def due_for_review(session: AsyncSession, today: date) -> list[uuid.UUID]:
    """Customers whose latest decision's review date has come, and those never assessed."""
    latest = (
        select(CreditAssessment.customer_id, func.max(CreditAssessment.created_at).label("at"))
        .group_by(CreditAssessment.customer_id)
        .subquery()
    )
    due = await session.scalars(
        select(CreditAssessment.customer_id)
        .join(
            latest,
            (CreditAssessment.customer_id == latest.c.customer_id)
            & (CreditAssessment.created_at == latest.c.at),
        )
        .where(CreditAssessment.next_review_on <= today)
    )
    never = await session.scalars(
        select(Customer.id)
        .outerjoin(latest, latest.c.customer_id == Customer.id)
        .where(latest.c.customer_id.is_(None))
        .order_by(Customer.id)
    )
    return list(dict.fromkeys([*due, *never]))
