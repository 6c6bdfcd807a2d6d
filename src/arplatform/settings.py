"""Typed settings, read once from the environment (``ARP_*``) and passed in."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EMBEDDED_DATA_DIR = Path(".arplatform")


class SettingsError(ValueError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the application, the worker and the CLI are configured with."""

    database_url: str
    #: Owner role URL used by migrations; defaults to ``database_url``.
    migration_database_url: str
    #: ``None`` selects the embedded in-process broker.
    broker_url: str | None
    jwt_keys: Mapping[str, str]
    jwt_active_kid: str
    jwt_issuer: str = "arplatform"
    jwt_audience: str = "arplatform-api"
    token_ttl_seconds: int = 3600
    secrets_keys: tuple[str, ...] = ()
    max_request_body_bytes: int = 1_048_576
    idempotency_ttl_hours: int = 48
    relay_poll_seconds: float = 2.0
    log_json: bool = True
    log_level: str = "INFO"
    plugins_blocked: tuple[str, ...] = ()
    #: CIDRs webhooks may reach although the SSRF guard refuses them (the only escape hatch).
    webhook_allowed_networks: tuple[str, ...] = ()
    #: Deliver webhooks over plain http (tests, private set-ups); https only by default.
    webhook_allow_http: bool = False

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def embedded_jobs(self) -> bool:
        return self.broker_url is None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _parse_jwt_keys(raw: str) -> dict[str, str]:
    """``kid1:secret1,kid2:secret2``; the first is the one tokens are signed with."""
    keys: dict[str, str] = {}
    for item in _split(raw):
        kid, sep, secret = item.partition(":")
        if not sep or not kid or not secret:
            raise SettingsError("ARP_JWT_KEYS entries must look like kid:secret")
        if len(secret.encode()) < 32:
            raise SettingsError(f"ARP_JWT_KEYS key {kid!r} is shorter than 32 bytes")
        keys[kid] = secret
    if not keys:
        raise SettingsError("ARP_JWT_KEYS is empty")
    return keys


def _embedded_secret(data_dir: Path, name: str, make: str) -> str:
    """A secret kept in the embedded data folder so a restart keeps tokens and secrets valid."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Created with its final permissions: never readable by others, not even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(make)
    return make


def _number(env: Mapping[str, str], name: str, default: str, kind: type[float] | type[int]) -> Any:
    raw = env.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


def _networks(value: str | None) -> tuple[str, ...]:
    """Comma-separated CIDRs, each checked here so a typo fails at start-up."""
    try:
        return tuple(str(ipaddress.ip_network(part, strict=False)) for part in _split(value))
    except ValueError as exc:
        raise SettingsError(f"ARP_WEBHOOK_ALLOWED_NETWORKS: {exc}") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: the process environment).

    Without ``ARP_DATABASE_URL`` the embedded default applies: a SQLite file and
    generated keys in ``.arplatform/``. In production every key must be given.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("ARP_DATA_DIR", str(EMBEDDED_DATA_DIR)))
    database_url = env.get("ARP_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/arplatform.db"
    embedded = "ARP_DATABASE_URL" not in env
    raw_keys = env.get("ARP_JWT_KEYS")
    if raw_keys is None and embedded:
        raw_keys = "k1:" + _embedded_secret(data_dir, "jwt.key", secrets.token_urlsafe(48))
    if raw_keys is None:
        raise SettingsError("ARP_JWT_KEYS is required when ARP_DATABASE_URL is set")
    jwt_keys = _parse_jwt_keys(raw_keys)
    secrets_keys = _split(env.get("ARP_SECRETS_KEYS"))
    if not secrets_keys and embedded:
        from cryptography.fernet import Fernet

        secrets_keys = (_embedded_secret(data_dir, "secrets.key", Fernet.generate_key().decode()),)
    if not secrets_keys:
        raise SettingsError("ARP_SECRETS_KEYS is required when ARP_DATABASE_URL is set")
    return Settings(
        database_url=database_url,
        migration_database_url=env.get("ARP_MIGRATION_DATABASE_URL") or database_url,
        broker_url=env.get("ARP_BROKER_URL") or None,
        jwt_keys=jwt_keys,
        jwt_active_kid=next(iter(jwt_keys)),
        jwt_issuer=env.get("ARP_JWT_ISSUER", "arplatform"),
        jwt_audience=env.get("ARP_JWT_AUDIENCE", "arplatform-api"),
        token_ttl_seconds=_number(env, "ARP_TOKEN_TTL_SECONDS", "3600", int),
        secrets_keys=secrets_keys,
        max_request_body_bytes=_number(env, "ARP_MAX_REQUEST_BODY_BYTES", "1048576", int),
        idempotency_ttl_hours=_number(env, "ARP_IDEMPOTENCY_TTL_HOURS", "48", int),
        relay_poll_seconds=_number(env, "ARP_RELAY_POLL_SECONDS", "2", float),
        log_json=env.get("ARP_LOG_FORMAT", "json") == "json",
        log_level=env.get("ARP_LOG_LEVEL", "INFO"),
        plugins_blocked=_split(env.get("ARP_PLUGINS_BLOCKED")),
        webhook_allowed_networks=_networks(env.get("ARP_WEBHOOK_ALLOWED_NETWORKS")),
        webhook_allow_http=env.get("ARP_WEBHOOK_ALLOW_HTTP", "").lower() in ("1", "true", "yes"),
    )
