"""Fixtures of the PostgreSQL tests: two tenants with data, a database of one's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from arplatform.settings import Settings
from tests.postgres.pg import Seeded
from tests.support import (
    APP_ROLE,
    CUSTOMER,
    OWNER_ROLE,
    Api,
    TenantHandle,
    _pg_admin,
    invoice_body,
    make_settings,
    pg_url,
)


def _seed(api: Api, tenant: TenantHandle) -> str:
    headers = {**tenant.headers(), "Idempotency-Key": uuid.uuid4().hex}
    customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers)
    assert customer.status_code == 201, customer.text
    customer_id: str = customer.json()["id"]
    invoice = api.client.post(
        "/v1/invoices", json=invoice_body(customer_id), headers=tenant.headers()
    )
    assert invoice.status_code == 201, invoice.text
    return customer_id


@pytest.fixture
def seeded(postgres_api: Api) -> Seeded:
    a, b = postgres_api.new_tenant("Tenant A"), postgres_api.new_tenant("Tenant B")
    customers = {t.tenant_id: _seed(postgres_api, t) for t in (a, b)}
    return Seeded(postgres_api, a, b, customers)


@pytest.fixture
def fresh_postgres(postgres_settings: Settings) -> Iterator[Settings]:
    """Settings of an empty database owned by the owner role, dropped afterwards.

    Depends on ``postgres_settings`` for the reachability check and the roles.
    """
    database = f"arp_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin([f"CREATE DATABASE {database} OWNER {OWNER_ROLE}"]))
    try:
        yield make_settings(pg_url(APP_ROLE, database), migration_url=pg_url(OWNER_ROLE, database))
    finally:
        asyncio.run(_pg_admin([f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"]))
