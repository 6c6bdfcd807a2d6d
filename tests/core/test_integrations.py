"""Integrations: provider config checked by the provider, secrets write-only and sealed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from arplatform.auth.tokens import Role
from arplatform.integrations.models import Integration
from arplatform.integrations.providers import build_provider
from arplatform.integrations.secrets import SecretBox
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.common import Settings as ProviderSettings
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
)
from arplatform.settings import Settings
from tests.support import Api


class RelayConfig(ProviderSettings, frozen=True, kw_only=True):
    host: str
    port: int = 587


class RelaySecrets(ProviderSettings, frozen=True, kw_only=True):
    password: str


class RelayChannel:
    """A minimal, well-formed channel, registered the way a plugin registers."""

    key = "test-relay"
    kind = "notification_channel"
    display_name = "Test relay"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.EMAIL})
    Config = RelayConfig
    Secrets = RelaySecrets

    def __init__(self, config: RelayConfig, secrets: RelaySecrets) -> None:
        self.config, self.secrets = config, secrets

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult(status=DeliveryStatus.SENT, provider_message_id=message.message_id)


class RelayPlugin:
    @hookimpl
    def arplatform_register_notification_channels(self) -> list[type[Any]]:
        return [RelayChannel]


@pytest.fixture
def plugin_api(backend_settings: Settings) -> Iterator[Api]:
    from litestar.testing import TestClient

    from arplatform.app import create_app

    app = create_app(backend_settings, plugins=[RelayPlugin()], run_embedded_jobs=False)
    with TestClient(app) as client:
        yield Api(client, backend_settings)


BODY = {
    "kind": "notification_channel",
    "provider": "test-relay",
    "config": {"host": "smtp.example.test"},
    "secrets": {"password": "s3cret-value"},
}


def test_installed_providers_are_listed(plugin_api: Api) -> None:
    tenant = plugin_api.new_tenant()
    listed = plugin_api.client.get("/v1/plugins", headers=tenant.headers(Role.VIEWER)).json()
    relay = next(p for p in listed if p["key"] == "test-relay")
    assert relay["kind"] == "notification_channel"
    assert relay["secret_fields"] == ["password"]
    assert set(relay["config_schema"]["$defs"]["RelayConfig"]["required"]) == {"host"}


def test_secrets_are_write_only_and_sealed(plugin_api: Api) -> None:
    tenant = plugin_api.new_tenant()
    created = plugin_api.client.post("/v1/integrations", json=BODY, headers=tenant.headers())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["config"] == {"host": "smtp.example.test", "port": 587}
    assert body["secret_fields"] == ["password"]
    assert "s3cret-value" not in created.text
    read = plugin_api.client.get(f"/v1/integrations/{body['id']}", headers=tenant.headers())
    assert "s3cret-value" not in read.text

    async def stored() -> Integration:
        db = plugin_api.app.state.db
        async with db.session(tenant.tenant_id) as session:
            row = await session.scalar(select(Integration))
            assert row is not None
            return row

    row = plugin_api.run(stored)
    assert row.secrets_sealed and "s3cret" not in row.secrets_sealed
    provider = build_provider(plugin_api.app.state.providers, row)
    assert provider.secrets.password == "s3cret-value"
    audit = plugin_api.client.get(
        "/v1/audit-events", params={"entity_id": body["id"]}, headers=tenant.headers()
    )
    assert "s3cret" not in audit.text and "secrets_sealed" not in audit.text


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"provider": "not-installed"}, 422),
        ({"config": {}}, 422),
        ({"config": {"host": "h", "colour": "red"}}, 422),
        ({"config": {"host": "h", "port": "587"}}, 422),
        ({"config": {"host": "a\u0000b"}}, 422),
        ({"secrets": {"token": "x"}}, 422),
        ({"kind": "credit_bureau"}, 422),
        ({"kind": "teleport"}, 400),
    ],
)
def test_invalid_integrations_are_refused(
    plugin_api: Api, change: dict[str, Any], status: int
) -> None:
    tenant = plugin_api.new_tenant()
    response = plugin_api.client.post(
        "/v1/integrations", json={**BODY, **change}, headers=tenant.headers()
    )
    assert response.status_code == status, response.text
    assert plugin_api.client.get("/v1/integrations", headers=tenant.headers()).json()["data"] == []


def test_update_replaces_secrets_and_checks_version(plugin_api: Api) -> None:
    tenant = plugin_api.new_tenant()
    created = plugin_api.client.post("/v1/integrations", json=BODY, headers=tenant.headers()).json()
    url = f"/v1/integrations/{created['id']}"
    changed = plugin_api.client.patch(
        url,
        json={"secrets": {"password": "rotated"}, "priority": 5},
        headers={**tenant.headers(), "If-Match": '"1"'},
    )
    assert changed.status_code == 200 and changed.json()["priority"] == 5
    stale = plugin_api.client.patch(
        url, json={"enabled": False}, headers={**tenant.headers(), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    duplicate = plugin_api.client.post("/v1/integrations", json=BODY, headers=tenant.headers())
    assert duplicate.status_code == 409
    assert (
        plugin_api.client.delete(url, headers=tenant.headers(Role.CREDIT_MANAGER)).status_code
        == 403
    )
    assert plugin_api.client.delete(url, headers=tenant.headers()).status_code == 204


def test_secret_keys_rotate() -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox((old,)).seal({"password": "p"})
    rotated_box = SecretBox((new, old))
    assert rotated_box.open(sealed) == {"password": "p"}
    resealed = rotated_box.rotate(sealed)
    assert SecretBox((new,)).open(resealed) == {"password": "p"}
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox((new,)).open(sealed)
