"""Emit events in the caller's transaction and publish them from a job."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.db.base import new_id, utcnow
from arplatform.events.catalogue import check_catalogued
from arplatform.events.models import Event
from arplatform.jobs.outbox import enqueue, enqueue_many

PUBLISH_JOB = "events.publish"

#: One event of :func:`emit_many`: the resource's id, its version and the event's data.
EventFacts = tuple[uuid.UUID, int | None, dict[str, Any]]

#: Something that must learn of every published event (webhook fan-out, alerts).
Subscriber = Callable[[AsyncSession, Event], Awaitable[None]]


def emit(
    session: AsyncSession,
    event_type: str,
    *,
    resource_type: str,
    resource_id: uuid.UUID,
    resource_version: int | None,
    data: dict[str, Any],
) -> Event:
    """Record ``event_type`` for a resource; it is published after the transaction commits.

    ``event_type`` must be in the catalogue (:class:`UnknownEventType` otherwise).
    """
    check_catalogued(event_type)
    event = Event(
        id=new_id(),
        type=event_type,
        resource_type=resource_type,
        resource_id=resource_id,
        resource_version=resource_version,
        data=data,
    )
    session.add(event)
    enqueue(session, PUBLISH_JOB, {"event_id": str(event.id)})
    return event


async def emit_many(
    session: AsyncSession, event_type: str, resource_type: str, events: list[EventFacts]
) -> None:
    """Record many events of one type with one statement each for events and jobs.

    For runs that emit thousands at once; the same guarantees as :func:`emit`.
    """
    check_catalogued(event_type)
    if not events:
        return
    now = utcnow()
    rows = [
        {
            "tenant_id": session.info["tenant_id"],
            "id": new_id(),
            "type": event_type,
            "occurred_at": now,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "resource_version": version,
            "data": data,
        }
        for resource_id, version, data in events
    ]
    table: Table = Event.__table__  # type: ignore[assignment]
    await session.execute(insert(table), rows)
    await enqueue_many(session, PUBLISH_JOB, [({"event_id": str(r["id"])}, None) for r in rows])


async def publish(
    session: AsyncSession, event_id: uuid.UUID, subscribers: list[Subscriber]
) -> bool:
    """Mark the event published and hand it to every subscriber, once."""
    event = await session.get(Event, (session.info["tenant_id"], event_id))
    if event is None or event.published_at is not None:
        return False
    for subscriber in subscribers:
        await subscriber(session, event)
    event.published_at = utcnow()
    return True


async def list_events(
    session: AsyncSession, *, event_type: str | None, cursor: str | None, limit: int
) -> tuple[list[Event], str | None]:
    """The tenant's events, oldest first, optionally of one type."""
    stmt = select(Event)
    if event_type is not None:
        stmt = stmt.where(Event.type == event_type)
    return await fetch_page(session, stmt, Event, cursor, limit)


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> Event:
    return await fetch_one(session, Event, event_id, "event")
