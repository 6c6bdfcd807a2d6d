"""Integration rules: config checked by the provider's own types, secrets sealed."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.etag import check_if_match
from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.api.problems import Conflict, InvalidInput
from arplatform.db.types import contains_nul
from arplatform.events.service import emit
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import Providers
from arplatform.integrations.schemas import IntegrationCreate, IntegrationOut, IntegrationUpdate
from arplatform.plugins.contracts.common import ConfigurationError, ProviderNotFound


def _checked_config(providers: Providers, kind: str, key: str, config: dict[str, Any]) -> Any:
    if contains_nul(config):  # free-form JSON: PostgreSQL cannot store a NUL character
        raise InvalidInput("config must not contain NUL characters")
    try:
        return msgspec.to_builtins(providers.registry.validate_config(kind, key, config))
    except ProviderNotFound:
        raise InvalidInput(f"No {kind} provider {key!r} is installed") from None
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None


def _seal(providers: Providers, integration: Integration, secrets: dict[str, str] | None) -> None:
    try:
        providers.registry.validate_secrets(integration.kind, integration.provider, secrets)
    except ConfigurationError as exc:
        raise InvalidInput(str(exc)) from None
    integration.secrets_sealed = providers.box.seal(secrets) if secrets else None
    integration.secret_fields = sorted(secrets or {})


def _emit(session: AsyncSession, event_type: str, integration: Integration) -> None:
    emit(
        session,
        event_type,
        resource_type="integration",
        resource_id=integration.id,
        resource_version=integration.version,
        data={"kind": integration.kind, "provider": integration.provider},
    )


def to_out(integration: Integration) -> IntegrationOut:
    return IntegrationOut(
        id=integration.id,
        kind=integration.kind,
        provider=integration.provider,
        enabled=integration.enabled,
        priority=integration.priority,
        config=integration.config,
        secret_fields=list(integration.secret_fields),
        version=integration.version,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
    )


async def create_integration(
    session: AsyncSession, providers: Providers, data: IntegrationCreate
) -> Integration:
    """Enable a provider for the tenant, with config validated by the provider's ``Config``."""
    kind, key = str(data.kind), data.provider
    config = _checked_config(providers, kind, key, data.config)
    taken = await session.scalar(
        select(Integration.id).where(Integration.kind == kind, Integration.provider == key)
    )
    if taken is not None:
        raise Conflict(f"The {kind} provider {key!r} is configured already")
    integration = Integration(
        kind=kind, provider=key, config=config, enabled=data.enabled, priority=data.priority
    )
    _seal(providers, integration, data.secrets)
    session.add(integration)
    await session.flush()
    _emit(session, "integration.created", integration)
    return integration


async def get_integration(session: AsyncSession, integration_id: uuid.UUID) -> Integration:
    return await fetch_one(session, Integration, integration_id, "integration")


async def update_integration(
    session: AsyncSession,
    providers: Providers,
    integration_id: uuid.UUID,
    data: IntegrationUpdate,
    if_match: str | None,
) -> Integration:
    integration = await get_integration(session, integration_id)
    check_if_match(if_match, integration.version)
    if data.config is not msgspec.UNSET:
        integration.config = _checked_config(
            providers, integration.kind, integration.provider, data.config
        )
    if data.secrets is not msgspec.UNSET:
        _seal(providers, integration, data.secrets)
    if data.enabled is not msgspec.UNSET:
        integration.enabled = data.enabled
    if data.priority is not msgspec.UNSET:
        integration.priority = data.priority
    await session.flush()
    _emit(session, "integration.updated", integration)
    return integration


async def delete_integration(
    session: AsyncSession, integration_id: uuid.UUID, if_match: str | None
) -> None:
    integration = await get_integration(session, integration_id)
    check_if_match(if_match, integration.version)
    _emit(session, "integration.deleted", integration)
    await session.delete(integration)
    await session.flush()


async def list_integrations(
    session: AsyncSession, *, kind: str | None, cursor: str | None, limit: int
) -> tuple[list[Integration], str | None]:
    stmt = select(Integration)
    if kind is not None:
        stmt = stmt.where(Integration.kind == kind)
    return await fetch_page(session, stmt, Integration, cursor, limit)
