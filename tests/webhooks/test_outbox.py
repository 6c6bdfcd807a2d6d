"""Acceptance 3 (and 1 end to end): a rolled-back invoice sends nothing; a committed one is
delivered by the workers, signed, also when the broker was down at commit time."""

from __future__ import annotations

import time
import uuid

import msgspec
import pytest
from standardwebhooks import Webhook

from arplatform.invoices.schemas import InvoiceCreate
from arplatform.invoices.service import create_invoice
from arplatform.jobs.broker import build_broker
from arplatform.jobs.runtime import JobRuntime
from arplatform.settings import Settings
from tests.jobs.conftest import BrokerTarget
from tests.jobs.helpers import TcpProxy, publish_rows, running_api, start_worker, wait_until
from tests.support import CUSTOMER, make_settings
from tests.webhooks.receiver import Receiver


def _hook_settings(base: Settings, broker_url: str | None = None) -> Settings:
    return make_settings(
        base.database_url,
        migration_url=base.migration_database_url,
        broker_url=broker_url,
        ARP_WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",
        ARP_WEBHOOK_ALLOW_HTTP="1",
    )


class Rollback(Exception):
    pass


def _verified(receiver: Receiver, secret: str) -> list[dict[str, object]]:
    return [Webhook(secret).verify(r.body, r.headers) for r in list(receiver.received)]


def test_rolled_back_sends_nothing_committed_is_delivered(backend_settings: Settings) -> None:
    settings = _hook_settings(backend_settings)
    with Receiver() as receiver, running_api(settings, jobs=True) as api:
        tenant = api.new_tenant()
        headers = tenant.headers()
        hook = {"url": receiver.url, "event_types": ["invoice.*"]}
        created = api.client.post("/v1/webhook-endpoints", json=hook, headers=headers)
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        customer = api.client.post("/v1/customers", json=CUSTOMER, headers=headers).json()

        async def rolled_back() -> None:
            body = msgspec.convert(
                {"customer_id": customer["id"], "number": "ROLLED-BACK", "issue_date": "2026-11-01",
                 "lines": [{"description": "X", "quantity": "1", "unit_price": "10.00"}]},
                InvoiceCreate,
            )  # fmt: skip
            async with api.app.state.db.session(tenant.tenant_id) as session, session.begin():
                await create_invoice(session, body)
                raise Rollback

        with pytest.raises(Rollback):
            api.run(rolled_back)
        line = {"description": "X", "quantity": "1", "unit_price": "10.00"}
        invoice = {"customer_id": customer["id"], "number": "COMMITTED",
                   "issue_date": "2026-11-01", "lines": [line]}  # fmt: skip
        assert api.client.post("/v1/invoices", json=invoice, headers=headers).status_code == 201
        wait_until(receiver.count, timeout=20, what="the invoice webhook")
        time.sleep(1)  # anything else in flight arrives too
        messages = _verified(receiver, secret)
        log = api.client.get(f"/v1/webhook-endpoints/{created.json()['id']}/deliveries",
                             headers=headers).json()["data"]  # fmt: skip
    [entry] = log
    assert (entry["event_type"], entry["attempt"], entry["status_code"], entry["outcome"]) == (
        "invoice.issued",
        1,
        200,
        "succeeded",
    )
    assert entry["latency_ms"] >= 0 and entry["error"] is None and "body" not in entry
    assert [(m["type"], m["data"]["number"]) for m in messages] == [  # type: ignore[index]
        ("invoice.issued", "COMMITTED")
    ]


@pytest.mark.postgres
@pytest.mark.broker
def test_committed_while_the_broker_is_down_is_delivered_later(
    own_postgres_settings: Settings, broker_target: BrokerTarget, broker_proxy: TcpProxy
) -> None:
    settings = _hook_settings(own_postgres_settings, broker_target.url(broker_proxy.port))
    broker_proxy.stop()
    with Receiver() as receiver, running_api(settings) as api:
        tenant = api.new_tenant()
        hook = {"url": receiver.url, "event_types": ["customer.*"]}
        created = api.client.post("/v1/webhook-endpoints", json=hook, headers=tenant.headers())
        assert created.status_code == 201, created.text
        customer = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers())
        assert customer.status_code == 201, customer.text
        db = api.app.state.db

        def failed_send() -> object:
            rows = api.run(lambda: publish_rows(db, tenant.tenant_id))
            return rows if rows and rows[0].attempts >= 1 else None

        wait_until(failed_send, timeout=20, what="a failed send to the broker")
        broker_proxy.start()
        runtime = JobRuntime(_hook_settings(own_postgres_settings, broker_target.url()))
        broker = build_broker(runtime.settings, runtime, broker_target.jobs)
        worker, _ = start_worker(broker, threads=2)
        try:
            wait_until(receiver.count, timeout=30, what="the webhook after the outage")
        finally:
            worker.stop()
            broker.close()
        [message] = _verified(receiver, created.json()["secret"])
    assert message["type"] == "customer.created"
    assert uuid.UUID(str(message["id"]))
