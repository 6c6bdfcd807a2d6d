"""The relay: concurrent relays send each message once; the backoff is bounded and monotonic."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from dramatiq.middleware import Middleware
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from arplatform.db.session import Database
from arplatform.jobs.broker import build_broker
from arplatform.jobs.catalog import platform_jobs
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue
from arplatform.jobs.relay import MAX_RETRY_DELAY, Relay, retry_delay
from arplatform.jobs.runtime import JobRuntime
from arplatform.settings import Settings


class Enqueued(Middleware):
    """Counts what reaches the broker, and holds each send a little so relays overlap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ids: list[str] = []

    def before_enqueue(self, broker: Any, message: Any, delay: Any) -> None:
        threading.Event().wait(0.002)
        with self._lock:
            self.ids.append(message.message_id)


@pytest.fixture
async def databases(backend_settings: Settings) -> AsyncIterator[list[Database]]:
    dbs = [Database(backend_settings.database_url, pool_size=2) for _ in range(4)]
    yield dbs
    await asyncio.gather(*(db.dispose() for db in dbs))


async def test_concurrent_relays_send_each_message_once(
    backend_settings: Settings, databases: list[Database]
) -> None:
    """Four relays on engines of their own drain the outbox together (``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL, the write lock on SQLite): every message reaches the broker once."""
    broker = build_broker(backend_settings, JobRuntime(backend_settings), platform_jobs())
    enqueued = Enqueued()
    broker.add_middleware(enqueued)
    relays = [Relay(db, broker, poll_seconds=60) for db in databases]
    async with databases[0].session(None) as session, session.begin():
        rows = [enqueue(session, "maintenance.purge", {"n": n}, tenant_id=None) for n in range(120)]
    ids = {str(row.id) for row in rows}
    try:
        for _ in range(10):
            await asyncio.gather(*(relay.dispatch_pending() for relay in relays))
            if ids <= set(enqueued.ids):
                break
        ours = [i for i in enqueued.ids if i in ids]
        assert sorted(ours) == sorted(ids)  # each exactly once
        async with databases[0].session(None) as session:
            pending = await session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.id.in_([row.id for row in rows]),
                    OutboxMessage.dispatched_at.is_(None),
                )
            )
            assert pending.all() == []
    finally:
        for relay in relays:
            relay.close()
        async with databases[0].session(None) as session, session.begin():
            await session.execute(
                delete(OutboxMessage).where(OutboxMessage.id.in_([uuid.UUID(i) for i in ids]))
            )


@given(st.integers(min_value=1, max_value=10**9))
def test_retry_delay_grows_and_is_bounded(attempts: int) -> None:
    """The relay's backoff after ``attempts`` failures is positive, non-decreasing, at most
    five minutes, and starts at one second."""
    delay = retry_delay(attempts)
    assert timedelta(seconds=1) <= delay <= MAX_RETRY_DELAY == timedelta(minutes=5)
    assert retry_delay(attempts + 1) >= delay
    assert retry_delay(1) == timedelta(seconds=1)


def test_unknown_actor_is_postponed_without_holding_back_the_batch(sqlite_settings) -> None:  # type: ignore[no-untyped-def]
    """A job of a newer release (actor unknown here) waits; the others still go out."""
    import asyncio

    from sqlalchemy import select

    from arplatform.db.session import Database
    from arplatform.jobs.broker import build_broker
    from arplatform.jobs.catalog import platform_jobs
    from arplatform.jobs.models import OutboxMessage
    from arplatform.jobs.outbox import enqueue
    from arplatform.jobs.relay import Relay
    from arplatform.jobs.runtime import JobRuntime

    async def scenario() -> dict[str, tuple[bool, int]]:
        db = Database(sqlite_settings.database_url)
        broker = build_broker(sqlite_settings, JobRuntime(sqlite_settings), platform_jobs())
        relay = Relay(db, broker, 1.0)
        try:
            async with db.session(None) as session, session.begin():
                unknown = enqueue(session, "future.job", {}, tenant_id=None)
                known = enqueue(session, "maintenance.purge", {}, tenant_id=None)
            await relay.dispatch_pending()
            async with db.session(None) as session:
                rows = {
                    row.id: row
                    for row in await session.scalars(
                        select(OutboxMessage).where(OutboxMessage.id.in_([unknown.id, known.id]))
                    )
                }
            return {
                "unknown": (rows[unknown.id].dispatched_at is not None, rows[unknown.id].attempts),
                "known": (rows[known.id].dispatched_at is not None, rows[known.id].attempts),
            }
        finally:
            relay.close()
            await db.dispose()

    outcome = asyncio.run(scenario())
    assert outcome == {"unknown": (False, 1), "known": (True, 0)}
