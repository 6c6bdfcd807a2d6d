"""The installed providers and the secrets key: what integrations and jobs need to call out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.integrations.models import Integration
from arplatform.integrations.secrets import SecretBox
from arplatform.plugins.contracts.notification import AddressKind
from arplatform.plugins.manager import ProviderRegistry, build_plugin_manager
from arplatform.settings import Settings

log = structlog.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Providers:
    """The installed providers and the key that opens integrations' secrets."""

    registry: ProviderRegistry
    box: SecretBox


def load_providers(settings: Settings, plugins: Iterable[object] = ()) -> Providers:
    """Discover the installed plugins (plus ``plugins``), logging any that were rejected."""
    manager = build_plugin_manager(blocked=settings.plugins_blocked, builtin_plugins=plugins)
    registry = ProviderRegistry(manager, strict=False)
    for problem in registry.problems:
        log.error("plugin_rejected", problem=problem)
    return Providers(registry=registry, box=SecretBox(settings.secrets_keys))


def build_provider(providers: Providers, integration: Integration) -> Any:
    """The provider instance of an integration, with its secrets opened (for jobs)."""
    secrets = providers.box.open(integration.secrets_sealed) if integration.secrets_sealed else None
    return providers.registry.instantiate(
        integration.kind, integration.provider, integration.config, secrets
    )


async def call_provider(
    providers: Providers,
    integration: Integration,
    call: Callable[[Any], Awaitable[T]],
    *,
    seconds: float,
) -> T:
    """Build the integration's provider, ``call`` it within ``seconds``, close it.

    Providers holding a client expose ``aclose``; it runs whatever ``call`` did,
    and a failing ``aclose`` is logged, never raised over ``call``'s result or error.
    """
    provider = build_provider(providers, integration)
    try:
        async with asyncio.timeout(seconds):
            return await call(provider)
    finally:
        await close_quietly(provider, integration.provider)


async def close_quietly(provider: Any, key: str) -> None:
    """Close a provider's client if it has one; a failure to close is only logged."""
    aclose = getattr(provider, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except Exception as exc:  # noqa: BLE001 - closing must not turn a result into an error
        log.warning("provider_close_failed", provider=key, error=repr(exc))


async def notification_channel(
    session: AsyncSession, providers: Providers, kind: AddressKind
) -> Integration | None:
    """The tenant's first enabled notification channel that sends to ``kind`` addresses."""
    rows = await session.scalars(
        select(Integration)
        .where(Integration.kind == "notification_channel", Integration.enabled.is_(True))
        .order_by(Integration.priority, Integration.id)
    )
    for row in rows:
        try:
            provider_class = providers.registry.get("notification_channel", row.provider)
        except LookupError:
            continue  # its plugin is no longer installed
        if kind in provider_class.address_kinds:
            return row
    return None
