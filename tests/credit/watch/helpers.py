"""Drivers of the credit-watch tests: tenants with a policy, FX rates, the daily detectors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.credit.approvals import decide
from arplatform.credit.exposure import context
from arplatform.credit.policies import ensure_active_policy
from arplatform.credit.signals_detect import run_detectors
from arplatform.credit.watch_jobs import WATCH_EVENT, WATCH_EVENT_JOB
from arplatform.events.jobs import SUBSCRIBERS
from arplatform.events.models import Event
from arplatform.events.service import publish
from arplatform.integrations.providers import load_providers
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobContext
from tests.ledger.helpers import customer
from tests.support import Api, TenantHandle

T = TypeVar("T")


def in_session(api: Api, tenant: TenantHandle, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one committed transaction of the tenant."""
    db = api.app.state.db

    async def run() -> T:
        async with db.session(tenant.tenant_id, actor="test") as session, session.begin():
            return await work(session)

    return api.run(run)


def with_default_policy(api: Api, tenant: TenantHandle) -> None:
    """Activate the default policy: priority warns, standard asks approval, watch blocks."""
    in_session(api, tenant, ensure_active_policy)


def buyer(api: Api, tenant: TenantHandle, limit: str | None = None, **fields: Any) -> str:
    return customer(api, tenant, credit_limit=limit, **fields)


def fx_rate(api: Api, tenant: TenantHandle, base: str, quote: str, rate: str, day: str) -> Any:
    body = {"base": base, "quote": quote, "rate": rate, "valid_from": day}
    response = api.client.post("/v1/fx-rates", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return response.json()


def detect(api: Api, tenant: TenantHandle, as_of: str) -> dict[str, int]:
    """The daily detectors as of ``as_of``, committed; alerts raised per signal."""

    async def work(session: AsyncSession) -> dict[str, int]:
        return await run_detectors(session, await context(session, date.fromisoformat(as_of)))

    return in_session(api, tenant, work)


def publish_pending_only(api: Api, tenant: TenantHandle) -> None:
    """Hand every unpublished event to the subscribers, as the ``events.publish`` job does."""

    async def work(session: AsyncSession) -> None:
        ids = (await session.scalars(select(Event.id).where(Event.published_at.is_(None)))).all()
        for event_id in ids:
            await publish(session, event_id, list(SUBSCRIBERS))

    in_session(api, tenant, work)


def publish_pending(api: Api, tenant: TenantHandle) -> int:
    """Publish the pending events, then run the ``credit.watch_event`` jobs they queued."""
    publish_pending_only(api, tenant)
    return run_watch_jobs(api, tenant)


def job_context(
    api: Api, tenant: TenantHandle, session: AsyncSession, args: dict[str, Any]
) -> JobContext:
    """What a worker hands a job of the tenant, on ``session``."""
    settings = api.settings
    return JobContext(
        session, tenant.tenant_id, args, settings, api.app.state.db, load_providers(settings)
    )


def run_watch_jobs(api: Api, tenant: TenantHandle) -> int:
    """Run the tenant's undispatched ``credit.watch_event`` jobs once each, as a worker would."""

    async def work(session: AsyncSession) -> int:
        stmt = select(OutboxMessage).where(
            OutboxMessage.actor == WATCH_EVENT_JOB,
            OutboxMessage.tenant_id == tenant.tenant_id,
            OutboxMessage.dispatched_at.is_(None),
        )
        messages = (await session.scalars(stmt)).all()
        for message in messages:
            await WATCH_EVENT.fn(job_context(api, tenant, session, message.args))
            message.dispatched_at = message.created_at
        return len(messages)

    return in_session(api, tenant, work)


def approve(api: Api, tenant: TenantHandle, approval_id: str) -> None:
    async def work(session: AsyncSession) -> None:
        await decide(
            session, uuid.UUID(approval_id), approve=True, actor="test", note=None, if_match=None
        )

    in_session(api, tenant, work)


def alerts(api: Api, tenant: TenantHandle, **params: str) -> list[dict[str, Any]]:
    response = api.client.get("/v1/alerts", params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return list(response.json()["data"])
