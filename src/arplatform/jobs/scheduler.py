"""The scheduler: it only enqueues periodic jobs through the outbox, never runs them.

Each period is enqueued with a dedupe key, so two schedulers (or a restart in
the middle of a period) enqueue it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select

from arplatform.db.base import utcnow
from arplatform.db.session import Database
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.outbox import enqueue

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Periodic:
    job: str
    every: timedelta


def period_key(periodic: Periodic, now: datetime) -> str:
    slot = int(now.timestamp() // periodic.every.total_seconds())
    return f"{periodic.job}@{slot}"


async def enqueue_due(db: Database, schedule: Sequence[Periodic], now: datetime) -> int:
    """Enqueue the current period of every periodic job not yet enqueued."""
    keys = {period_key(p, now): p for p in schedule}
    async with db.session(None, actor="scheduler") as session, session.begin():
        existing = set(
            (
                await session.scalars(
                    select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
                )
            ).all()
        )
        for key, periodic in keys.items():
            if key not in existing:
                enqueue(session, periodic.job, {}, tenant_id=None, dedupe_key=key)
        added = len(keys) - len(existing)
    return added


async def run_scheduler(
    db: Database,
    schedule: Sequence[Periodic],
    on_enqueued: Callable[[], None],
    tick_seconds: float = 30,
) -> None:
    """Loop until cancelled; a unique-key race with another scheduler is only logged."""
    while True:
        try:
            if await enqueue_due(db, schedule, utcnow()):
                on_enqueued()
        except Exception:
            log.exception("scheduler_tick_failed")
        await asyncio.sleep(tick_seconds)
