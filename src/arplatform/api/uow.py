"""One unit of work per request: a tenant-scoped session, committed once on success."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.idempotency import remember_response
from arplatform.auth.tokens import Principal
from arplatform.db.session import Database

_current: ContextVar[UnitOfWork | None] = ContextVar("arplatform_uow", default=None)


class UnitOfWork:
    """Opens its session on first use, with the tenant of the authenticated caller."""

    def __init__(
        self, db: Database, scope: Scope, on_commit: Callable[[], None], idempotency_ttl: timedelta
    ) -> None:
        self._db = db
        self.idempotency_ttl = idempotency_ttl
        self._scope = scope
        self._on_commit = on_commit
        self._session: AsyncSession | None = None
        #: Set by the idempotency hook: (key, fingerprint) to store with the response.
        self.idempotency: tuple[str, str] | None = None

    @property
    def principal(self) -> Principal:
        user = self._scope.get("user")
        if not isinstance(user, Principal):
            raise RuntimeError("the unit of work needs an authenticated caller")
        return user

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            principal = self.principal
            self._session = self._db.session(principal.tenant_id, actor=principal.actor)
        return self._session

    async def commit(self) -> None:
        if self._session is None:
            return
        wrote_outbox = bool(self._session.info.pop("outbox_pending", False))
        await self._session.commit()
        if wrote_outbox:
            self._on_commit()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def current_uow() -> UnitOfWork:
    uow = _current.get()
    if uow is None:
        raise RuntimeError("no unit of work outside a request")
    return uow


def unit_of_work_middleware(app: ASGIApp) -> ASGIApp:
    """Give each HTTP request a unit of work, and always release its session."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        litestar_app = scope["litestar_app"]
        state = litestar_app.state
        ttl = timedelta(hours=state.settings.idempotency_ttl_hours)
        uow = UnitOfWork(state.db, scope, state.relay.nudge, ttl)
        token = _current.set(uow)
        try:
            await app(scope, receive, send)
        finally:
            _current.reset(token)
            await uow.close()

    return middleware


async def provide_session(request: Request[Any, Any, Any]) -> AsyncSession:
    """The request's tenant-scoped session (a dependency for route handlers)."""
    return current_uow().session


async def commit_after_request(response: Response[Any]) -> Response[Any]:
    """Commit the request's unit of work once the handler has succeeded."""
    uow = _current.get()
    if uow is not None and (response.status_code or 200) < 400:
        await remember_response(uow, response)
        await uow.commit()
    return response
