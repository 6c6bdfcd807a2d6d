"""Policy versions over the API: drafts, simulation and activation.

``evaluate`` is the one function that computes what a policy version does to
every customer; a simulation returns its result, an activation applies exactly
that result. Both read stored data only (latest bureau reports, the ledger):
no bureau is called.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.credit import changes
from arplatform.credit.approvals import ApprovalKind, supersede_pending
from arplatform.credit.inputs import gather_all, missing_rates, tier_caps
from arplatform.credit.models import CreditAssessment, CreditPolicy
from arplatform.credit.policies import (
    PolicyStatus,
    document_of,
    ensure_active_policy,
    next_number,
    to_document_json,
)
from arplatform.credit.policy_schema import PolicyDocument
from arplatform.credit.schemas import PolicyCreate, PolicyUpdate
from arplatform.credit.scorecard import decide
from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.events.service import emit
from arplatform.tenants.clock import today


def check_document(document: PolicyDocument) -> PolicyDocument:
    """Refuse (422) a document whose tiers or signals break the rules across fields."""
    problems = document.problems()
    if problems:
        errors = [FieldError(field=f"document.{field}", message=m) for field, m in problems]
        raise InvalidInput("The policy document is not consistent", errors=errors)
    return document


async def create_draft(session: AsyncSession, data: PolicyCreate, actor: str) -> CreditPolicy:
    """A new draft version: the given document, or a copy of the active one."""
    active = await ensure_active_policy(session)
    document = active.document if data.document is None else check_document(data.document)
    draft = CreditPolicy(
        number=await next_number(session),
        status=PolicyStatus.DRAFT,
        document=to_document_json(document),
        note=data.note,
        created_by=actor,
    )
    session.add(draft)
    await session.flush()
    return draft


async def get_policy(session: AsyncSession, policy_id: uuid.UUID) -> CreditPolicy:
    return await fetch_one(session, CreditPolicy, policy_id, "credit policy")


async def list_policies(
    session: AsyncSession, *, status: str | None, cursor: str | None, limit: int
) -> tuple[list[CreditPolicy], str | None]:
    await ensure_active_policy(session)
    stmt = select(CreditPolicy)
    if status is not None:
        stmt = stmt.where(CreditPolicy.status == status)
    return await fetch_page(session, stmt, CreditPolicy, cursor, limit)


async def update_draft(
    session: AsyncSession, policy_id: uuid.UUID, data: PolicyUpdate, if_match: str | None
) -> CreditPolicy:
    """Change a draft; a version that is or was active is immutable (409)."""
    policy = await get_policy(session, policy_id)
    check_if_match(if_match, policy.version)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict(f"Version {policy.number} is {policy.status}; only drafts can change")
    if not isinstance(data.document, msgspec.UnsetType):
        policy.document = to_document_json(check_document(data.document))
    if not isinstance(data.note, msgspec.UnsetType):
        policy.note = data.note
    await session.flush()
    return policy


async def evaluate(
    session: AsyncSession, document: PolicyDocument, as_of: date
) -> list[changes.Change]:
    """Every customer's tier, limit and terms under ``document``, from stored data."""
    snapshot = await gather_all(session, document, as_of)
    result = []
    for customer in snapshot.customers:
        report = snapshot.reports.get(customer.id)
        missing = missing_rates(document, customer.currency, report, snapshot.rates)
        caps = tier_caps(document, customer.currency, snapshot.rates)
        outcome = decide(snapshot.inputs[customer.id], document, customer.currency, caps)
        limit = customer.credit_limit if missing else outcome.limit
        exposure = snapshot.exposures.of(customer, limit)
        result.append(changes.plan_change(customer, outcome, exposure, missing))
    return result


async def simulate(
    session: AsyncSession, policy_id: uuid.UUID
) -> tuple[CreditPolicy, date, list[changes.Change]]:
    """What activating the version would change now; nothing is written."""
    policy = await get_policy(session, policy_id)
    as_of = await today(session)
    return policy, as_of, await evaluate(session, document_of(policy), as_of)


async def activate(
    session: AsyncSession, policy_id: uuid.UUID, if_match: str | None, actor: str
) -> tuple[CreditPolicy, date, list[changes.Change]]:
    """Make the version the active one (the previous retires) and apply its changes.

    The changes applied are ``evaluate``'s, i.e. what ``simulate`` showed on the
    same data. Each changed or flagged customer gets a decision recorded under the
    new version; pending limit and tier requests made under the old one are
    rejected as superseded. Emits ``credit_policy.activated``.
    """
    await ensure_active_policy(session)
    policy = await get_policy(session, policy_id)
    check_if_match(if_match, policy.version)
    if policy.status == PolicyStatus.ACTIVE:
        raise Conflict(f"Version {policy.number} is already active")
    current = await session.scalar(
        select(CreditPolicy).where(CreditPolicy.status == PolicyStatus.ACTIVE).with_for_update()
    )
    now = utcnow()
    if current is not None:
        current.status, current.retired_at = PolicyStatus.RETIRED, now
        await session.flush()  # the partial unique index allows one active version
    policy.status, policy.activated_at, policy.retired_at = PolicyStatus.ACTIVE, now, None
    as_of = await today(session)
    document = document_of(policy)
    applied = await evaluate(session, document, as_of)
    customers = {c.id: c for c in (await session.scalars(select(Customer))).all()}
    note = f"superseded: policy version {policy.number} was activated"
    for change in applied:
        changes.apply(customers[change.customer_id], change)
        if change.changed or change.missing_rates:
            session.add(_activation_record(policy, document, change, as_of, actor))
    for kind in (ApprovalKind.LIMIT_CHANGE, ApprovalKind.TIER_CHANGE):
        await supersede_pending(session, None, kind, actor, note)
    await session.flush()
    emit(
        session,
        "credit_policy.activated",
        resource_type="credit_policy",
        resource_id=policy.id,
        resource_version=policy.version,
        data={"number": policy.number, "changed": sum(c.changed for c in applied)},
    )
    return policy, as_of, applied


def _activation_record(
    policy: CreditPolicy, document: PolicyDocument, change: changes.Change, day: date, actor: str
) -> CreditAssessment:
    """The decision an activation made for one customer, with its version and reasons."""
    tier = document.tier(change.tier_to) if change.tier_to else None
    reasons = [f"policy version {policy.number} activated", *change.reasons]
    if change.missing_rates:
        reasons.append(f"kept as is: no exchange rate {', '.join(change.missing_rates)}")
    interval = 1 if change.missing_rates or tier is None else tier.review_interval_days
    return CreditAssessment(
        customer_id=change.customer_id,
        policy_id=policy.id,
        policy_number=policy.number,
        status="manual_review" if change.missing_rates else "decided",
        trigger=f"policy version {policy.number} activated",
        requested_by=actor,
        score=change.score,
        risk_tier=change.tier_to,
        recommended_limit=change.limit_to,
        currency=change.currency,
        terms_days=change.terms_to,
        prepayment_required=tier.prepayment_required if tier else False,
        guarantee_required=tier.guarantee_required if tier else False,
        next_review_on=day + timedelta(days=interval),
        inputs={"activation": policy.number},
        reasons=reasons,
        created_at=utcnow(),
    )
