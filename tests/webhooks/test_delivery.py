"""Acceptance 2: retries follow the schedule (injected clock) against a real receiver on
127.0.0.1 until it accepts, exactly once; 410 disables; five days of failures disable."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from arplatform.db.session import Database
from arplatform.events.models import Event
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers
from arplatform.settings import Settings
from arplatform.tenants.models import Tenant
from arplatform.webhooks.fanout import DELIVER_JOB, NOTIFY_DISABLED_JOB
from arplatform.webhooks.models import WebhookAttempt, WebhookEndpoint
from arplatform.webhooks.notify import notify_disabled
from arplatform.webhooks.rules import DISABLE_AFTER, SCHEDULE
from arplatform.webhooks.sending import Sender
from tests.webhooks.conftest import MAILBOX, RecordingMail
from tests.webhooks.helpers import (
    LOCAL,
    Clock,
    add_endpoint,
    attempt,
    deliveries,
    emit_and_publish,
    outbox,
)
from tests.webhooks.receiver import Receiver, always, failing_first

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    sender = Sender(LOCAL)
    yield sender
    await sender.aclose()


@pytest.mark.parametrize("k", [0, 1, 4])
async def test_retries_follow_the_schedule_until_the_receiver_accepts(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender, k: int
) -> None:
    box = providers.box
    with Receiver(script=failing_first(k)) as receiver:
        await add_endpoint(db, tenant_id, box, receiver.url, ["invoice.*"])
        await add_endpoint(db, tenant_id, box, receiver.url, ["customer.*"])  # not subscribed
        event_id = await emit_and_publish(db, tenant_id, "invoice.paid")
        [delivery] = await deliveries(db, tenant_id)
        clock = Clock(T0)
        for number in range(1, k + 2):
            decision = await attempt(db, tenant_id, box, sender, delivery.id, clock)
            assert decision is not None
            if number <= k:
                assert decision.outcome == "retry" and decision.next_at is not None
                [*_, job] = await outbox(db, tenant_id, DELIVER_JOB)
                assert job.available_at == decision.next_at
                clock.now = decision.next_at
            else:
                assert decision.outcome == "succeeded"
        # Redelivered job messages, later runs: nothing more is sent.
        assert await attempt(db, tenant_id, box, sender, delivery.id, clock) is None
        received = list(receiver.received)
    stamps = [int(r.headers["webhook-timestamp"]) for r in received]
    expected = [T0 + sum(SCHEDULE[1 : n + 1], timedelta(0)) for n in range(k + 1)]
    assert stamps == [int(t.timestamp()) for t in expected]
    assert {r.headers["webhook-id"] for r in received} == {str(event_id)}
    body = json.loads(received[-1].body)
    assert (body["id"], body["type"], body["tenant_id"]) == (str(event_id), "invoice.paid",
                                                              str(tenant_id))  # fmt: skip
    assert body["resource"]["version"] == 2 and body["data"] == {"number": "INV-7"}
    [done] = await deliveries(db, tenant_id)
    assert (done.status, done.attempts) == ("succeeded", k + 1)
    async with db.session(tenant_id) as session:
        log = (await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id))).all()
    assert [a.status_code for a in log] == [500] * k + [200]
    assert [a.error for a in log] == ["http_500"] * k + [None]


async def test_retry_after_is_honoured(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender
) -> None:
    with Receiver(script=always(503, **{"retry-after": "7200"})) as receiver:
        await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
        await emit_and_publish(db, tenant_id, "invoice.paid")
        [delivery] = await deliveries(db, tenant_id)
        decision = await attempt(db, tenant_id, providers.box, sender, delivery.id, Clock(T0))
    assert decision is not None and decision.next_at == T0 + timedelta(hours=2)


async def _endpoint(db: Database, tenant_id: uuid.UUID) -> WebhookEndpoint:
    async with db.session(tenant_id) as session:
        endpoint = await session.scalar(select(WebhookEndpoint))
        assert endpoint is not None
        return endpoint


async def _set_up_mail(db: Database, tenant_id: uuid.UUID) -> None:
    async with db.session(tenant_id) as session, session.begin():
        tenant = await session.get(Tenant, tenant_id)
        assert tenant is not None
        tenant.contact_email = "ops@hooks.example"
        session.add(Integration(kind="notification_channel", provider=RecordingMail.key, config={}))


async def test_410_disables_the_endpoint_and_tells_the_tenant(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender
) -> None:
    await _set_up_mail(db, tenant_id)
    with Receiver(script=always(410)) as receiver:
        endpoint_id, _ = await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
        await emit_and_publish(db, tenant_id, "invoice.paid")
        [delivery] = await deliveries(db, tenant_id)
        decision = await attempt(db, tenant_id, providers.box, sender, delivery.id, Clock(T0))
        assert decision is not None and decision.outcome == "endpoint_disabled"
        # Later events are not delivered to it: no delivery is even scheduled.
        await emit_and_publish(db, tenant_id, "invoice.issued")
        assert len(await deliveries(db, tenant_id)) == 1
    endpoint = await _endpoint(db, tenant_id)
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "gone")
    assert [d.status for d in await deliveries(db, tenant_id)] == ["failed"]
    async with db.session(tenant_id) as session:
        disabled = await session.scalar(
            select(Event).where(Event.type == "webhook_endpoint.disabled")
        )
    assert disabled is not None and disabled.resource_id == endpoint_id
    [job] = await outbox(db, tenant_id, NOTIFY_DISABLED_JOB)
    MAILBOX.clear()
    async with db.session(tenant_id) as session, session.begin():
        await notify_disabled(session, providers, uuid.UUID(job.args["endpoint_id"]))
    [mail] = MAILBOX
    assert mail.recipients[0].address == "ops@hooks.example"
    assert receiver.url in mail.text_body and "410" in mail.text_body


async def test_five_days_of_failures_disable_the_endpoint(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender
) -> None:
    with Receiver(script=always(500)) as receiver:
        await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
        await emit_and_publish(db, tenant_id, "invoice.paid")
        [delivery] = await deliveries(db, tenant_id)
        clock = Clock(T0 - DISABLE_AFTER)
        first = await attempt(db, tenant_id, providers.box, sender, delivery.id, clock)
        assert first is not None and first.outcome == "retry"
        assert (await _endpoint(db, tenant_id)).failing_since == clock.now
        await emit_and_publish(db, tenant_id, "invoice.issued")
        [_, later] = await deliveries(db, tenant_id)
        clock.now = T0
        decision = await attempt(db, tenant_id, providers.box, sender, later.id, clock)
    assert decision is not None and decision.outcome == "endpoint_disabled"
    endpoint = await _endpoint(db, tenant_id)
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")


async def test_a_success_clears_the_failing_state(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender,
    backend_settings: Settings,
) -> None:  # fmt: skip
    with Receiver(script=failing_first(1)) as receiver:
        await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
        await emit_and_publish(db, tenant_id, "invoice.paid")
        [delivery] = await deliveries(db, tenant_id)
        clock = Clock(T0)
        await attempt(db, tenant_id, providers.box, sender, delivery.id, clock)
        version = (await _endpoint(db, tenant_id)).version
        clock.now = T0 + timedelta(seconds=5)
        await attempt(db, tenant_id, providers.box, sender, delivery.id, clock)
    endpoint = await _endpoint(db, tenant_id)
    assert endpoint.failing_since is None
    assert endpoint.version == version  # operational state is no new version of the resource
