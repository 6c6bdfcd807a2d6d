"""How a job runs: in its tenant's scope, once per outbox message, in one transaction
(plus continuations the job defers until after that transaction committed)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.db.session import Database
from arplatform.integrations.providers import Providers, load_providers
from arplatform.jobs.models import JobReceipt, OutboxMessage
from arplatform.settings import Settings

log = structlog.get_logger(__name__)


#: Work a job defers until its transaction has committed (see :meth:`JobContext.after_commit`).
Continuation = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job function gets: its tenant's session and the message's arguments."""

    session: AsyncSession
    tenant_id: uuid.UUID | None
    args: dict[str, Any]
    settings: Settings
    database: Database
    providers: Providers
    continuations: list[Continuation] = field(default_factory=list)

    def after_commit(self, fn: Continuation) -> None:
        """Run ``fn`` once the job's transaction has committed, outside any transaction.

        For slow calls out (HTTP) that must not hold a connection or a lock. ``fn``
        opens its own short sessions (``ctx.database.session(ctx.tenant_id, ...)``).
        The message's receipt is committed by then, so a failing ``fn`` is not run
        again by a redelivery: the job must leave state that lets it be recovered
        (webhooks: a lease on the delivery that a periodic sweep picks up).
        Continuations run in the order registered; none runs if the transaction fails.
        """
        self.continuations.append(fn)


JobFunction = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A dramatiq actor of the platform, named ``<domain>.<verb>``."""

    name: str
    fn: JobFunction
    queue: str = "default"
    max_retries: int = 10
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 3_600_000
    options: dict[str, Any] = field(default_factory=dict)


async def _claim(
    session: AsyncSession, db: Database, spec: JobSpec, message: OutboxMessage
) -> bool:
    """Write the message's receipt; ``False`` when another run already wrote it."""
    insert = postgresql.insert if db.is_postgres else sqlite.insert
    stmt = (
        insert(JobReceipt)
        .values(outbox_id=message.id, actor=spec.name, tenant_id=message.tenant_id)
        .on_conflict_do_nothing(index_elements=[JobReceipt.outbox_id])
        .returning(JobReceipt.outbox_id)
    )
    return await session.scalar(stmt) is not None


class JobRuntime:
    """Runs jobs against a database engine owned by the event loop that runs them."""

    def __init__(self, settings: Settings, providers: Providers | None = None) -> None:
        self.settings = settings
        self.providers = providers if providers is not None else load_providers(settings)
        self._databases: dict[asyncio.AbstractEventLoop, Database] = {}

    def database(self) -> Database:
        # An async engine belongs to one event loop: the worker's AsyncIO
        # middleware runs actors on a loop of its own.
        loop = asyncio.get_running_loop()
        if loop not in self._databases:
            self._databases[loop] = Database(self.settings.database_url, pool_size=5)
        return self._databases[loop]

    async def execute(self, spec: JobSpec, outbox_id: uuid.UUID) -> bool:
        """Run ``spec`` for the message once; ``False`` when it had already run."""
        db = self.database()
        async with db.session(None) as session:
            message = await session.get(OutboxMessage, outbox_id)
        if message is None:
            log.warning("job_message_missing", actor=spec.name, outbox_id=str(outbox_id))
            return False
        actor = f"job:{spec.name}"
        async with db.session(message.tenant_id, actor=actor) as session, session.begin():
            # Claim the message before the work: a concurrent delivery waits on this row
            # and then finds it taken, instead of running the job (and its calls out) twice.
            if not await _claim(session, db, spec, message):
                log.info("job_already_done", actor=spec.name, outbox_id=str(outbox_id))
                return False
            context = JobContext(
                session, message.tenant_id, dict(message.args), self.settings, db, self.providers
            )
            await spec.fn(context)
        for continuation in context.continuations:
            await continuation()
        return True

    async def dispose_current(self) -> None:
        """Close the engine of the running loop (before that loop stops)."""
        db = self._databases.pop(asyncio.get_running_loop(), None)
        if db is not None:
            await db.dispose()

    async def dispose(self) -> None:
        for db in self._databases.values():
            await db.dispose()
        self._databases.clear()
