"""Webhook endpoints, one delivery per (endpoint, event) and the log of its attempts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.audit.models import Audited
from arplatform.db.base import Base, TenantScoped, Timestamped, Versioned, utcnow


class WebhookEndpoint(TenantScoped, Timestamped, Versioned, Audited, Base):
    """A receiver of the tenant's events; its signing secrets are sealed, never returned."""

    __tablename__ = "webhook_endpoints"
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset(
        {"secret_sealed", "previous_secret_sealed"}
    )

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(200))
    #: Patterns: ``invoice.paid``, ``invoice.*`` or ``*``.
    event_types: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: Why the platform disabled it: ``gone`` (410) or ``failing`` (5 days of failures).
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    secret_sealed: Mapped[str] = mapped_column(Text)
    #: The secret before the last rotation, also signed with until it expires.
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    #: First failed attempt since the last success; cleared by a success.
    failing_since: Mapped[datetime | None]


class WebhookDelivery(TenantScoped, Base):
    """One message to one endpoint; its ``message_id`` is the ``webhook-id`` header."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "endpoint_id"],
            ["webhook_endpoints.tenant_id", "webhook_endpoints.id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_deliveries_endpoint", "tenant_id", "endpoint_id", "id"),
        # The sweep's pending deliveries by due time, and the purge's finished ones.
        Index("ix_webhook_deliveries_status", "tenant_id", "status", "next_attempt_at"),
    )

    endpoint_id: Mapped[uuid.UUID]
    #: ``None`` for a test ping.
    event_id: Mapped[uuid.UUID | None]
    event_type: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    #: ``event``, ``replay`` or ``test``.
    reason: Mapped[str] = mapped_column(String(16))
    #: ``pending``, ``succeeded`` or ``failed`` (gave up, or the endpoint was disabled).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class WebhookAttempt(TenantScoped, Base):
    """One HTTP attempt of a delivery: what happened, never what the receiver answered."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "delivery_id"],
            ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_attempts_endpoint", "tenant_id", "endpoint_id", "id"),
        Index("ix_webhook_attempts_delivery", "tenant_id", "delivery_id"),
    )

    delivery_id: Mapped[uuid.UUID]
    endpoint_id: Mapped[uuid.UUID]
    attempt: Mapped[int]
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    #: ``succeeded``, ``retry``, ``failed`` or ``endpoint_disabled``.
    outcome: Mapped[str] = mapped_column(String(24))
    #: The failure's class: ``timeout``, ``connect_error``, ``redirect``, ``http_500``, ``refused``…
    error: Mapped[str | None] = mapped_column(String(64))
