"""pytest plugin entry: fixtures of the conformance kits.

Loaded by every pytest run in an environment where arplatform is installed,
so it imports nothing heavy at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import pluggy

    from arplatform.plugins.manager import ProviderRegistry


@pytest.fixture
def arplatform_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with the installed ``arplatform`` entry points loaded."""
    from arplatform.plugins.manager import build_plugin_manager

    return build_plugin_manager()


@pytest.fixture
def arplatform_registry(arplatform_plugin_manager: pluggy.PluginManager) -> ProviderRegistry:
    """The provider registry the core would build from the installed plugins."""
    from arplatform.plugins.manager import ProviderRegistry

    return ProviderRegistry(arplatform_plugin_manager)
