"""The outbox: only committed work reaches the broker, and committed work always does."""

from __future__ import annotations

import threading

import msgspec
import pytest

from arplatform.customers.schemas import CustomerCreate
from arplatform.customers.service import create_customer
from arplatform.settings import Settings
from tests.jobs.helpers import publish_rows, running_api, tenant_events, wait_until
from tests.support import CUSTOMER


class Boom(Exception):
    """The request fails after the service has emitted its event."""


def test_rolled_back_write_publishes_nothing_and_committed_one_is_published(
    backend_settings: Settings,
) -> None:
    """A transaction that rolls back after ``emit`` leaves no event and no outbox row; a
    committed one gets its event published by the embedded worker."""
    data = msgspec.convert(CUSTOMER, CustomerCreate)
    with running_api(backend_settings, jobs=True) as api:
        db, relay = api.app.state.db, api.app.state.relay
        tenant = api.new_tenant()

        async def rolled_back() -> None:
            async with db.session(tenant.tenant_id) as session, session.begin():
                await create_customer(session, data)
                await session.flush()  # the event and its outbox row reach the database
                raise Boom

        with pytest.raises(Boom):
            api.run(rolled_back)
        relay.nudge()

        async def committed() -> object:
            async with db.session(tenant.tenant_id) as session, session.begin():
                customer = await create_customer(session, data)
            return customer.id

        customer_id = api.run(committed)
        relay.nudge()

        def all_published() -> object:
            events = api.run(lambda: tenant_events(db, tenant.tenant_id))
            return events if events and all(e.published_at for e in events) else None

        events = wait_until(all_published, timeout=10, what="the committed event to be published")
        assert [(e.type, e.resource_id) for e in events] == [("customer.created", customer_id)]
        rows = api.run(lambda: publish_rows(db, tenant.tenant_id))
        assert [r.args["event_id"] for r in rows] == [str(events[0].id)]
        assert rows[0].dispatched_at is not None


def test_embedded_mode_publishes_a_created_customers_event(sqlite_settings: Settings) -> None:
    """Without ARP_BROKER_URL the app runs a StubBroker and a worker in-process: the
    ``customer.created`` event of a POST is published within seconds."""
    assert sqlite_settings.embedded_jobs
    with running_api(sqlite_settings, jobs=True) as api:
        tenant = api.new_tenant()
        created = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers())
        assert created.status_code == 201, created.text
        db = api.app.state.db

        def published() -> object:
            events = api.run(lambda: tenant_events(db, tenant.tenant_id))
            return events if events and events[0].published_at else None

        [event] = wait_until(published, timeout=10, what="customer.created to be published")
        assert event.type == "customer.created"
        assert str(event.resource_id) == created.json()["id"]
    # Stopping the app closed the worker's engine too: no SQLite connection thread lingers.
    lingering = [t.name for t in threading.enumerate() if "_connection_worker" in t.name]
    assert lingering == []
