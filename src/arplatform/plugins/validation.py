"""Static checks of a provider class against its contract.

Shared by the registry (which refuses invalid providers at start-up) and the
conformance kit (which reports the same problems in a partner's test run).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import msgspec

from arplatform.plugins.contracts import KEY_PATTERN, ContractSpec

__all__ = ["provider_problems", "settings_problems"]

_KEY_RE = re.compile(KEY_PATTERN)
MAX_TIMEOUT_SECONDS = 300.0


def provider_problems(spec: ContractSpec, cls: object) -> list[str]:
    """Return what is wrong with ``cls`` as a provider of ``spec.kind``; empty if nothing."""
    if not isinstance(cls, type):
        return [f"{cls!r} is not a class"]
    return [
        *_identity_problems(spec, cls),
        *settings_problems(cls, "Config", required=True),
        *settings_problems(cls, "Secrets", required=False),
        *_constructor_problems(cls),
        *_method_problems(spec, cls),
    ]


def _identity_problems(spec: ContractSpec, cls: type) -> list[str]:
    problems: list[str] = []
    key = getattr(cls, "key", None)
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        problems.append(f"key {key!r} must be a str matching {KEY_PATTERN}")
    kind = getattr(cls, "kind", None)
    if kind != spec.kind:
        problems.append(f"kind is {kind!r}, expected {spec.kind!r}")
    display_name = getattr(cls, "display_name", None)
    if not isinstance(display_name, str) or not display_name.strip():
        problems.append("display_name must be a non-empty str")
    for name, expected in spec.attributes.items():
        value = getattr(cls, name, None)
        if not isinstance(value, expected):
            problems.append(f"{name} must be a {expected.__name__}, got {value!r}")
    timeout = getattr(cls, "timeout_seconds", None)
    valid_timeout = isinstance(timeout, int | float) and 0 < timeout <= MAX_TIMEOUT_SECONDS
    if timeout is not None and not valid_timeout:
        problems.append(f"timeout_seconds must be in (0, {MAX_TIMEOUT_SECONDS:g}]")
    return problems


def settings_problems(cls: type, attribute: str, *, required: bool) -> list[str]:
    """Check that ``cls.<attribute>`` is a frozen msgspec struct forbidding unknown fields."""
    settings: Any = getattr(cls, attribute, None)
    if settings is None:
        return [f"{attribute} is missing"] if required else []
    if not (isinstance(settings, type) and issubclass(settings, msgspec.Struct)):
        return [f"{attribute} must be a msgspec.Struct subclass"]
    config = settings.__struct_config__
    problems = []
    if not config.frozen:
        problems.append(f"{attribute} must be declared with frozen=True")
    if not config.forbid_unknown_fields:
        problems.append(f"{attribute} must be declared with forbid_unknown_fields=True")
    return problems


def _constructor_problems(cls: type) -> list[str]:
    try:
        inspect.signature(cls).bind(None, None)
    except (TypeError, ValueError):
        return ["constructor must accept (config, secrets)"]
    return []


def _method_problems(spec: ContractSpec, cls: type) -> list[str]:
    required = list(spec.methods)
    for flag, methods in spec.optional_methods.items():
        if getattr(cls, flag, False) is True:
            required.extend(methods)
    problems = []
    for name in required:
        method = getattr(cls, name, None)
        if method is None:
            problems.append(f"method {name}() is missing")
        elif not inspect.iscoroutinefunction(method):
            problems.append(f"method {name}() must be declared with 'async def'")
    return problems
