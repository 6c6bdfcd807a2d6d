"""Idempotency-Key on creating POSTs: replay, mismatch, scope, expiry."""

from __future__ import annotations

from datetime import timedelta

from arplatform.auth.tokens import Role
from tests.support import CUSTOMER, Api, TenantHandle


def _customers(api: Api, tenant: TenantHandle) -> list[dict[str, object]]:
    response = api.client.get("/v1/customers", headers=tenant.headers())
    return list(response.json()["data"])


def _post(
    api: Api, tenant: TenantHandle, key: str, body: dict[str, object], role: Role = Role.ADMIN
):  # type: ignore[no-untyped-def]
    headers = {**tenant.headers(role), "Idempotency-Key": key}
    return api.client.post("/v1/customers", json=body, headers=headers)


def test_replay_returns_the_identical_response_and_one_row(api: Api) -> None:
    tenant = api.new_tenant()
    first = _post(api, tenant, "key-1", CUSTOMER)
    second = _post(api, tenant, "key-1", CUSTOMER)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["location"] == second.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(_customers(api, tenant)) == 1


def test_same_key_with_another_body_is_422_and_stores_nothing(api: Api) -> None:
    tenant = api.new_tenant()
    assert _post(api, tenant, "key-2", CUSTOMER).status_code == 201
    other = _post(api, tenant, "key-2", {**CUSTOMER, "legal_name": "Other AG"})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert [c["legal_name"] for c in _customers(api, tenant)] == ["Muster GmbH"]


def test_keys_are_scoped_to_client_and_tenant(api: Api) -> None:
    a, b = api.new_tenant("A"), api.new_tenant("B")
    assert _post(api, a, "shared", CUSTOMER).status_code == 201
    by_other_client = _post(api, a, "shared", CUSTOMER, Role.COLLECTOR)
    assert by_other_client.status_code == 201
    assert "idempotent-replayed" not in by_other_client.headers
    by_other_tenant = _post(api, b, "shared", CUSTOMER)
    assert by_other_tenant.status_code == 201
    assert len(_customers(api, a)) == 2
    assert len(_customers(api, b)) == 1


def test_failed_request_does_not_consume_the_key(api: Api) -> None:
    tenant = api.new_tenant()
    refused = _post(api, tenant, "key-3", {**CUSTOMER, "credit_limit": "1.001"})
    assert refused.status_code == 422
    accepted = _post(api, tenant, "key-3", {**CUSTOMER, "credit_limit": "1.00"})
    assert accepted.status_code == 201
    assert "idempotent-replayed" not in accepted.headers


def test_expired_key_runs_again(api: Api) -> None:
    """Keys are kept for the configured time (48 h by default), then forgotten."""
    from sqlalchemy import update

    from arplatform.api.idempotency import IdempotencyRecord
    from arplatform.db.base import utcnow

    assert api.settings.idempotency_ttl_hours >= 24
    tenant = api.new_tenant()
    assert _post(api, tenant, "key-4", CUSTOMER).status_code == 201

    async def expire() -> None:
        async with api.app.state.db.session(tenant.tenant_id) as session, session.begin():
            await session.execute(
                update(IdempotencyRecord).values(expires_at=utcnow() - timedelta(seconds=1))
            )

    api.run(expire)
    again = _post(api, tenant, "key-4", CUSTOMER)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert len(_customers(api, tenant)) == 2


def test_bad_key_is_400(api: Api) -> None:
    tenant = api.new_tenant()
    assert _post(api, tenant, "x" * 256, CUSTOMER).status_code == 400
    assert _post(api, tenant, "with space", CUSTOMER).status_code == 400
    assert _customers(api, tenant) == []


def test_a_secret_shown_once_is_not_replayed_nor_stored(api: Api) -> None:
    from sqlalchemy import select

    from arplatform.api.idempotency import IdempotencyRecord

    tenant = api.new_tenant()
    headers = {**tenant.headers(), "Idempotency-Key": "client-1"}
    body = {"name": "ERP", "roles": ["viewer"]}
    first = api.client.post("/v1/api-clients", json=body, headers=headers)
    replay = api.client.post("/v1/api-clients", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    secret = first.json()["client_secret"]
    assert secret.startswith("arps_")
    assert replay.json() == {**first.json(), "client_secret": None}

    async def stored() -> list[bytes]:
        async with api.app.state.db.session(tenant.tenant_id) as session:
            return list((await session.scalars(select(IdempotencyRecord.body))).all())

    assert all(secret.encode() not in record for record in api.run(stored))
