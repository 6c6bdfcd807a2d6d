"""The session's own wall, on both backends: a row never moves to another tenant.

On PostgreSQL RLS would refuse the UPDATE too; on SQLite the session is the only wall.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from arplatform.customers.models import Customer
from arplatform.db.session import TenantScopeError
from tests.support import CUSTOMER, Api


def test_session_refuses_to_move_a_row_to_another_tenant(api: Api) -> None:
    """Changing tenant_id of a loaded row fails at flush, and the row stays with its tenant."""
    a, b = api.new_tenant("A"), api.new_tenant("B")
    created = api.client.post("/v1/customers", json=CUSTOMER, headers=a.headers())
    assert created.status_code == 201, created.text
    customer_id = uuid.UUID(created.json()["id"])

    async def move() -> None:
        async with api.app.state.db.session(a.tenant_id) as session, session.begin():
            customer = await session.scalar(select(Customer).where(Customer.id == customer_id))
            assert customer is not None
            customer.tenant_id = b.tenant_id

    with pytest.raises(TenantScopeError, match="cannot move"):
        api.run(move)
    path = f"/v1/customers/{customer_id}"
    assert api.client.get(path, headers=a.headers()).status_code == 200
    assert api.client.get(path, headers=b.headers()).status_code == 404
