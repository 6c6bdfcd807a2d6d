"""Integration and installed-provider endpoints."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response
from litestar.params import FromPath, FromQuery, JSONBody

from arplatform.api.conventions import (
    ALL_ROLES,
    DbSession,
    IdempotencyKey,
    IfMatch,
    api_delete,
    api_get,
    api_patch,
    api_post,
)
from arplatform.api.etag import versioned_response
from arplatform.api.pagination import Cursor, Limit
from arplatform.auth.tokens import Role
from arplatform.integrations import service
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers
from arplatform.integrations.schemas import (
    IntegrationCreate,
    IntegrationOut,
    IntegrationUpdate,
    ProviderKind,
    ProviderOut,
)

ADMINS = {Role.ADMIN}
READERS = {Role.ADMIN, Role.CREDIT_MANAGER}


class IntegrationPage(msgspec.Struct, frozen=True):
    """One page of integrations; ``next_cursor`` is null on the last page."""

    data: list[IntegrationOut]
    next_cursor: str | None


def _providers(request: Request[Any, Any, Any]) -> Providers:
    providers: Providers = request.app.state.providers
    return providers


def _respond(integration: Integration, *, created: bool = False) -> Response[IntegrationOut]:
    location = f"/v1/integrations/{integration.id}" if created else None
    return versioned_response(
        service.to_out(integration),
        integration.version,
        location=location,
        status_code=201 if created else 200,
    )


class IntegrationController(Controller):
    path = "/v1/integrations"
    tags = ["integrations"]

    @api_post("/", roles=ADMINS, errors=[409, 422], idempotent=True, etag=True, status_code=201)
    async def create_integration(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        data: JSONBody[IntegrationCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[IntegrationOut]:
        """Enable an installed provider; secrets are stored encrypted and never returned."""
        integration = await service.create_integration(session, _providers(request), data)
        return _respond(integration, created=True)

    @api_get("/", roles=READERS)
    async def list_integrations(
        self,
        session: DbSession,
        limit: Limit = 50,
        cursor: Cursor = None,
        kind: FromQuery[ProviderKind | None] = None,
    ) -> IntegrationPage:
        """The tenant's configured providers."""
        rows, next_cursor = await service.list_integrations(
            session, kind=kind, cursor=cursor, limit=limit
        )
        return IntegrationPage(data=[service.to_out(i) for i in rows], next_cursor=next_cursor)

    @api_get("/{integration_id:uuid}", roles=READERS, etag=True)
    async def get_integration(
        self, session: DbSession, integration_id: FromPath[uuid.UUID]
    ) -> Response[IntegrationOut]:
        """One configured provider (secrets appear by name only)."""
        return _respond(await service.get_integration(session, integration_id))

    @api_patch("/{integration_id:uuid}", roles=ADMINS, errors=[422], etag=True)
    async def update_integration(
        self,
        request: Request[Any, Any, Any],
        session: DbSession,
        integration_id: FromPath[uuid.UUID],
        data: JSONBody[IntegrationUpdate],
        if_match: IfMatch = None,
    ) -> Response[IntegrationOut]:
        """Change config, secrets, priority or the enabled flag."""
        integration = await service.update_integration(
            session, _providers(request), integration_id, data, if_match
        )
        return _respond(integration)

    @api_delete("/{integration_id:uuid}", roles=ADMINS)
    async def delete_integration(
        self, session: DbSession, integration_id: FromPath[uuid.UUID], if_match: IfMatch = None
    ) -> None:
        """Remove a configured provider."""
        await service.delete_integration(session, integration_id, if_match)


@api_get("/v1/plugins", roles=ALL_ROLES, tags=["integrations"])
async def list_plugins(request: Request[Any, Any, Any]) -> list[ProviderOut]:
    """Installed providers of every kind, with the JSON schema of their config."""
    registry = _providers(request).registry
    return [
        ProviderOut(
            kind=info.kind,
            key=info.key,
            display_name=info.display_name,
            plugin=info.plugin,
            distribution=info.distribution,
            version=info.version,
            config_schema=info.config_schema,
            secret_fields=list(info.secret_fields),
        )
        for kind in registry.kinds()
        for info in registry.providers(kind)
    ]
