"""Writes audit rows for every flushed change of an :class:`Audited` model."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import structlog
from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from arplatform.audit.models import Audited, AuditEvent
from arplatform.db.base import new_id, utcnow


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _snapshot(obj: Any, *, before: bool) -> dict[str, Any]:
    state = inspect(obj)
    excluded = type(obj).__audit_exclude__
    snapshot: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in excluded:
            continue
        value = getattr(obj, attr.key)
        if before:
            history = state.attrs[attr.key].history
            if history.deleted:
                value = history.deleted[0]
        snapshot[attr.key] = _json_value(value)
    return snapshot


def _row(obj: Any, action: str, actor: str, request_id: str | None) -> dict[str, Any]:
    before = None if action == "create" else _snapshot(obj, before=True)
    after = None if action == "delete" else _snapshot(obj, before=False)
    return {
        "tenant_id": obj.tenant_id,
        "id": new_id(),
        "occurred_at": utcnow(),
        "actor": actor,
        "action": action,
        "entity_type": obj.__tablename__,
        "entity_id": obj.id,
        "before": before,
        "after": after,
        "request_id": request_id,
    }


def record_flush(session: Session) -> None:
    """Called after each flush, while its changes and their history are still visible."""
    actor = str(session.info.get("actor") or "system")
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    changes = [
        *(("create", obj) for obj in session.new),
        *(("update", obj) for obj in session.dirty if session.is_modified(obj)),
        *(("delete", obj) for obj in session.deleted),
    ]
    rows = [
        _row(obj, action, actor, request_id) for action, obj in changes if isinstance(obj, Audited)
    ]
    if rows:
        session.connection().execute(insert(AuditEvent), rows)
