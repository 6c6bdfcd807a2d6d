"""The one guard every route passes: authenticate the bearer, then check roles."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from arplatform.auth.tokens import InvalidToken, Principal, verify_token
from arplatform.settings import Settings


def bearer_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The principal of the request's bearer token, or 401."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("A bearer token is required")
    settings: Settings = connection.app.state.settings
    try:
        return verify_token(settings, token.strip())
    except InvalidToken:
        raise NotAuthorizedException("The bearer token is invalid or expired") from None


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Deny by default: an operation without a role list is refused to everyone."""
    if connection.scope.get("method") == "OPTIONS":
        return
    if "roles" not in handler.opt:
        raise PermissionDeniedException("This operation is not open to any role")
    roles = handler.opt["roles"]
    if roles is None:  # a public operation
        return
    principal = bearer_principal(connection)
    connection.scope["user"] = principal
    structlog.contextvars.bind_contextvars(tenant_id=str(principal.tenant_id))
    if not principal.roles & roles:
        raise PermissionDeniedException("Your roles do not allow this operation")
