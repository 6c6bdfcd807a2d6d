"""Scheduled reviews: customers whose review date has come are queued once and re-assessed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from arplatform.credit.jobs import ASSESS_JOB, assess_customer, review_tenant
from arplatform.credit.models import CreditAssessment
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobContext
from tests.credit.assessment.helpers import assess, customer
from tests.support import Api, TenantHandle


def _run(api: Api, tenant: TenantHandle, job: Any, args: dict[str, Any]) -> None:
    """Run ``job`` as the runtime does: its transaction, then what it deferred past commit."""
    state = api.app.state

    async def go() -> None:
        async with state.db.session(tenant.tenant_id, actor="job") as session, session.begin():
            ctx = JobContext(
                session, tenant.tenant_id, args, api.settings, state.db, state.providers
            )
            await job(ctx)
        for continuation in ctx.continuations:
            await continuation()

    api.run(go)


def _queued(api: Api, tenant: TenantHandle) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        async with api.app.state.db.session(None) as session:
            rows = await session.scalars(
                select(OutboxMessage.args).where(
                    OutboxMessage.actor == ASSESS_JOB, OutboxMessage.tenant_id == tenant.tenant_id
                )
            )
            return list(rows)

    return api.run(read)


def test_due_reviews_are_queued_once_and_reassessed(api: Api) -> None:
    tenant = api.new_tenant()
    due, later = customer(api, tenant), customer(api, tenant)
    first = assess(api, tenant, due["id"])
    assess(api, tenant, later["id"])
    assert date.fromisoformat(first["next_review_on"]) > date.today()

    async def make_due() -> None:
        async with api.app.state.db.session(tenant.tenant_id) as session, session.begin():
            await session.execute(
                update(CreditAssessment)
                .where(CreditAssessment.id == uuid.UUID(first["id"]))
                .values(next_review_on=date.today() - timedelta(days=1))
            )

    api.run(make_due)
    _run(api, tenant, review_tenant, {})
    _run(api, tenant, review_tenant, {})  # the hourly fan-out runs again: nothing new
    assert _queued(api, tenant) == [{"customer_id": due["id"], "reason": "scheduled review"}]
    never = customer(api, tenant)  # never assessed: scheduled at the next fan-out
    _run(api, tenant, review_tenant, {})
    assert sorted(q["customer_id"] for q in _queued(api, tenant)) == sorted(
        [due["id"], never["id"]]
    )

    _run(api, tenant, assess_customer, {"customer_id": due["id"], "reason": "scheduled review"})
    listed = api.client.get(
        f"/v1/customers/{due['id']}/assessments", headers=tenant.headers()
    ).json()["data"]
    assert [a["trigger"] for a in listed] == ["request", "scheduled review"]
    assert listed[1]["requested_by"] == "system:credit"
