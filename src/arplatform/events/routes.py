"""Reading the event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller
from litestar.params import FromPath, QueryParameter

from arplatform.api.conventions import ALL_ROLES, DbSession, api_get
from arplatform.api.pagination import Cursor, Limit
from arplatform.events import service
from arplatform.events.models import Event


class EventPage(msgspec.Struct, frozen=True):
    """One page of events; ``next_cursor`` is null on the last page."""

    data: list[EventOut]
    next_cursor: str | None


class EventOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    resource_type: str
    resource_id: uuid.UUID
    resource_version: int | None
    data: dict[str, Any]


def _out(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        type=event.type,
        occurred_at=event.occurred_at,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        resource_version=event.resource_version,
        data=event.data,
    )


class EventController(Controller):
    path = "/v1/events"
    tags = ["events"]

    @api_get("/", roles=ALL_ROLES)
    async def list_events(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        type: Annotated[
            str | None, QueryParameter(min_length=3, max_length=64, pattern=r"^[a-z_]+\.[a-z_]+$")
        ] = None,
    ) -> EventPage:
        """What happened to the tenant's resources, oldest first."""
        rows, next_cursor = await service.list_events(
            session, event_type=type, cursor=cursor, limit=limit
        )
        return EventPage(data=[_out(e) for e in rows], next_cursor=next_cursor)

    @api_get("/{event_id:uuid}", roles=ALL_ROLES)
    async def get_event(self, session: DbSession, event_id: FromPath[uuid.UUID]) -> EventOut:
        """One event."""
        return _out(await service.get_event(session, event_id))
