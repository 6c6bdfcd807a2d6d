"""The plugin manager and provider registry: discovery, blocking, validation, config."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pluggy
import pytest

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.common import (
    ConfigurationError,
    PluginRegistrationError,
    ProviderNotFound,
)
from arplatform.plugins.contracts.credit_bureau import (
    CompanyMatch,
    CompanyQuery,
    CompanyRef,
    CreditReport,
)
from arplatform.plugins.manager import ProviderRegistry, build_plugin_manager

PLUGIN_SOURCE = """
import msgspec
from arplatform.plugins import hookimpl


class Bureau:
    key = "{key}"
    kind = "credit_bureau"
    display_name = "Fake bureau"
    supports_monitoring = False

    class Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
        base_url: str

    class Secrets(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
        api_key: str

    def __init__(self, config, secrets):
        self.config, self.secrets = config, secrets

    async def search_company(self, query):
        return []

    async def fetch_report(self, ref):
        raise NotImplementedError


@hookimpl
def arplatform_register_credit_bureaus():
    return [Bureau]
"""

InstallPlugin = Callable[..., None]


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InstallPlugin]:
    """Install a fake distribution exposing an ``arplatform`` entry point."""
    monkeypatch.syspath_prepend(tmp_path)

    def install(
        module: str, *, dist: str, key: str = "fake-bureau", version: str = "1.2.3"
    ) -> None:
        (tmp_path / f"{module}.py").write_text(PLUGIN_SOURCE.format(key=key))
        info = tmp_path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        (info / "METADATA").write_text(metadata)
        (info / "entry_points.txt").write_text(f"[arplatform]\n{module} = {module}\n")
        monkeypatch.delitem(sys.modules, module, raising=False)
        importlib.invalidate_caches()

    yield install
    for name in [m for m in sys.modules if m.startswith("arplatform_testplugin_")]:
        del sys.modules[name]


class Bureau:
    key: ClassVar[str] = "inline-bureau"
    kind: ClassVar[str] = "credit_bureau"
    display_name: ClassVar[str] = "Inline bureau"
    supports_monitoring: ClassVar[bool] = False

    class Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
        base_url: str
        timeout: float = 10.0

    Secrets: ClassVar[type[msgspec.Struct] | None] = None

    def __init__(self, config: Any, secrets: Any) -> None:
        self.config = config

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        return []

    async def fetch_report(self, ref: CompanyRef) -> CreditReport:
        raise NotImplementedError


class Plugin:
    """A built-in style plugin returning whatever classes it is given."""

    def __init__(self, *classes: object) -> None:
        self.classes = list(classes)

    @hookimpl
    def arplatform_register_credit_bureaus(self) -> list[object]:
        return self.classes


def registry_of(*plugins: object, strict: bool = True) -> ProviderRegistry:
    pm = build_plugin_manager(builtin_plugins=plugins, load_entry_points=False)
    return ProviderRegistry(pm, strict=strict)


def test_loads_entry_point_with_distribution_info(install_plugin: InstallPlugin) -> None:
    install_plugin("arplatform_testplugin_a", dist="arplatform-credit-bureau-fake")
    registry = ProviderRegistry(build_plugin_manager())
    [info] = [p for p in registry.providers("credit_bureau") if p.key == "fake-bureau"]
    assert (info.key, info.plugin) == ("fake-bureau", "arplatform_testplugin_a")
    assert (info.distribution, info.version) == ("arplatform-credit-bureau-fake", "1.2.3")
    assert info.secret_fields == ("api_key",)
    assert info.config_schema["$defs"]["Config"]["required"] == ["base_url"]
    assert "api_key" not in str(info.config_schema)
    assert registry.get("credit_bureau", "fake-bureau").__name__ == "Bureau"


def test_blocked_plugin_is_not_loaded(install_plugin: InstallPlugin) -> None:
    install_plugin("arplatform_testplugin_b", dist="arplatform-credit-bureau-fake")
    pm = build_plugin_manager(blocked=["arplatform_testplugin_b"])
    assert pm.get_plugin("arplatform_testplugin_b") is None
    keys = {p.key for p in ProviderRegistry(pm).providers("credit_bureau")}
    assert "fake-bureau" not in keys


def test_blocking_a_builtin_plugin_by_name() -> None:
    import types

    module = types.ModuleType("arplatform_builtin_bureau")
    module.arplatform_register_credit_bureaus = hookimpl(lambda: [Bureau])  # type: ignore[attr-defined]
    assert registry_of(module).providers("credit_bureau")[0].key == "inline-bureau"
    pm = build_plugin_manager(
        blocked=["arplatform_builtin_bureau"], builtin_plugins=[module], load_entry_points=False
    )
    assert ProviderRegistry(pm).providers("credit_bureau") == []


def test_duplicate_keys_name_both_plugins(install_plugin: InstallPlugin) -> None:
    install_plugin("arplatform_testplugin_c", dist="arplatform-credit-bureau-one", key="same")
    install_plugin("arplatform_testplugin_d", dist="arplatform-credit-bureau-two", key="same")
    with pytest.raises(PluginRegistrationError) as excinfo:
        ProviderRegistry(build_plugin_manager(), strict=False)
    message = str(excinfo.value)
    assert "'same'" in message
    assert "arplatform_testplugin_c" in message
    assert "arplatform_testplugin_d" in message


def test_same_key_in_different_kinds_is_fine() -> None:
    class Agency:
        key = "inline-bureau"
        kind = "collection_agency"
        display_name = "Agency"
        Config = Bureau.Config

        def __init__(self, config: Any, secrets: Any) -> None: ...
        async def hand_over(self, case: Any) -> Any: ...
        async def case_status(self, case_ref: str) -> Any: ...

    class AgencyPlugin:
        @hookimpl
        def arplatform_register_collection_agencies(self) -> list[object]:
            return [Agency]

    registry = registry_of(Plugin(Bureau), AgencyPlugin())
    assert registry.info("collection_agency", "inline-bureau").display_name == "Agency"


def _variant(**attributes: Any) -> type:
    return type("Variant", (Bureau,), attributes)


async def _sync_search(self: Any, query: Any) -> list[Any]:
    return []


@pytest.mark.parametrize(
    ("attributes", "problem"),
    [
        ({"key": "Bad Key"}, "key 'Bad Key'"),
        ({"key": "x"}, "key 'x'"),
        ({"kind": "credit_insurer"}, "expected 'credit_bureau'"),
        ({"display_name": ""}, "display_name"),
        ({"fetch_report": None}, "fetch_report() is missing"),
        ({"search_company": lambda self, query: []}, "search_company() must be declared"),
        ({"supports_monitoring": True}, "start_monitoring() is missing"),
        ({"Config": dict}, "Config must be a msgspec.Struct"),
        ({"Config": type("C", (msgspec.Struct,), {})}, "frozen=True"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
    ],
)
def test_invalid_provider_is_rejected(attributes: dict[str, Any], problem: str) -> None:
    with pytest.raises(PluginRegistrationError, match="invalid credit_bureau provider") as excinfo:
        registry_of(Plugin(_variant(**attributes)))
    assert problem in str(excinfo.value)


def test_constructor_must_take_config_and_secrets() -> None:
    variant = _variant(__init__=lambda self: None)
    with pytest.raises(PluginRegistrationError, match=r"constructor must accept"):
        registry_of(Plugin(variant))


def test_non_strict_registry_records_and_skips() -> None:
    class Failing:
        @hookimpl
        def arplatform_register_credit_bureaus(self) -> list[object]:
            raise RuntimeError("boom")

    registry = registry_of(Plugin(_variant(key="BAD"), Bureau), Failing(), strict=False)
    assert [i.key for i in registry.providers("credit_bureau")] == ["inline-bureau"]
    assert len(registry.problems) == 2
    assert any("boom" in p for p in registry.problems)


def test_check_pending_catches_typo_in_hook_name() -> None:
    class Typo:
        @hookimpl
        def arplatform_register_credit_bureau(self) -> list[object]:
            return [Bureau]

    with pytest.raises(pluggy.PluginValidationError, match="unknown hook"):
        build_plugin_manager(builtin_plugins=[Typo()], load_entry_points=False)


def test_hookimpl_with_arguments_is_rejected() -> None:
    class WrongArgs:
        @hookimpl
        def arplatform_register_credit_bureaus(self, settings: object) -> list[object]:
            return []

    with pytest.raises(pluggy.PluginValidationError):
        build_plugin_manager(builtin_plugins=[WrongArgs()], load_entry_points=False)


def test_validate_config_rejects_unknown_and_wrong_fields() -> None:
    registry = registry_of(Plugin(Bureau))
    config = registry.validate_config("credit_bureau", "inline-bureau", {"base_url": "http://x"})
    assert config == Bureau.Config(base_url="http://x")
    with pytest.raises(ConfigurationError, match="unknown field `colour`"):
        registry.validate_config("credit_bureau", "inline-bureau", {"base_url": "u", "colour": 1})
    with pytest.raises(ConfigurationError, match=r"Expected `float`.*\$\.timeout"):
        registry.validate_config(
            "credit_bureau", "inline-bureau", {"base_url": "u", "timeout": "x"}
        )
    with pytest.raises(ConfigurationError, match="missing required field `base_url`"):
        registry.validate_config("credit_bureau", "inline-bureau", None)


def test_validate_secrets_when_provider_takes_none() -> None:
    registry = registry_of(Plugin(Bureau))
    assert registry.validate_secrets("credit_bureau", "inline-bureau", None) is None
    with pytest.raises(ConfigurationError, match="takes no secrets"):
        registry.validate_secrets("credit_bureau", "inline-bureau", {"token": "t"})


def test_instantiate_and_lookups() -> None:
    registry = registry_of(Plugin(Bureau))
    bureau = registry.instantiate("credit_bureau", "inline-bureau", {"base_url": "http://x"})
    assert isinstance(bureau, Bureau)
    assert bureau.config.base_url == "http://x"
    assert registry.kinds() == (
        "credit_bureau",
        "einvoice_format",
        "notification_channel",
        "credit_insurer",
        "collection_agency",
    )
    assert registry.info("credit_bureau", "inline-bureau").timeout_seconds == 30.0
    with pytest.raises(ProviderNotFound, match="no credit_bureau provider with key 'nope'"):
        registry.get("credit_bureau", "nope")
    with pytest.raises(ProviderNotFound, match="unknown provider kind"):
        registry.providers("fax_machine")


def test_installed_environment_loads_cleanly() -> None:
    registry = ProviderRegistry(build_plugin_manager())
    assert registry.problems == []
