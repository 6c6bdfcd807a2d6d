"""The ``credit.assess`` job queues its next attempt with its own commit: the attempt
does nothing after a success, and after a failure decides on the report the failed try
already paid for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from sqlalchemy import select

from arplatform.credit import assessment
from arplatform.credit.jobs import ASSESS_ATTEMPTS, ASSESS_JOB, assess_customer
from arplatform.credit.models import CreditAssessment
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobContext
from tests.credit.assessment.helpers import creditsafe, customer
from tests.support import Api


def _run_job(api: Api, tenant_id: uuid.UUID, args: dict[str, Any]) -> None:
    """As the runtime runs a job: its transaction, then what it deferred past commit."""
    state = api.app.state

    async def go() -> None:
        async with state.db.session(tenant_id, actor="job") as session, session.begin():
            ctx = JobContext(session, tenant_id, args, api.settings, state.db, state.providers)
            await assess_customer(ctx)
        for continuation in ctx.continuations:
            await continuation()

    api.run(go)


def _retries(api: Api, tenant_id: uuid.UUID) -> list[OutboxMessage]:
    async def go() -> list[OutboxMessage]:
        async with api.app.state.db.session(None) as session:
            stmt = select(OutboxMessage).where(
                OutboxMessage.tenant_id == tenant_id, OutboxMessage.actor == ASSESS_JOB
            )
            return list((await session.scalars(stmt.order_by(OutboxMessage.id))).all())

    return api.run(go)


def _triggers(api: Api, tenant_id: uuid.UUID) -> list[str]:
    async def go() -> list[str]:
        async with api.app.state.db.session(tenant_id) as session:
            return list(await session.scalars(select(CreditAssessment.trigger)))

    return api.run(go)


def test_a_failed_assessment_is_queued_again_and_reuses_the_paid_report(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        creditsafe(api, tenant, standin)
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        args = {"customer_id": buyer["id"], "reason": "scheduled review"}

        def broken(*_args: Any) -> None:
            raise RuntimeError("the decision could not be recorded")

        monkeypatch.setattr(assessment, "_emit", broken)
        _run_job(api, tenant.tenant_id, args)
        monkeypatch.undo()
        assert _triggers(api, tenant.tenant_id) == []  # nothing of the failed try was kept
        [retry] = _retries(api, tenant.tenant_id)
        assert {k: v for k, v in retry.args.items() if k != "queued_at"} == {**args, "attempt": 2}
        assert retry.available_at.replace(tzinfo=UTC) > datetime.now(UTC)  # later, not now

        _run_job(api, tenant.tenant_id, retry.args)
        assert _triggers(api, tenant.tenant_id) == ["scheduled review"]
        assert standin.report_count() == 1  # the retry reused the report already paid for


def test_after_a_success_the_queued_attempt_does_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    args = {"customer_id": buyer["id"], "reason": "signal"}
    _run_job(api, tenant.tenant_id, args)
    assert _triggers(api, tenant.tenant_id) == ["signal"]
    [retry] = _retries(api, tenant.tenant_id)
    _run_job(api, tenant.tenant_id, retry.args)
    assert _triggers(api, tenant.tenant_id) == ["signal"]  # not assessed a second time
    assert len(_retries(api, tenant.tenant_id)) == 1  # and nothing more queued


def test_the_last_attempt_is_not_queued_again(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = api.new_tenant()
    buyer = customer(api, tenant)

    def broken(*_args: Any) -> None:
        raise RuntimeError("the decision could not be recorded")

    monkeypatch.setattr(assessment, "_emit", broken)
    args = {"customer_id": buyer["id"], "reason": "signal", "attempt": ASSESS_ATTEMPTS}
    _run_job(api, tenant.tenant_id, args)
    assert _retries(api, tenant.tenant_id) == []
    assert _triggers(api, tenant.tenant_id) == []
