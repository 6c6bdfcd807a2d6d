"""No transaction is open while a bureau is asked; a paid order is committed before the call.

A provider class of this test (the Creditsafe client against a stand-in server)
holds each report order at a gate until the test opens it, so the test can act
while an assessment waits for its bureau.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, ClassVar

import pytest
from arplatform_credit_bureau_creditsafe.bureau import CreditsafeBureau
from arplatform_credit_bureau_creditsafe.standin import CreditsafeStandin
from litestar.testing import TestClient
from sqlalchemy import select

from arplatform.app import create_app
from arplatform.credit import assessment
from arplatform.credit.jobs import assess_customer
from arplatform.credit.models import CreditAssessment
from arplatform.jobs.runtime import JobContext
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.credit_bureau import CompanyRef, CreditBureau, CreditReport
from arplatform.settings import Settings
from tests.credit.assessment.helpers import assess, creditsafe, customer, post, set_policy
from tests.support import Api, TenantHandle

WAIT = 10.0


class Gate:
    """Report orders wait here until the test opens it; ``arrived`` names each order."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.arrived: queue.Queue[str] = queue.Queue()

    def __enter__(self) -> Gate:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.opened.set()  # never leave a request hanging, whatever the test asserted


GATES: list[Gate] = []


class GatedBureau(CreditsafeBureau):
    key: ClassVar[str] = "creditsafe_gated"
    display_name: ClassVar[str] = "Creditsafe (held at a gate)"

    async def fetch_report(self, ref: CompanyRef) -> CreditReport:
        gate = GATES[-1]
        gate.arrived.put(ref.provider_company_id)
        await asyncio.to_thread(gate.opened.wait, 3 * WAIT)
        return await super().fetch_report(ref)


class GatedPlugin:
    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[type[CreditBureau]]:
        return [GatedBureau]


@pytest.fixture
def gate() -> Iterator[Gate]:
    with Gate() as opened_at_the_end:
        GATES.append(opened_at_the_end)
        yield opened_at_the_end
        GATES.remove(opened_at_the_end)


@pytest.fixture
def gated_api(backend_settings: Settings) -> Iterator[Api]:
    app = create_app(backend_settings, plugins=[GatedPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, backend_settings)


def _tenant(api: Api, standin: CreditsafeStandin, buyers: int) -> tuple[TenantHandle, list[Any]]:
    """A tenant whose one bureau is the gated one, and ``buyers`` customers it knows."""
    tenant = api.new_tenant()
    config = {"base_url": standin.base_url, "timeout_seconds": 1}
    secrets = {"username": standin.username, "password": standin.password}
    body = {"kind": "credit_bureau", "provider": GatedBureau.key, "config": config}
    post(api, tenant, "/v1/integrations", {**body, "secrets": secrets})
    found = []
    for _ in range(buyers):
        buyer = customer(api, tenant)
        buyer["connect_id"] = standin.add_company(name=buyer["legal_name"], country="DE")
        found.append(buyer)
    return tenant, found


def test_while_a_bureau_answers_the_tenant_writes_and_orders_on(gated_api: Api, gate: Gate) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (first, second) = _tenant(api, standin, 2)
        with ThreadPoolExecutor(3) as pool, gate:
            waiting = pool.submit(assess, api, tenant, first["id"])
            assert gate.arrived.get(timeout=WAIT) == first["connect_id"]
            # Another write of the tenant completes while the paid call is out
            # (on SQLite: the app's one write lock is free).
            assert pool.submit(customer, api, tenant).result(timeout=WAIT)["id"]
            # A second order of the tenant passes the cap's lock meanwhile.
            also = pool.submit(assess, api, tenant, second["id"])
            assert gate.arrived.get(timeout=WAIT) == second["connect_id"]
            assert not waiting.done()
            gate.opened.set()
            decisions = [waiting.result(timeout=WAIT), also.result(timeout=WAIT)]
        assert [d["status"] for d in decisions] == ["decided", "decided"], decisions
        assert all(d["report_id"] for d in decisions)
        assert standin.report_count() == 2


def test_an_assessment_under_an_idempotency_key_waits_holding_no_lock(
    gated_api: Api, gate: Gate
) -> None:
    api = gated_api
    with CreditsafeStandin() as standin:
        tenant, (buyer,) = _tenant(api, standin, 1)
        url = f"/v1/customers/{buyer['id']}/assessments"
        headers = {**tenant.headers(), "Idempotency-Key": "assess-once"}

        def request() -> Any:
            return api.client.post(url, json={}, headers=headers)

        with ThreadPoolExecutor(2) as pool, gate:
            waiting = pool.submit(request)
            assert gate.arrived.get(timeout=WAIT) == buyer["connect_id"]
            assert pool.submit(customer, api, tenant).result(timeout=WAIT)["id"]
            gate.opened.set()
            answered = waiting.result(timeout=WAIT)
        assert answered.status_code == 201, answered.text
        replayed = request()
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.json() == answered.json()
        assert standin.report_count() == 1


def test_an_order_paid_before_the_assessment_failed_still_counts(
    gated_api: Api, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = gated_api
    gate.opened.set()
    with CreditsafeStandin() as standin:
        tenant, (failing, later) = _tenant(api, standin, 2)
        set_policy(api, tenant, daily_bureau_spend_cap=1)

        def broken(*_args: Any) -> None:
            raise RuntimeError("the decision could not be recorded")

        monkeypatch.setattr(assessment, "_emit", broken)
        url = f"/v1/customers/{failing['id']}/assessments"
        assert api.client.post(url, json={}, headers=tenant.headers()).status_code == 500
        monkeypatch.undo()
        assert standin.report_count() == 1

        # The paid report was kept: assessing the customer again reuses it.
        again = assess(api, tenant, failing["id"])
        assert again["status"] == "decided" and again["report_id"], again
        # And its order counted: the cap of one is reached for everyone else.
        capped = assess(api, tenant, later["id"])
        assert capped["status"] == "manual_review", capped
        assert any("spend cap" in reason for reason in capped["reasons"]), capped
        assert standin.report_count() == 1


def test_a_failed_assess_job_fails_whole_and_its_retry_reuses_the_paid_report(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing assessment job writes no decision (on PostgreSQL the job itself fails,
    so the worker tries it again); run again, it decides on the report the failed try
    paid for, without ordering it again."""
    state = api.app.state
    with CreditsafeStandin() as standin:
        tenant = api.new_tenant()
        creditsafe(api, tenant, standin)
        buyer = customer(api, tenant)
        standin.add_company(name=buyer["legal_name"], country="DE")
        args = {"customer_id": buyer["id"], "reason": "scheduled review"}

        async def run_job() -> None:
            async with (
                state.db.session(tenant.tenant_id, actor="job") as session,
                session.begin(),
            ):
                ctx = JobContext(
                    session, tenant.tenant_id, args, api.settings, state.db, state.providers
                )
                await assess_customer(ctx)
            for continuation in ctx.continuations:  # as the runtime does after commit
                await continuation()

        async def triggers() -> list[str]:
            async with state.db.session(tenant.tenant_id) as session:
                return list(await session.scalars(select(CreditAssessment.trigger)))

        def broken(*_args: Any) -> None:
            raise RuntimeError("the decision could not be recorded")

        monkeypatch.setattr(assessment, "_emit", broken)
        with pytest.raises(RuntimeError):
            api.run(run_job)
        monkeypatch.undo()
        assert api.run(triggers) == []
        api.run(run_job)
        assert api.run(triggers) == ["scheduled review"]
        assert standin.report_count() == 1
