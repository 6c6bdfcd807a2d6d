"""Concurrent issues for one customer on PostgreSQL never take exposure over its limit."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from arplatform.credit.exposure_check import OnCreditHold
from arplatform.customers.holds import hold_customers
from arplatform.invoices import lifecycle
from tests.credit.watch.helpers import buyer
from tests.ledger.helpers import get
from tests.support import Api

pytestmark = pytest.mark.postgres

RACERS = 20


def test_concurrent_issues_never_exceed_the_limit(postgres_api: Api) -> None:
    api = postgres_api
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="1050.00")  # ten invoices of 100.00 fit, not eleven
    body = {
        "customer_id": cust,
        "issue_date": "2026-11-02",
        "due_date": "2026-12-02",
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": "100"}],
    }

    async def race() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            sent = [
                client.post("/v1/invoices", json=body, headers=tenant.headers())
                for _ in range(RACERS)
            ]
            return list(await asyncio.gather(*sent))

    started = time.perf_counter()
    responses = api.run(race)
    elapsed = time.perf_counter() - started
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * (RACERS - 10), [r.text for r in responses]
    assert all(
        r.json()["type"] == "/problems/credit-limit-exceeded"
        for r in responses
        if r.status_code == 409
    )
    exposure = get(api, tenant, f"/v1/customers/{cust}/exposure")
    assert Decimal(exposure["exposure"]) == Decimal("1000.00") <= Decimal(exposure["limit"])
    issued = get(api, tenant, f"/v1/invoices?customer_id={cust}&status=issued")["data"]
    assert len(issued) == 10
    print(f"{RACERS} concurrent issues checked in {elapsed:.2f}s")


def test_a_hold_committed_while_the_issue_waits_for_the_customer_is_seen(
    postgres_api: Api,
) -> None:
    api = postgres_api
    tenant = api.new_tenant()
    cust = buyer(api, tenant, limit="1000.00")
    draft = api.client.post(
        "/v1/invoices",
        json={
            "customer_id": cust,
            "issue_date": "2026-11-02",
            "due_date": "2026-12-02",
            "draft": True,
            "lines": [{"description": "Goods", "quantity": "1", "unit_price": "10"}],
        },
        headers=tenant.headers(),
    ).json()
    db = api.app.state.db

    async def issue() -> None:
        async with db.session(tenant.tenant_id, actor="test") as session, session.begin():
            await lifecycle.issue_draft(session, uuid.UUID(draft["id"]), None)

    async def race() -> BaseException | None:
        async with db.session(tenant.tenant_id, actor="test") as holder, holder.begin():
            assert await hold_customers(holder, [uuid.UUID(cust)])
            issuing = asyncio.create_task(issue())
            await asyncio.sleep(0.5)
            assert not issuing.done()  # it waits for the customer's row
        return (await asyncio.gather(issuing, return_exceptions=True))[0]

    outcome = api.run(race)
    assert isinstance(outcome, OnCreditHold), outcome
    assert get(api, tenant, f"/v1/invoices/{draft['id']}")["status"] == "draft"
