"""Fixtures of the webhook tests: a tenant on each backend, providers with a recording channel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest

from arplatform.auth.service import create_tenant
from arplatform.db.session import Database
from arplatform.integrations.providers import Providers, load_providers
from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.common import Settings as ProviderSettings
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
)
from arplatform.settings import Settings

MAILBOX: list[OutgoingMessage] = []


class MailConfig(ProviderSettings, frozen=True, kw_only=True):
    pass


class RecordingMail:
    """An e-mail channel that keeps what it is given (the tenant's outbox, as it were)."""

    key = "webhooks-test-mail"
    kind = "notification_channel"
    display_name = "Recording e-mail"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.EMAIL})
    Config = MailConfig
    Secrets = None

    def __init__(self, config: MailConfig, secrets: Any) -> None:
        pass

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        MAILBOX.append(message)
        return DeliveryResult(status=DeliveryStatus.SENT, provider_message_id=message.message_id)


class MailPlugin:
    @hookimpl
    def arplatform_register_notification_channels(self) -> list[type[Any]]:
        return [RecordingMail]


@pytest.fixture
def providers(backend_settings: Settings) -> Providers:
    return load_providers(backend_settings, [MailPlugin()])


@pytest.fixture
async def db(backend_settings: Settings) -> AsyncIterator[Database]:
    database = Database(backend_settings.database_url, pool_size=2)
    yield database
    await database.dispose()


@pytest.fixture
async def tenant_id(db: Database) -> uuid.UUID:
    admin = await create_tenant(db, name="Hooks GmbH", country="DE", currency="EUR")
    return admin.tenant_id


# Real brokers behind a proxy the tests take down (shared with the job tests).
from tests.jobs.conftest import broker_proxy, broker_target  # noqa: E402, F401
