"""Helpers shared by the tests: settings, a running app, tenants with tokens."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import pytest
from cryptography.fernet import Fernet
from litestar.testing import TestClient

from arplatform.app import create_app
from arplatform.auth.service import IssuedClient, create_client, create_tenant
from arplatform.auth.tokens import Principal, Role, issue_token
from arplatform.settings import Settings, load_settings

T = TypeVar("T")

JWT_KEY = "test-signing-key-" + "k" * 40
SECRETS_KEY = Fernet.generate_key().decode()
REQUIRE_SERVICES = os.environ.get("ARP_REQUIRE_SERVICES") == "1"
PG_HOST = os.environ.get("ARP_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ARP_TEST_PG_PORT", "5432"))
PG_SUPERUSER = os.environ.get("ARP_TEST_PG_SUPERUSER", "postgres")
OWNER_ROLE, APP_ROLE = "arp_test_owner", "arp_test_app"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} on {host}:{port} is required (ARP_REQUIRE_SERVICES=1)")
    pytest.skip(f"{name} on {host}:{port} is not reachable")


def make_settings(
    database_url: str,
    *,
    migration_url: str | None = None,
    broker_url: str | None = None,
    **extra: str,
) -> Settings:
    env = {
        "ARP_DATABASE_URL": database_url,
        "ARP_MIGRATION_DATABASE_URL": migration_url or database_url,
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": SECRETS_KEY,
        "ARP_LOG_FORMAT": "console",
        "ARP_LOG_LEVEL": "WARNING",
        "ARP_RELAY_POLL_SECONDS": "0.2",
        **extra,
    }
    if broker_url:
        env["ARP_BROKER_URL"] = broker_url
    return load_settings(env)


async def _pg_admin(statements: list[str], database: str = "postgres") -> None:
    connection = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_SUPERUSER, database=database
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def pg_url(role: str, database: str) -> str:
    return f"postgresql+asyncpg://{role}@{PG_HOST}:{PG_PORT}/{database}"


@dataclass
class TenantHandle:
    """A tenant with its admin client, and tokens for each role."""

    tenant_id: uuid.UUID
    admin: IssuedClient
    settings: Settings
    _clients: dict[Role, IssuedClient] = field(default_factory=dict)

    def token(self, role: Role = Role.ADMIN) -> str:
        client = self.admin if role is Role.ADMIN else self._clients[role]
        principal = Principal(self.tenant_id, client.client_id, frozenset([role]))
        return issue_token(self.settings, principal)

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}


@dataclass
class Api:
    """A running app (lifespan included) and helpers to drive its event loop."""

    client: TestClient[Any]
    settings: Settings

    @property
    def app(self) -> Any:
        return self.client.app

    def run(self, factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine on the app's event loop (where its engine lives)."""
        portal = self.client.blocking_portal
        assert portal is not None
        return portal.call(factory)

    def new_tenant(self, name: str = "Tenant") -> TenantHandle:
        db = self.app.state.db
        admin = self.run(lambda: create_tenant(db, name=name, country="DE", currency="EUR"))
        handle = TenantHandle(admin.tenant_id, admin, self.settings)
        for role in (Role.CREDIT_MANAGER, Role.COLLECTOR, Role.VIEWER):
            handle._clients[role] = self.run(
                lambda role=role: create_client(db, admin.tenant_id, name=role, roles=[role])
            )
        return handle


def start_api(settings: Settings, *, jobs: bool = False) -> Iterator[Api]:
    app = create_app(settings, run_embedded_jobs=jobs)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, settings)


CUSTOMER = {"legal_name": "Muster GmbH", "country": "DE", "currency": "EUR"}


def invoice_body(customer_id: str, number: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "number": number or f"INV-{uuid.uuid4().hex[:8]}",
        "issue_date": "2026-11-01",
        "lines": [{"description": "Widgets", "quantity": "3", "unit_price": "19.99"}],
        **extra,
    }
