"""Reading the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.audit.models import AuditEvent


async def list_audit_events(
    session: AsyncSession,
    *,
    entity_type: str | None,
    entity_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEvent], str | None]:
    """The tenant's audit records, oldest first, optionally for one record or type."""
    stmt = select(AuditEvent)
    if entity_type is not None:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return await fetch_page(session, stmt, AuditEvent, cursor, limit)


async def get_audit_event(session: AsyncSession, audit_event_id: uuid.UUID) -> AuditEvent:
    return await fetch_one(session, AuditEvent, audit_event_id, "audit event")
