"""A delivery's life beyond one attempt: secret rotation through real deliveries, the sweep
that recovers lost attempts and disables long-failing endpoints, and the job through the
runtime (redelivered messages, no transaction open while the receiver answers)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from arplatform.db.session import Database
from arplatform.integrations.providers import Providers
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.runtime import JobRuntime
from arplatform.settings import Settings
from arplatform.webhooks import secrets
from arplatform.webhooks.delivery import LEASE, claim
from arplatform.webhooks.fanout import DELIVER_JOB
from arplatform.webhooks.jobs import DELIVER
from arplatform.webhooks.models import WebhookDelivery, WebhookEndpoint
from arplatform.webhooks.rules import DISABLE_AFTER
from arplatform.webhooks.sending import Sender
from arplatform.webhooks.service import LogFilter, list_attempts
from arplatform.webhooks.sweep import OVERDUE, sweep
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
from tests.webhooks.test_outbox import _hook_settings

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def _rotate(db: Database, tenant_id: uuid.UUID, providers: Providers, at: datetime) -> str:
    async with db.session(tenant_id) as session, session.begin():
        endpoint = await session.scalar(select(WebhookEndpoint))
        assert endpoint is not None
        return secrets.rotate(providers.box, endpoint, at)


async def _send_one(
    db: Database, tenant_id: uuid.UUID, providers: Providers, sender: Sender, at: datetime
) -> None:
    await emit_and_publish(db, tenant_id, "invoice.paid")
    pending = [d for d in await deliveries(db, tenant_id) if d.status == "pending"]
    decision = await attempt(db, tenant_id, providers.box, sender, pending[0].id, Clock(at))
    assert decision is not None and decision.outcome == "succeeded"


async def test_rotation_signs_with_both_secrets_for_a_day(
    db: Database, tenant_id: uuid.UUID, providers: Providers
) -> None:
    sender = Sender(LOCAL)
    now = datetime.now(UTC)  # the library checks the timestamp against its own clock
    try:
        with Receiver() as receiver:
            _, first = await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
            second = await _rotate(db, tenant_id, providers, now - secrets.ROTATION_GRACE)
            third = await _rotate(db, tenant_id, providers, now)
            await _send_one(db, tenant_id, providers, sender, now)
            await _rotate(db, tenant_id, providers, now - timedelta(hours=25))
            await _send_one(db, tenant_id, providers, sender, now)
            rotating, expired = list(receiver.received)
    finally:
        await sender.aclose()
    # Two rotations in a row: the second's predecessor signs, the first secret no longer.
    assert len(rotating.headers["webhook-signature"].split(" ")) == 2
    Webhook(third).verify(rotating.body, rotating.headers)
    Webhook(second).verify(rotating.body, rotating.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(first).verify(rotating.body, rotating.headers)
    # After the grace period only the current secret signs.
    assert len(expired.headers["webhook-signature"].split(" ")) == 1


async def test_the_sweep_recovers_a_lost_job_and_a_crash_mid_attempt(
    db: Database, tenant_id: uuid.UUID, providers: Providers
) -> None:
    sender = Sender(LOCAL)
    try:
        with Receiver() as receiver:
            await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
            await emit_and_publish(db, tenant_id, "invoice.paid")
            [delivery] = await deliveries(db, tenant_id)
            # The worker claims the attempt, then dies before sending.
            async with db.session(tenant_id) as session, session.begin():
                assert await claim(session, providers.box, delivery.id, now=T0) is not None
            async with db.session(tenant_id) as session, session.begin():
                assert await claim(session, providers.box, delivery.id, now=T0) is None  # leased
                assert await sweep(session, T0 + LEASE + OVERDUE / 2) == 0  # not overdue yet
            swept_at = T0 + LEASE + OVERDUE + timedelta(seconds=1)
            async with db.session(tenant_id) as session, session.begin():
                assert await sweep(session, swept_at) == 1
            async with db.session(tenant_id) as session, session.begin():
                assert await sweep(session, swept_at + OVERDUE / 2) == 0  # once per period
            [*_, job] = await outbox(db, tenant_id, DELIVER_JOB)
            assert job.args == {"delivery_id": str(delivery.id)}
            decision = await attempt(db, tenant_id, providers.box, sender, delivery.id,
                                     Clock(swept_at))  # fmt: skip
            assert decision is not None and decision.outcome == "succeeded"
            assert receiver.count() == 1
    finally:
        await sender.aclose()
    [done] = await deliveries(db, tenant_id)
    assert (done.status, done.attempts) == ("succeeded", 1)


async def test_the_sweep_disables_an_endpoint_failing_for_five_days_without_new_attempts(
    db: Database, tenant_id: uuid.UUID, providers: Providers
) -> None:
    sender = Sender(LOCAL)
    try:
        with Receiver(script=always(500)) as receiver:
            await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
            await emit_and_publish(db, tenant_id, "invoice.paid")
            [delivery] = await deliveries(db, tenant_id)
            await attempt(db, tenant_id, providers.box, sender, delivery.id, Clock(T0))
    finally:
        await sender.aclose()
    async with db.session(tenant_id) as session, session.begin():
        await sweep(session, T0 + DISABLE_AFTER - timedelta(minutes=1))
        endpoint = await session.scalar(select(WebhookEndpoint))
        assert endpoint is not None and endpoint.enabled
    async with db.session(tenant_id) as session, session.begin():
        await sweep(session, T0 + DISABLE_AFTER)
        endpoint = await session.scalar(select(WebhookEndpoint))
        assert endpoint is not None
        assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")


async def _deliver_messages(db: Database, tenant_id: uuid.UUID) -> list[OutboxMessage]:
    return await outbox(db, tenant_id, DELIVER_JOB)


async def test_the_job_sends_outside_its_transaction_and_once_per_message(
    db: Database, tenant_id: uuid.UUID, providers: Providers, backend_settings: Settings
) -> None:
    """While the receiver takes its time, the delivery's row is writable (no transaction
    holds it, nor SQLite's write lock); a redelivered message sends nothing again."""
    runtime = JobRuntime(_hook_settings(backend_settings), providers)
    try:
        with Receiver(delay=1.5) as receiver:
            await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
            await emit_and_publish(db, tenant_id, "invoice.paid")
            [delivery] = await deliveries(db, tenant_id)
            [message] = await _deliver_messages(db, tenant_id)

            async def write_while_sending() -> int:
                while receiver.count() == 0:
                    await asyncio.sleep(0.02)
                async with db.session(tenant_id) as session, session.begin():
                    await session.execute(
                        update(WebhookDelivery)
                        .where(WebhookDelivery.id == delivery.id)
                        .values(reason=WebhookDelivery.reason)
                    )
                    row = await session.get(WebhookDelivery, (tenant_id, delivery.id))
                    assert row is not None
                    return row.attempts

            ran, attempts_seen = await asyncio.wait_for(
                asyncio.gather(runtime.execute(DELIVER, message.id), write_while_sending()), 10
            )
            assert ran and attempts_seen == 0  # written before the attempt was recorded
            assert not await runtime.execute(DELIVER, message.id)  # redelivered message
            # A second message for the same attempt (the sweep's): claimed nothing, sent nothing.
            async with db.session(tenant_id) as session, session.begin():
                enqueue(session, DELIVER_JOB, dict(message.args))
            [_, duplicate] = await _deliver_messages(db, tenant_id)
            assert await runtime.execute(DELIVER, duplicate.id)
            assert receiver.count() == 1
    finally:
        await runtime.dispose()
    [done] = await deliveries(db, tenant_id)
    assert (done.status, done.attempts) == ("succeeded", 1)


async def test_the_log_lists_newest_first_and_filters(
    db: Database, tenant_id: uuid.UUID, providers: Providers
) -> None:
    sender = Sender(LOCAL)
    try:
        with Receiver(script=failing_first(1)) as receiver:
            endpoint_id, _ = await add_endpoint(db, tenant_id, providers.box, receiver.url, ["*"])
            event_id = await emit_and_publish(db, tenant_id, "invoice.paid")
            [delivery] = await deliveries(db, tenant_id)
            clock = Clock(T0)
            for _ in range(2):
                decision = await attempt(db, tenant_id, providers.box, sender, delivery.id, clock)
                assert decision is not None
                clock.now = decision.next_at or clock.now
    finally:
        await sender.aclose()

    async def log(where: LogFilter, cursor: str | None = None) -> tuple[list[str], str | None]:
        async with db.session(tenant_id) as session:
            rows, after = await list_attempts(session, endpoint_id, where, cursor=cursor, limit=1)
        return [a.outcome for a, _ in rows], after

    newest, after = await log(LogFilter())
    assert newest == ["succeeded"] and after is not None
    assert await log(LogFilter(), after) == (["retry"], None)
    assert await log(LogFilter(outcome="retry")) == (["retry"], None)
    assert (await log(LogFilter(event_id=event_id)))[0] == ["succeeded"]
    assert await log(LogFilter(event_id=uuid.uuid4())) == ([], None)
