"""Early-warning alerts: listing them and moving them from open to acknowledged to resolved."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_matching_page, fetch_one
from arplatform.api.problems import Conflict, FieldError, InvalidInput
from arplatform.credit.policies import active_policy
from arplatform.credit.signals import raise_signal, rule_for
from arplatform.credit.watch_models import CreditAlert
from arplatform.credit.watch_schemas import AlertCreate, AlertOut, AlertStatus
from arplatform.customers.models import Customer
from arplatform.db.base import utcnow
from arplatform.events.service import emit


def alert_out(row: CreditAlert) -> AlertOut:
    return AlertOut(
        id=row.id,
        customer_id=row.customer_id,
        signal=row.signal,
        detail=row.detail,
        facts=row.facts,
        status=row.status,
        raised_at=row.raised_at,
        policy_version=row.policy_version,
        actions=[str(action) for action in row.actions],
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        version=row.version,
    )


async def get_alert(session: AsyncSession, alert_id: uuid.UUID) -> CreditAlert:
    return await fetch_one(session, CreditAlert, alert_id, "alert")


async def list_alerts(
    session: AsyncSession,
    *,
    status: str | None,
    signal: str | None,
    customer_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CreditAlert], str | None]:
    return await fetch_matching_page(
        session, CreditAlert, cursor, limit, status=status, signal=signal, customer_id=customer_id
    )


async def create_alert(session: AsyncSession, data: AlertCreate) -> CreditAlert:
    """Raise a signal by hand; the policy's actions apply as for a detected one.

    422 when the customer does not exist or the active policy does not watch the
    signal; 409 when the customer's alert for that signal is still open.
    """
    customer_id = data.customer_id
    if await session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise InvalidInput(
            f"customer_id {customer_id} does not name a customer",
            errors=[FieldError(field="customer_id", message="no such customer")],
        )
    if rule_for(await active_policy(session), data.signal) is None:
        raise InvalidInput(f"The active credit policy does not watch {data.signal}")
    facts = {**data.facts, "raised_by": _actor(session)}
    alert = await raise_signal(session, customer_id, data.signal, data.detail, facts)
    if alert is None:
        raise Conflict(f"The customer's {data.signal} alert is still open; resolve it first")
    return alert


def _emit(session: AsyncSession, event_type: str, row: CreditAlert) -> None:
    emit(
        session,
        event_type,
        resource_type="alert",
        resource_id=row.id,
        resource_version=row.version,
        data={"customer_id": str(row.customer_id), "signal": row.signal},
    )


def _actor(session: AsyncSession) -> str:
    return str(session.info.get("actor") or "system")


async def acknowledge(
    session: AsyncSession, alert_id: uuid.UUID, if_match: str | None
) -> CreditAlert:
    """Someone is looking at it; acknowledging twice changes nothing. It stays armed."""
    row = await get_alert(session, alert_id)
    check_if_match(if_match, row.version)
    if row.status == AlertStatus.RESOLVED:
        raise Conflict(f"Alert {alert_id} is already resolved")
    if row.status == AlertStatus.OPEN:
        row.status = AlertStatus.ACKNOWLEDGED
        row.acknowledged_at, row.acknowledged_by = utcnow(), _actor(session)
        await session.flush()
        _emit(session, "alert.acknowledged", row)
    return row


async def resolve(session: AsyncSession, alert_id: uuid.UUID, if_match: str | None) -> CreditAlert:
    """Close it; the signal may then raise a new alert for the customer. Resolving twice: no-op."""
    row = await get_alert(session, alert_id)
    check_if_match(if_match, row.version)
    if row.status != AlertStatus.RESOLVED:
        row.status = AlertStatus.RESOLVED
        row.resolved_at, row.resolved_by = utcnow(), _actor(session)
        await session.flush()
        _emit(session, "alert.resolved", row)
    return row
