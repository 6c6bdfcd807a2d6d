"""Drivers of the collections tests: the daily run and holds on a chosen day, events by type."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import Any

from arplatform.collections.daily import run_daily
from arplatform.collections.holds import InstalmentHold, collection_holds
from arplatform.db.session import Database
from tests.support import Api, TenantHandle


async def _daily(db: Database, tenant_id: uuid.UUID, as_of: date) -> Counter[str]:
    async with db.session(tenant_id, actor="test") as session, session.begin():
        return await run_daily(session, as_of)


def run_day(api: Api, tenant: TenantHandle, as_of: str) -> Counter[str]:
    """The tenant's daily run as of ``as_of``, committed; the events it emitted."""
    db = api.app.state.db
    return api.run(lambda: _daily(db, tenant.tenant_id, date.fromisoformat(as_of)))


async def _holds(
    db: Database, tenant_id: uuid.UUID, as_of: date, customer_id: uuid.UUID | None
) -> dict[uuid.UUID, InstalmentHold]:
    async with db.session(tenant_id, actor="test") as session, session.begin():
        return await collection_holds(session, as_of, customer_id=customer_id)


def holds(
    api: Api, tenant: TenantHandle, as_of: str, customer_id: str | None = None
) -> list[InstalmentHold]:
    db = api.app.state.db
    customer = uuid.UUID(customer_id) if customer_id else None
    found = api.run(lambda: _holds(db, tenant.tenant_id, date.fromisoformat(as_of), customer))
    return sorted(found.values(), key=lambda h: (str(h.invoice_id), h.instalment_id))


def events(api: Api, tenant: TenantHandle, event_type: str) -> list[dict[str, Any]]:
    """All of the tenant's events of ``event_type``, oldest first."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"type": event_type, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/v1/events", params=params, headers=tenant.headers()).json()
        found.extend(page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            return found
