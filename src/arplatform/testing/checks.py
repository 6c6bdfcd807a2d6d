"""Conformance checks as plain functions; each raises ``ConformanceError`` on failure.

The base classes in ``arplatform.testing.conformance`` call these; partners
can also call them directly from any test runner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from arplatform.plugins.contracts import CONTRACTS, Kind
from arplatform.plugins.validation import provider_problems

__all__ = [
    "ConformanceError",
    "check_dto",
    "check_provider_class",
    "check_registered",
    "check_secrets_not_exposed",
    "check_settings",
]

T = TypeVar("T")
_PROBE_FIELD = "arplatform_conformance_unknown_field"


class ConformanceError(AssertionError):
    """A provider does not meet its contract."""


def check_provider_class(cls: type[Any], kind: Kind) -> None:
    """Key format, kind, display name, Config/Secrets shape, constructor, async methods."""
    problems = provider_problems(CONTRACTS[kind], cls)
    if problems:
        raise ConformanceError(f"{cls.__qualname__} is not a valid {kind}: " + "; ".join(problems))


def check_settings(settings_type: type[msgspec.Struct], sample: Mapping[str, Any]) -> None:
    """``sample`` converts, an unknown field is rejected, and the result is immutable."""
    name = settings_type.__qualname__
    try:
        value = msgspec.convert(dict(sample), settings_type)
    except msgspec.ValidationError as exc:
        raise ConformanceError(f"{name} rejects the sample given to the kit: {exc}") from exc
    try:
        msgspec.convert({**sample, _PROBE_FIELD: 1}, settings_type)
    except msgspec.ValidationError:
        pass
    else:
        raise ConformanceError(f"{name} accepts unknown fields; use forbid_unknown_fields=True")
    fields = msgspec.structs.fields(settings_type)
    if fields:
        try:
            setattr(value, fields[0].name, getattr(value, fields[0].name))
        except AttributeError:
            return
        raise ConformanceError(f"{name} is mutable; declare it with frozen=True")


def check_secrets_not_exposed(provider: object, secrets: Mapping[str, Any] | None) -> None:
    """No secret value shows in ``repr``/``str`` of the provider, e.g. in a log line."""
    shown = f"{provider!r} {provider!s}"
    for field, value in (secrets or {}).items():
        if isinstance(value, str) and len(value) >= 4 and value in shown:
            raise ConformanceError(f"secret {field!r} appears in the provider's repr/str")


def check_dto(value: object, expected: type[T]) -> T:
    """``value`` is an ``expected`` DTO whose fields meet the contract's constraints.

    msgspec checks constraints (score 0-100, currency codes...) only when
    decoding, so the value is round-tripped through builtins to apply them.
    """
    if not isinstance(value, expected):
        raise ConformanceError(f"expected {expected.__qualname__}, got {type(value).__qualname__}")
    try:
        msgspec.convert(msgspec.to_builtins(value), expected)
    except (msgspec.ValidationError, TypeError) as exc:
        raise ConformanceError(f"{expected.__qualname__} breaks the contract: {exc}") from exc
    return value


def check_registered(cls: type[Any], kind: Kind, plugin: object | None = None) -> None:
    """The provider is offered through the registration hook of ``kind``.

    With ``plugin`` (the module or object holding the ``@hookimpl``) only that
    plugin is loaded; without it the installed entry points are, which is what
    the core does.
    """
    from arplatform.plugins.manager import ProviderRegistry, build_plugin_manager

    builtins = [plugin] if plugin is not None else []
    pm = build_plugin_manager(builtin_plugins=builtins, load_entry_points=plugin is None)
    registry = ProviderRegistry(pm, strict=False)
    offered = {info.key: info for info in registry.providers(kind)}
    if cls.key not in offered or registry.get(kind, cls.key) is not cls:
        where = "the given plugin" if plugin is not None else "the 'arplatform' entry points"
        problems = "; ".join(registry.problems) or "none reported"
        raise ConformanceError(
            f"{cls.__qualname__} ({cls.key!r}) is not registered as a {kind} by {where} "
            f"(registry problems: {problems})"
        )
