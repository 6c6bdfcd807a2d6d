"""The installed providers and the secrets key: what integrations and jobs need to call out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog

from arplatform.integrations.models import Integration
from arplatform.integrations.secrets import SecretBox
from arplatform.plugins.manager import ProviderRegistry, build_plugin_manager
from arplatform.settings import Settings

log = structlog.get_logger(__name__)


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
