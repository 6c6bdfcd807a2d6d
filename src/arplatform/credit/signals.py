"""Raising a warning signal: one alert per customer and signal, and the policy's actions.

Detectors (the daily run, event subscribers, the assessment's bureau checks) call
:func:`raise_signal`; it records the alert unless one for that signal is still
open or acknowledged, emits ``customer.risk_signal`` and applies what the active
policy's rule for the signal says: re-assess, propose a downgrade, or hold.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.approvals import ApprovalKind, request_approval
from arplatform.credit.policies import SYSTEM_ACTOR, ActivePolicy, active_policy
from arplatform.credit.policy_schema import (
    DEFAULT_SIGNALS,
    PolicyDocument,
    Signal,
    SignalAction,
    SignalRule,
)
from arplatform.credit.watch_models import CreditAlert
from arplatform.customers.holds import hold_customers
from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.events.service import emit
from arplatform.jobs.outbox import enqueue

ASSESS_JOB = "credit.assess"
#: Alert states that still count as the customer's alert for a signal.
ACTIVE_STATES = ("open", "acknowledged")


def rule_for(policy: ActivePolicy | None, signal: Signal) -> SignalRule | None:
    """The rule for ``signal`` in the active policy (the defaults without one)."""
    rules = policy.document.signals if policy is not None else DEFAULT_SIGNALS
    return next((rule for rule in rules if rule.signal == signal), None)


def worse_tier(document: PolicyDocument, current: str | None) -> str | None:
    """The next worse tier than ``current`` (None: unknown tier or already the worst)."""
    ranked = [tier.name for tier in document.ranked()]
    if current not in ranked:
        return None
    index = ranked.index(current)
    return ranked[index + 1] if index + 1 < len(ranked) else None


async def active_alert(
    session: AsyncSession, customer_id: uuid.UUID, signal: Signal
) -> CreditAlert | None:
    return await session.scalar(
        select(CreditAlert).where(
            CreditAlert.customer_id == customer_id,
            CreditAlert.signal == signal,
            CreditAlert.status.in_(ACTIVE_STATES),
        )
    )


def _duplicate(exc: IntegrityError) -> bool:
    """A duplicate key: the partial unique index of open alerts (a foreign key is a bug)."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


async def _record(session: AsyncSession, alert: CreditAlert) -> bool:
    """Insert ``alert``; False when a concurrent run recorded the same signal first."""
    try:
        async with session.begin_nested():
            session.add(alert)
            await session.flush()
    except IntegrityError as exc:
        if not _duplicate(exc):
            raise
        return False
    return True


async def raise_signal(
    session: AsyncSession,
    customer_id: uuid.UUID,
    signal: Signal,
    detail: str,
    facts: dict[str, Any],
) -> CreditAlert | None:
    """Raise ``signal`` for a customer: the new alert, or None when nothing was raised.

    Nothing is raised when the active policy does not watch the signal or when the
    customer's alert for it is still open or acknowledged (resolve it to re-arm).
    """
    policy = await active_policy(session)
    rule = rule_for(policy, signal)
    if rule is None or await active_alert(session, customer_id, signal) is not None:
        return None
    alert = CreditAlert(
        customer_id=customer_id,
        signal=signal,
        detail=detail[:500],
        facts=facts,
        status="open",
        raised_at=utcnow(),
        policy_version=policy.version if policy else None,
        actions=[SignalAction.ALERT.value],
    )
    if not await _record(session, alert):
        return None
    taken = await _apply(session, policy, rule, alert)
    alert.actions = [SignalAction.ALERT.value, *taken]
    await session.flush()
    _announce(session, alert)
    return alert


def _announce(session: AsyncSession, alert: CreditAlert) -> None:
    emit(
        session,
        "customer.risk_signal",
        resource_type="customer",
        resource_id=alert.customer_id,
        resource_version=None,
        data={
            "alert_id": str(alert.id),
            "signal": str(alert.signal),
            "detail": alert.detail,
            "facts": alert.facts,
            "actions": alert.actions,
            "policy_version": alert.policy_version,
        },
    )


async def _apply(
    session: AsyncSession, policy: ActivePolicy | None, rule: SignalRule, alert: CreditAlert
) -> list[str]:
    """Apply the rule's actions beyond the alert; the ones actually taken, in words."""
    taken: list[str] = []
    reason = f"{alert.signal}: {alert.detail}"
    for action in rule.actions:
        if action is SignalAction.REASSESS:
            enqueue(session, ASSESS_JOB, {"customer_id": str(alert.customer_id), "reason": reason})
            taken.append(action.value)
        elif action is SignalAction.PROPOSE_DOWNGRADE:
            if await _propose_downgrade(session, policy, alert.customer_id, reason):
                taken.append(action.value)
        elif action is SignalAction.HOLD and await hold(session, alert.customer_id, reason):
            taken.append(action.value)
    return taken


async def _propose_downgrade(
    session: AsyncSession, policy: ActivePolicy | None, customer_id: uuid.UUID, reason: str
) -> bool:
    customer = await session.scalar(select(Customer).where(Customer.id == customer_id))
    document = policy.document if policy is not None else PolicyDocument()
    target = worse_tier(document, customer.risk_tier if customer else None)
    if target is None:
        return False
    await request_approval(
        session,
        kind=ApprovalKind.TIER_CHANGE,
        customer_id=customer_id,
        proposed={"risk_tier": target},
        reason=reason,
        requested_by=SYSTEM_ACTOR,
    )
    return True


async def hold(session: AsyncSession, customer_id: uuid.UUID, reason: str) -> bool:
    """Put the customer on credit hold (as dunning does); False when it already was."""
    if not await hold_customers(session, [customer_id]):
        return False
    emit(
        session,
        "customer.credit_hold",
        resource_type="customer",
        resource_id=customer_id,
        resource_version=None,
        data={"reason": reason},
    )
    return True
