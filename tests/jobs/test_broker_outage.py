"""Acceptance: a write succeeds while the broker is down, and its event is published once later.

PostgreSQL and a real broker (RabbitMQ, then Redis) behind a TCP proxy that the
test takes down and brings back.
"""

from __future__ import annotations

import uuid

import pytest

from arplatform.jobs.broker import build_broker, send
from arplatform.jobs.runtime import JobRuntime
from arplatform.settings import Settings
from tests.jobs.conftest import BrokerTarget
from tests.jobs.helpers import (
    TcpProxy,
    publish_rows,
    receipt_count,
    running_api,
    start_worker,
    tenant_events,
    wait_until,
)
from tests.support import CUSTOMER, make_settings

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


def test_write_survives_broker_outage_and_is_published_once(
    own_postgres_settings: Settings, broker_target: BrokerTarget, broker_proxy: TcpProxy
) -> None:
    """Broker down: the POST still answers 201 and its outbox row stays pending with the error;
    broker back: the relay delivers, a worker publishes the event once, and a redelivery of the
    same message id changes nothing."""
    settings = make_settings(
        own_postgres_settings.database_url,
        migration_url=own_postgres_settings.migration_database_url,
        broker_url=broker_target.url(broker_proxy.port),
    )
    broker_proxy.stop()
    with running_api(settings) as api:
        db = api.app.state.db
        tenant = api.new_tenant()
        created = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers())
        assert created.status_code == 201, created.text

        def failing_twice() -> object:
            rows = api.run(lambda: publish_rows(db, tenant.tenant_id))
            return rows if rows and rows[0].attempts >= 2 else None

        [row] = wait_until(failing_twice, timeout=20, what="two failed sends")
        assert row.dispatched_at is None
        assert row.last_error
        event_id = uuid.UUID(row.args["event_id"])

        broker_proxy.start()

        def dispatched() -> object:
            rows = api.run(lambda: publish_rows(db, tenant.tenant_id))
            return rows[0].dispatched_at is not None

        wait_until(dispatched, timeout=20, what="the relay to deliver after the outage")

        worker_settings = make_settings(
            own_postgres_settings.database_url,
            migration_url=own_postgres_settings.migration_database_url,
            broker_url=broker_target.url(),
        )
        runtime = JobRuntime(worker_settings)
        broker = build_broker(worker_settings, runtime, broker_target.jobs)
        worker, processed = start_worker(broker)
        try:

            def published() -> object:
                events = api.run(lambda: tenant_events(db, tenant.tenant_id))
                event = next(e for e in events if e.id == event_id)
                return event.published_at

            published_at = wait_until(published, timeout=20, what="events.publish to run")
            assert api.run(lambda: receipt_count(db, row.id)) == 1

            # A redelivery: the same message (same message id) reaches the worker again.
            send(broker, "events.publish", row.id)
            wait_until(lambda: processed.count(str(row.id)) >= 2, timeout=20, what="redelivery")
            assert api.run(lambda: receipt_count(db, row.id)) == 1
            events = api.run(lambda: tenant_events(db, tenant.tenant_id))
            assert [e.published_at for e in events if e.id == event_id] == [published_at]
            assert [error for sent, error in processed.done if sent == str(row.id)] == [None, None]
        finally:
            worker.stop()
            broker.close()
