"""Credit policy versions: the active one, the tenant's default, drafts and their lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.models import CreditPolicy
from arplatform.credit.policy_schema import PolicyDocument, TierRules
from arplatform.customers.models import Customer
from arplatform.db.base import utcnow

SYSTEM_ACTOR = "system:credit"


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class ActivePolicy:
    """The policy version decisions are made under now."""

    id: uuid.UUID
    version: int
    document: PolicyDocument


def document_of(policy: CreditPolicy) -> PolicyDocument:
    """The stored document, decoded (it was validated when written)."""
    return msgspec.convert(policy.document, PolicyDocument)


def to_document_json(document: PolicyDocument) -> dict[str, object]:
    encoded = msgspec.to_builtins(document)
    assert isinstance(encoded, dict)
    return encoded


async def active_policy(session: AsyncSession) -> ActivePolicy | None:
    """The tenant's active policy version, or None while it has none."""
    row = await session.scalar(
        select(CreditPolicy).where(CreditPolicy.status == PolicyStatus.ACTIVE)
    )
    if row is None:
        return None
    return ActivePolicy(id=row.id, version=row.number, document=document_of(row))


async def tier_rules_for(session: AsyncSession, customer: Customer) -> TierRules | None:
    """The active policy's rules for the customer's ``risk_tier`` (None: no policy or tier)."""
    policy = await active_policy(session)
    if policy is None or customer.risk_tier is None:
        return None
    return policy.document.tier(customer.risk_tier)


async def ensure_active_policy(session: AsyncSession) -> ActivePolicy:
    """The active policy; a tenant that never had one gets the default as version 1.

    Two first requests at once both try to insert version 1: the loser's savepoint
    rolls back on the unique key and it reads the winner's row.
    """
    current = await active_policy(session)
    if current is not None:
        return current
    if await session.scalar(select(func.count()).select_from(CreditPolicy)):
        # Versions exist but none is active: activation always retires the previous
        # one in the same transaction, so this state is never committed.
        raise LookupError("the tenant has credit policy versions but none is active")
    document = PolicyDocument()
    row = CreditPolicy(
        number=1,
        status=PolicyStatus.ACTIVE,
        document=to_document_json(document),
        note="Default policy",
        created_by=SYSTEM_ACTOR,
        activated_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = await active_policy(session)
        if winner is None:
            raise
        return winner
    return ActivePolicy(id=row.id, version=row.number, document=document)


async def next_number(session: AsyncSession) -> int:
    highest = await session.scalar(select(func.max(CreditPolicy.number)))
    return int(highest or 0) + 1
