"""Reading the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller
from litestar.params import FromPath, FromQuery, QueryParameter

from arplatform.api.conventions import DbSession, api_get
from arplatform.api.pagination import Cursor, Limit
from arplatform.audit import service
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
        entity_type: Annotated[
            str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[a-z][a-z_]*$")
        ] = None,
        entity_id: FromQuery[uuid.UUID | None] = None,
    ) -> AuditEventPage:
        """Every write, oldest first: who did what to which record, before and after."""
        kept, next_cursor = await service.list_audit_events(
            session, entity_type=entity_type, entity_id=entity_id, cursor=cursor, limit=limit
        )
        return AuditEventPage(data=[_out(e) for e in kept], next_cursor=next_cursor)

    @api_get("/{audit_event_id:uuid}", roles=AUDITORS)
    async def get_audit_event(
        self, session: DbSession, audit_event_id: FromPath[uuid.UUID]
    ) -> AuditEventOut:
        """One audit record."""
        return _out(await service.get_audit_event(session, audit_event_id))
