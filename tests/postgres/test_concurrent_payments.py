"""Twenty payments racing on one invoice on PostgreSQL never apply more than its total."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from arplatform.payments.models import Allocation, Payment
from tests.ledger.helpers import customer, get, invoice
from tests.support import Api

pytestmark = pytest.mark.postgres

PAYMENTS = 20


def test_concurrent_payments_on_one_invoice(postgres_api: Api) -> None:
    api = postgres_api
    tenant = api.new_tenant()
    buyer = customer(api, tenant)
    bill = invoice(api, tenant, buyer, price="1000")  # 1,000.00; 20 x 75.00 = 1,500.00 paid
    body = {
        "customer_id": buyer,
        "amount": "75.00",
        "received_on": "2026-02-01",
        "allocations": [{"invoice_id": bill["id"]}],
    }

    async def race() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            sent = [
                client.post("/v1/payments", json=body, headers=tenant.headers())
                for _ in range(PAYMENTS)
            ]
            return list(await asyncio.gather(*sent))

    responses = api.run(race)
    assert [r.status_code for r in responses] == [201] * PAYMENTS, [r.text for r in responses]
    bodies = [r.json() for r in responses]
    applied = sum(Decimal(b["amount"]) - Decimal(b["unapplied"]) for b in bodies)
    credit = sum(Decimal(b["unapplied"]) for b in bodies)
    assert applied == Decimal("1000.00")
    assert credit == Decimal("500.00")
    settled = get(api, tenant, f"/v1/invoices/{bill['id']}")
    assert (settled["status"], settled["open_amount"]) == ("paid", "0.00")

    async def stored() -> tuple[Decimal, Decimal, int]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            booked = await session.scalar(select(func.sum(Allocation.amount)))
            unapplied = await session.scalar(select(func.sum(Payment.unapplied)))
            count = await session.scalar(select(func.count()).select_from(Payment))
            return Decimal(booked or 0), Decimal(unapplied or 0), int(count or 0)

    booked, unapplied, count = api.run(stored)
    assert (booked, unapplied, count) == (Decimal("1000"), Decimal("500"), PAYMENTS)
