"""Concurrent requests on PostgreSQL: idempotent creation and If-Match are race-free.

Both requests of a pair run at the same time on the app's event loop (httpx
over an ASGI transport), each with its own session and connection.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from arplatform.customers.models import Customer
from arplatform.events.models import Event
from tests.support import CUSTOMER, Api, TenantHandle

pytestmark = pytest.mark.postgres

ROUNDS = 8
Request = tuple[str, str, dict[str, Any], dict[str, str]]  # method, path, json, headers


def _concurrently(api: Api, *requests: Request) -> list[httpx.Response]:
    """Send the requests at once on the app's loop; their responses, in order."""

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            sent = (client.request(m, p, json=j, headers=h) for m, p, j, h in requests)
            return list(await asyncio.gather(*sent))

    return api.run(send_all)


def _customers_named(api: Api, tenant: TenantHandle, legal_name: str) -> list[uuid.UUID]:
    async def query() -> list[uuid.UUID]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            stmt = select(Customer.id).where(Customer.legal_name == legal_name)
            return list(await session.scalars(stmt))

    return api.run(query)


def _events(api: Api, tenant: TenantHandle, event_type: str, resource_id: uuid.UUID) -> int:
    async def query() -> int:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            stmt = select(func.count()).where(
                Event.type == event_type, Event.resource_id == resource_id
            )
            return int(await session.scalar(stmt.select_from(Event)) or 0)

    return api.run(query)


def _assert_one_effect(first: httpx.Response, second: httpx.Response) -> httpx.Response:
    """201 twice with one body (one replayed), or a 201 and a 409 problem; the 201."""
    statuses = sorted([first.status_code, second.status_code])
    if statuses == [201, 201]:
        assert first.json() == second.json()
        replayed = sorted(str(r.headers.get("idempotent-replayed")) for r in (first, second))
        assert replayed == ["None", "true"]
        return first if "idempotent-replayed" not in first.headers else second
    assert statuses == [201, 409], [first.text, second.text]
    conflict, created = (first, second) if first.status_code == 409 else (second, first)
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert conflict.json()["status"] == 409
    return created


def test_concurrent_posts_with_one_idempotency_key_create_once(postgres_api: Api) -> None:
    """Two identical POSTs racing under one Idempotency-Key make one customer and one event."""
    tenant = postgres_api.new_tenant()
    for round_ in range(ROUNDS):
        body = {**CUSTOMER, "legal_name": f"Race {round_} GmbH"}
        headers = {**tenant.headers(), "Idempotency-Key": uuid.uuid4().hex}
        request: Request = ("POST", "/v1/customers", body, headers)
        created = _assert_one_effect(*_concurrently(postgres_api, request, request))

        [customer_id] = _customers_named(postgres_api, tenant, body["legal_name"])
        assert created.json()["id"] == str(customer_id)
        assert _events(postgres_api, tenant, "customer.created", customer_id) == 1

        again = postgres_api.client.post("/v1/customers", json=body, headers=headers)
        assert again.status_code == 201, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == created.json()


def test_concurrent_patches_with_one_if_match_let_one_win(postgres_api: Api) -> None:
    """Two PATCHes racing on the same ETag: exactly one 200, the other 412; no lost update."""
    tenant = postgres_api.new_tenant()
    for round_ in range(ROUNDS):
        body = {**CUSTOMER, "legal_name": f"Patch {round_}"}
        created = postgres_api.client.post("/v1/customers", json=body, headers=tenant.headers())
        assert created.status_code == 201, created.text
        path = f"/v1/customers/{created.json()['id']}"
        headers = {**tenant.headers(), "If-Match": created.headers["etag"]}
        names = [f"Winner {round_} A", f"Winner {round_} B"]
        patches: list[Request] = [("PATCH", path, {"legal_name": n}, headers) for n in names]
        responses = _concurrently(postgres_api, *patches)

        assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
        winner = 0 if responses[0].status_code == 200 else 1
        assert responses[1 - winner].headers["content-type"].startswith("application/problem+json")
        current = postgres_api.client.get(path, headers=tenant.headers())
        assert current.json()["legal_name"] == names[winner]
        assert current.json()["version"] == 2
        assert current.headers["etag"] == responses[winner].headers["etag"] == '"2"'
        customer_id = uuid.UUID(created.json()["id"])
        assert _events(postgres_api, tenant, "customer.updated", customer_id) == 1
