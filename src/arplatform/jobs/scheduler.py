"""The scheduler: it only enqueues periodic jobs through the outbox, never runs them.

Each period is enqueued with a dedupe key, so two schedulers (or a restart in
the middle of a period) enqueue it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult

from arplatform.db.base import new_id, utcnow
from arplatform.db.session import Database
from arplatform.jobs.models import OutboxMessage

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Periodic:
    job: str
    every: timedelta


def period_key(periodic: Periodic, now: datetime) -> str:
    slot = int(now.timestamp() // periodic.every.total_seconds())
    return f"{periodic.job}@{slot}"


async def enqueue_due(db: Database, schedule: Sequence[Periodic], now: datetime) -> int:
    """Enqueue the current period of every periodic job not yet enqueued.

    ``INSERT … ON CONFLICT DO NOTHING`` on the dedupe key: a scheduler that loses
    the race to another one skips that period instead of failing its whole tick.
    """
    insert = pg_insert if db.is_postgres else sqlite_insert
    added = 0
    async with db.session(None, actor="scheduler") as session, session.begin():
        for periodic in schedule:
            statement = (
                insert(OutboxMessage)
                .values(
                    id=new_id(),
                    tenant_id=None,
                    actor=periodic.job,
                    args={},
                    dedupe_key=period_key(periodic, now),
                )
                .on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
            )
            result = await session.execute(statement)
            added += int(cast("CursorResult[Any]", result).rowcount or 0)
    return added


async def run_scheduler(
    db: Database,
    schedule: Sequence[Periodic],
    on_enqueued: Callable[[], None],
    tick_seconds: float = 30,
) -> None:
    """Loop until cancelled; a failed tick is logged and retried at the next one."""
    while True:
        try:
            if await enqueue_due(db, schedule, utcnow()):
                on_enqueued()
        except Exception:
            log.exception("scheduler_tick_failed")
        await asyncio.sleep(tick_seconds)
