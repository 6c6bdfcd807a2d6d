"""Enqueue a job in the caller's transaction; the relay sends it after commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.db.base import new_id
from arplatform.db.session import session_tenant
from arplatform.jobs.models import OutboxMessage


def enqueue(
    session: AsyncSession,
    actor: str,
    args: dict[str, Any] | None = None,
    *,
    tenant_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
    available_at: datetime | None = None,
) -> OutboxMessage:
    """Record that ``actor`` must run with ``args``; nothing reaches the broker before commit."""
    message = OutboxMessage(
        tenant_id=tenant_id if tenant_id is not None else session_tenant(session.sync_session),
        actor=actor,
        args=args or {},
        dedupe_key=dedupe_key,
    )
    if available_at is not None:
        message.available_at = available_at
    session.add(message)
    session.info["outbox_pending"] = True
    return message


async def enqueue_many(
    session: AsyncSession, actor: str, jobs: list[tuple[dict[str, Any], str | None]]
) -> None:
    """Record many runs of ``actor`` (arguments, dedupe key) with one statement.

    For runs that queue thousands of jobs at once; same guarantees as :func:`enqueue`.
    """
    if not jobs:
        return
    tenant_id = session_tenant(session.sync_session)
    table: Table = OutboxMessage.__table__  # type: ignore[assignment]
    await session.execute(
        insert(table),
        [
            {"id": new_id(), "tenant_id": tenant_id, "actor": actor, "args": args,
             "dedupe_key": dedupe_key}
            for args, dedupe_key in jobs
        ],
    )  # fmt: skip
    session.info["outbox_pending"] = True
