"""``Idempotency-Key`` on creating POSTs, with the semantics of Stripe and the IETF draft.

The same key with the same request returns the stored response; the same key
with another request is refused (422); a key whose first request is still
running is refused (409). The stored response is written in the transaction of
the effect, so a crash can never leave one without the other.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar import Request, Response
from litestar.serialization import encode_json
from sqlalchemy import LargeBinary, String, UniqueConstraint, delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from arplatform.api.problems import Conflict, InvalidInput
from arplatform.db.base import Base, TenantScoped, utcnow

if TYPE_CHECKING:
    from arplatform.api.uow import UnitOfWork

HEADER = "idempotency-key"
#: Response headers a replay repeats (the credit check's verdict is part of an invoice's answer).
REPLAYED_HEADERS = ("etag", "location", "credit-check", "credit-warning", "credit-approval")


class IdempotencyRecord(TenantScoped, Base):
    """A completed request under an idempotency key, kept for the configured time."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "client_id", "key"),)

    client_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _fingerprint(request: Request[Any, Any, Any], body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _lock_key(tenant_id: uuid.UUID, client_id: str, key: str) -> str:
    return f"{tenant_id}:{client_id}:{key}"


async def check_idempotency(
    request: Request[Any, Any, Any], uow: UnitOfWork
) -> Response[Any] | None:
    """Before a creating POST: replay, refuse, or let it run and remember its response."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    principal = uow.principal
    session = uow.session
    fingerprint = _fingerprint(request, await request.body())
    if session.get_bind().dialect.name == "postgresql":
        # Held until the transaction ends: a concurrent request with this key
        # learns that the first one is still running instead of doing it twice.
        locked = await session.scalar(
            select(
                func.pg_try_advisory_xact_lock(
                    func.hashtextextended(
                        _lock_key(principal.tenant_id, principal.client_id, key), 0
                    )
                )
            )
        )
        if not locked:
            raise Conflict("A request with this Idempotency-Key is still in progress")
    record = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client_id == principal.client_id, IdempotencyRecord.key == key
        )
    )
    if record is not None and record.expires_at <= utcnow():
        await session.delete(record)
        await session.flush()
        record = None
    if record is None:
        uow.idempotency = (key, fingerprint)
        return None
    if record.fingerprint != fingerprint:
        raise InvalidInput("This Idempotency-Key was used with a different request")
    headers = {**record.headers, "Idempotent-Replayed": "true"}
    return Response(
        content=record.body,
        status_code=record.status_code,
        media_type="application/json",
        headers=headers,
    )


def _replayable(content: Any) -> Any:
    """The content as stored for replays: fields a struct names in ``__not_replayed__``
    (a secret shown once) are stored as null."""
    hidden: tuple[str, ...] = getattr(content, "__not_replayed__", ())
    if not hidden:
        return content
    return {**msgspec.to_builtins(content), **dict.fromkeys(hidden)}


async def remember_response(uow: UnitOfWork, response: Response[Any]) -> None:
    """Store the response under the request's key, in the effect's transaction."""
    if uow.idempotency is None:
        return
    key, fingerprint = uow.idempotency
    headers = {
        name: value for name, value in response.headers.items() if name.lower() in REPLAYED_HEADERS
    }
    now = utcnow()
    uow.session.add(
        IdempotencyRecord(
            client_id=uow.principal.client_id,
            key=key,
            fingerprint=fingerprint,
            status_code=response.status_code,
            body=encode_json(_replayable(response.content)),
            headers=headers,
            created_at=now,
            expires_at=now + uow.idempotency_ttl,
        )
    )


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Delete the session tenant's expired records (a maintenance job)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(cast("CursorResult[Any]", result).rowcount or 0)


async def idempotency_before_request(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """App-wide hook: applies to the operations declared idempotent."""
    if not request.route_handler.opt.get("idempotent"):
        return None
    from arplatform.api.uow import current_uow

    return await check_idempotency(request, current_uow())
