"""Plugin manager factory and the provider registry built from it.

Nothing happens at import: the application calls ``build_plugin_manager`` and
constructs one ``ProviderRegistry`` at start-up, then passes it around.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

import msgspec
import pluggy
import structlog

from arplatform.plugins import hookspecs
from arplatform.plugins.contracts import CONTRACTS, ContractSpec, Kind
from arplatform.plugins.contracts.collection_agency import CollectionAgency
from arplatform.plugins.contracts.common import (
    ConfigurationError,
    PluginRegistrationError,
    ProviderNotFound,
)
from arplatform.plugins.contracts.credit_bureau import CreditBureau
from arplatform.plugins.contracts.credit_insurer import CreditInsurer
from arplatform.plugins.contracts.einvoice import EInvoiceFormat
from arplatform.plugins.contracts.notification import NotificationChannel
from arplatform.plugins.validation import provider_problems

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "ProviderInfo", "ProviderRegistry", "build_plugin_manager"]

DEFAULT_TIMEOUT_SECONDS = 30.0
log = structlog.get_logger(__name__)
Settings = Mapping[str, Any] | msgspec.Struct | None


def build_plugin_manager(
    blocked: Iterable[str] = (),
    builtin_plugins: Iterable[object] = (),
    load_entry_points: bool = True,
) -> pluggy.PluginManager:
    """Create the plugin manager: specs, built-ins, entry points, then ``check_pending``.

    ``blocked`` names plugins that must not load: an entry-point name, or the
    canonical pluggy name of a built-in (a module's ``__name__``). Raises
    ``pluggy.PluginValidationError`` when a plugin implements an unknown hook
    or a hook with wrong arguments.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked:
        pm.set_blocked(name)
    for plugin in builtin_plugins:
        pm.register(plugin)
    if load_entry_points:
        _load_entry_points(pm)
    pm.check_pending()
    return pm


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Register every installed ``arplatform`` entry point.

    One that cannot be imported is logged and blocked: a broken package never
    stops the platform from starting (its integrations report it missing).
    """
    for entry_point in importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME):
        if pm.is_blocked(entry_point.name):
            continue
        try:
            entry_point.load()
        except Exception:  # any import failure of a third-party package
            log.exception("plugin_import_failed", entry_point=entry_point.name)
            pm.set_blocked(entry_point.name)
    pm.load_setuptools_entrypoints(hookspecs.PROJECT_NAME)


class ProviderInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the API shows about a provider; ``distribution`` is set for entry-point plugins."""

    key: str
    kind: str
    display_name: str
    plugin: str
    distribution: str | None
    version: str | None
    config_schema: dict[str, Any]
    secrets_schema: dict[str, Any] | None
    secret_fields: tuple[str, ...]
    timeout_seconds: float


class _Entry(msgspec.Struct, frozen=True):
    cls: type[Any]
    info: ProviderInfo


class ProviderRegistry:
    """All provider classes, by kind and key, validated once at start-up.

    Each registration hook is called once per plugin. With ``strict=True`` an
    invalid provider or a failing hook raises ``PluginRegistrationError``;
    with ``strict=False`` it is skipped and described in ``problems``. Two
    providers with the same key in one kind always raise.
    """

    def __init__(self, plugin_manager: pluggy.PluginManager, *, strict: bool = True) -> None:
        self._pm = plugin_manager
        self._strict = strict
        self.problems: list[str] = []
        self._entries: dict[str, dict[str, _Entry]] = {kind: {} for kind in CONTRACTS}
        self._dists = {id(p): d for p, d in plugin_manager.list_plugin_distributions()}
        for spec in CONTRACTS.values():
            self._collect(spec)

    def _fail(self, message: str) -> None:
        if self._strict:
            raise PluginRegistrationError(message)
        self.problems.append(message)

    def _collect(self, spec: ContractSpec) -> None:
        hook: pluggy.HookCaller = getattr(self._pm.hook, spec.hook)
        # Call each implementation ourselves (in pluggy's order) to know which plugin
        # returned which class, for error messages and ProviderInfo.
        for impl in reversed(hook.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                self._fail(f"plugin {impl.plugin_name!r}: {spec.hook} cannot be a wrapper")
                continue
            try:
                classes = impl.function()
            except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
                self._fail(f"plugin {impl.plugin_name!r}: {spec.hook}() raised {exc!r}")
                continue
            if not isinstance(classes, list | tuple):
                self._fail(f"plugin {impl.plugin_name!r}: {spec.hook}() must return a list")
                continue
            for cls in classes:
                self._add(spec, impl.plugin_name, impl.plugin, cls)

    def _add(self, spec: ContractSpec, plugin_name: str, plugin: object, cls: Any) -> None:
        problems = provider_problems(spec, cls)
        if problems:
            self._fail(
                f"plugin {plugin_name!r}: invalid {spec.kind} provider "
                f"{_describe(cls)}: " + "; ".join(problems)
            )
            return
        existing = self._entries[spec.kind].get(cls.key)
        if existing is not None:
            raise PluginRegistrationError(
                f"duplicate {spec.kind} key {cls.key!r}: plugin {existing.info.plugin!r} "
                f"({_describe(existing.cls)}) and plugin {plugin_name!r} ({_describe(cls)})"
            )
        info = _provider_info(spec.kind, cls, plugin_name, self._dists.get(id(plugin)))
        self._entries[spec.kind][cls.key] = _Entry(cls, info)

    def kinds(self) -> tuple[Kind, ...]:
        """All provider kinds the core knows, whether or not any provider is installed."""
        return tuple(CONTRACTS)

    def providers(self, kind: str) -> list[ProviderInfo]:
        """The providers of ``kind``, sorted by key."""
        return [self._entries_of(kind)[key].info for key in sorted(self._entries_of(kind))]

    def info(self, kind: str, key: str) -> ProviderInfo:
        return self._entry(kind, key).info

    @overload
    def get(self, kind: Literal["credit_bureau"], key: str) -> type[CreditBureau]: ...
    @overload
    def get(self, kind: Literal["einvoice_format"], key: str) -> type[EInvoiceFormat]: ...
    @overload
    def get(self, kind: Literal["notification_channel"], key: str) -> type[NotificationChannel]: ...
    @overload
    def get(self, kind: Literal["credit_insurer"], key: str) -> type[CreditInsurer]: ...
    @overload
    def get(self, kind: Literal["collection_agency"], key: str) -> type[CollectionAgency]: ...
    @overload
    def get(self, kind: str, key: str) -> type[Any]: ...
    def get(self, kind: str, key: str) -> type[Any]:
        """The provider class; raises ``ProviderNotFound``."""
        return self._entry(kind, key).cls

    def validate_config(self, kind: str, key: str, config: Settings) -> msgspec.Struct:
        """Convert a tenant's config (e.g. parsed JSON) to the provider's ``Config``."""
        cls = self.get(kind, key)
        return _convert(cls.Config, config, f"{kind} provider {key!r}: invalid config")

    def validate_secrets(self, kind: str, key: str, secrets: Settings) -> msgspec.Struct | None:
        """Convert secrets to the provider's ``Secrets``; ``None`` if it takes none."""
        cls = self.get(kind, key)
        where = f"{kind} provider {key!r}: invalid secrets"
        secrets_type = getattr(cls, "Secrets", None)
        if secrets_type is None:
            if secrets:
                raise ConfigurationError(f"{where}: this provider takes no secrets")
            return None
        return _convert(secrets_type, secrets, where)

    @overload
    def instantiate(
        self, kind: Literal["credit_bureau"], key: str, config: Settings, secrets: Settings = None
    ) -> CreditBureau: ...
    @overload
    def instantiate(
        self, kind: Literal["einvoice_format"], key: str, config: Settings, secrets: Settings = None
    ) -> EInvoiceFormat: ...
    @overload
    def instantiate(
        self,
        kind: Literal["notification_channel"],
        key: str,
        config: Settings,
        secrets: Settings = None,
    ) -> NotificationChannel: ...
    @overload
    def instantiate(
        self, kind: Literal["credit_insurer"], key: str, config: Settings, secrets: Settings = None
    ) -> CreditInsurer: ...
    @overload
    def instantiate(
        self,
        kind: Literal["collection_agency"],
        key: str,
        config: Settings,
        secrets: Settings = None,
    ) -> CollectionAgency: ...
    @overload
    def instantiate(
        self, kind: str, key: str, config: Settings, secrets: Settings = None
    ) -> Any: ...
    def instantiate(self, kind: str, key: str, config: Settings, secrets: Settings = None) -> Any:
        """Validate config and secrets, then build the provider for one integration."""
        cls = self.get(kind, key)
        return cls(
            self.validate_config(kind, key, config), self.validate_secrets(kind, key, secrets)
        )

    def _entries_of(self, kind: str) -> dict[str, _Entry]:
        try:
            return self._entries[kind]
        except KeyError:
            known = ", ".join(self._entries)
            raise ProviderNotFound(f"unknown provider kind {kind!r} (known: {known})") from None

    def _entry(self, kind: str, key: str) -> _Entry:
        try:
            return self._entries_of(kind)[key]
        except KeyError:
            raise ProviderNotFound(f"no {kind} provider with key {key!r}") from None


def _convert(target: type[msgspec.Struct], value: Settings, where: str) -> msgspec.Struct:
    if isinstance(value, target):
        return value
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where}: expected an object, got {type(value).__name__}")
    try:
        return msgspec.convert(dict(value), target)
    except msgspec.ValidationError as exc:
        raise ConfigurationError(f"{where}: {exc}") from exc


def _provider_info(
    kind: str, cls: Any, plugin: str, dist: importlib.metadata.Distribution | None
) -> ProviderInfo:
    secrets = getattr(cls, "Secrets", None)
    return ProviderInfo(
        key=cls.key,
        kind=kind,
        display_name=cls.display_name,
        plugin=plugin,
        distribution=dist.metadata["Name"] if dist is not None else None,
        version=dist.version if dist is not None else None,
        config_schema=msgspec.json.schema(cls.Config),
        secrets_schema=msgspec.json.schema(secrets) if secrets is not None else None,
        secret_fields=_field_names(secrets),
        timeout_seconds=float(getattr(cls, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS)),
    )


def _field_names(struct: type[msgspec.Struct] | None) -> tuple[str, ...]:
    if struct is None:
        return ()
    return tuple(f.encode_name for f in msgspec.structs.fields(struct))


def _describe(cls: object) -> str:
    if isinstance(cls, type):
        return f"{cls.__module__}.{cls.__qualname__}"
    return repr(cls)
