"""Disputes racing on one invoice on PostgreSQL never hold more than its open amount."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from tests.ledger.helpers import customer, get, invoice
from tests.support import Api

pytestmark = pytest.mark.postgres

RACERS = 12


def test_concurrent_disputes_never_exceed_the_open_amount(postgres_api: Api) -> None:
    api = postgres_api
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="100")
    body = {"invoice_id": bill["id"], "amount": "30", "reason": "quantity"}

    async def race() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            sent = [
                client.post("/v1/disputes", json=body, headers=tenant.headers())
                for _ in range(RACERS)
            ]
            return list(await asyncio.gather(*sent))

    statuses = sorted(r.status_code for r in api.run(race))
    assert statuses == [201] * 3 + [422] * (RACERS - 3)  # 3 x 30.00 of 100.00 fit
    held = get(api, tenant, f"/v1/disputes?invoice_id={bill['id']}")["data"]
    assert sum(Decimal(d["amount"]) for d in held) == Decimal("90.00")
