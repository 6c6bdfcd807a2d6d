"""The outbox relay: hands committed outbox messages to the broker.

Several relays may run at once (every API process, the scheduler): rows are
claimed with ``FOR UPDATE SKIP LOCKED``. A message sent twice (a crash between
send and mark) is harmless, because jobs keep receipts.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import dramatiq
import structlog
from dramatiq.errors import ActorNotFound
from sqlalchemy import select

from arplatform.db.base import utcnow
from arplatform.db.session import Database
from arplatform.jobs.broker import send
from arplatform.jobs.models import OutboxMessage

log = structlog.get_logger(__name__)

BATCH = 200
MAX_RETRY_DELAY = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Back off while the broker is away: 1 s, 2 s, 4 s … at most five minutes."""
    return min(timedelta(seconds=2 ** min(attempts - 1, 16)), MAX_RETRY_DELAY)


def _postpone(row: OutboxMessage, now: datetime, error: Exception) -> None:
    row.attempts += 1
    row.available_at = now + retry_delay(row.attempts)
    row.last_error = f"{type(error).__name__}: {error}"[:1000]
    log.warning("outbox_send_failed", actor=row.actor, error=row.last_error)


class Relay:
    """Moves pending outbox messages to the broker, on a nudge or every poll interval."""

    def __init__(self, db: Database, broker: dramatiq.Broker, poll_seconds: float) -> None:
        self._db = db
        self._broker = broker
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # pika connections are per thread and not thread-safe: one sender thread.
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-relay")

    def nudge(self) -> None:
        """Wake the relay now (after a commit that wrote outbox rows); safe from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def dispatch_pending(self) -> int:
        """Send what is due; returns how many messages reached the broker."""
        sent = 0
        async with self._db.session(None) as session, session.begin():
            now = utcnow()
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.dispatched_at.is_(None), OutboxMessage.available_at <= now)
                    .order_by(OutboxMessage.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            loop = asyncio.get_running_loop()
            for row in rows:
                try:
                    await loop.run_in_executor(self._sender, send, self._broker, row.actor, row.id)
                except ActorNotFound as exc:
                    # A newer release's job (rolling deploy): another relay will know it.
                    _postpone(row, now, exc)
                    continue
                except Exception as exc:  # noqa: BLE001 - the broker's many failure types
                    _postpone(row, now, exc)
                    break  # the broker is likely down: leave the rest for the next round
                row.dispatched_at = utcnow()
                sent += 1
        return sent

    async def run(self) -> None:
        """Loop until cancelled."""
        self._loop = asyncio.get_running_loop()
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
            self._wake.clear()
            try:
                while await self.dispatch_pending() == BATCH:
                    pass
            except Exception:
                log.exception("outbox_relay_failed")

    def stop(self) -> None:
        """Let ``run`` return after its current round (a cancellation alone can be lost)."""
        self._closed = True
        self.nudge()

    def close(self) -> None:
        """Close the broker's connections from the sender thread (pika's are per thread)."""
        with contextlib.suppress(Exception):
            self._sender.submit(self._broker.close).result(timeout=10)
        self._sender.shutdown(wait=False, cancel_futures=True)
