"""Small drivers of the ledger API shared by the ledger tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import CUSTOMER, Api, TenantHandle


def customer(api: Api, tenant: TenantHandle, **fields: Any) -> str:
    response = api.client.post(
        "/v1/customers", json={**CUSTOMER, **fields}, headers=tenant.headers()
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def invoice(
    api: Api, tenant: TenantHandle, customer_id: str, price: str = "100", **fields: Any
) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "issue_date": "2026-01-10",
        "due_date": "2026-02-09",
        "lines": [{"description": "Goods", "quantity": "1", "unit_price": price}],
        **fields,
    }
    response = api.client.post("/v1/invoices", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


def pay(
    api: Api, tenant: TenantHandle, customer_id: str, amount: str, **fields: Any
) -> dict[str, Any]:
    body = {"customer_id": customer_id, "amount": amount, "received_on": "2026-02-01", **fields}
    response = api.client.post("/v1/payments", json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


def get(api: Api, tenant: TenantHandle, path: str) -> dict[str, Any]:
    response = api.client.get(path, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return dict(response.json())


def post(
    api: Api, tenant: TenantHandle, path: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    headers = {**tenant.headers(), "Idempotency-Key": uuid.uuid4().hex}
    response = api.client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    return dict(response.json())
