"""Reading the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import select

from arplatform.api.conventions import DbSession, api_get
from arplatform.api.pagination import Cursor, Limit, page_of, paginate
from arplatform.api.problems import NotFound
from arplatform.audit.models import AuditEvent
from arplatform.auth.tokens import Role

AUDITORS = {Role.ADMIN, Role.CREDIT_MANAGER}


class AuditEventPage(msgspec.Struct, frozen=True):
    """One page of audit events; ``next_cursor`` is null on the last page."""

    data: list[AuditEventOut]
    next_cursor: str | None


class AuditEventOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: uuid.UUID
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


def _out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=event.id,
        occurred_at=event.occurred_at,
        actor=event.actor,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        request_id=event.request_id,
    )


class AuditController(Controller):
    path = "/v1/audit-events"
    tags = ["audit"]

    @api_get("/", roles=AUDITORS)
    async def list_audit_events(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        entity_type: Annotated[str | None, QueryParameter(min_length=1, max_length=64)] = None,
        entity_id: FromQuery[uuid.UUID | None] = None,
    ) -> AuditEventPage:
        """Every write, oldest first: who did what to which record, before and after."""
        stmt = select(AuditEvent)
        if entity_type is not None:
            stmt = stmt.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        rows = list((await session.scalars(paginate(stmt, AuditEvent.id, cursor, limit))).all())
        kept, next_cursor = page_of(rows, limit, lambda e: e.id)
        return AuditEventPage(data=[_out(e) for e in kept], next_cursor=next_cursor)

    @api_get("/{audit_event_id:uuid}", roles=AUDITORS)
    async def get_audit_event(
        self, session: DbSession, audit_event_id: FromPath[uuid.UUID]
    ) -> AuditEventOut:
        """One audit record."""
        event = await session.scalar(select(AuditEvent).where(AuditEvent.id == audit_event_id))
        if event is None:
            raise NotFound(f"No audit event {audit_event_id}")
        return _out(event)
