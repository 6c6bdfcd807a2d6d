"""A provider for the API tests, so that integrations can be created and fuzzed."""

from __future__ import annotations

from typing import Any, ClassVar

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.common import Settings as ProviderSettings
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
)

KEY = "api-test-channel"


class ChannelConfig(ProviderSettings, frozen=True, kw_only=True):
    sender: str = "ar@example.test"


class ChannelSecrets(ProviderSettings, frozen=True, kw_only=True):
    token: str | None = None


class Channel:
    key = KEY
    kind = "notification_channel"
    display_name = "API test channel"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.EMAIL})
    Config = ChannelConfig
    Secrets = ChannelSecrets

    def __init__(self, config: ChannelConfig, secrets: ChannelSecrets) -> None:
        self.config, self.secrets = config, secrets

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult(status=DeliveryStatus.SENT, provider_message_id=message.message_id)


class ChannelPlugin:
    @hookimpl
    def arplatform_register_notification_channels(self) -> list[type[Any]]:
        return [Channel]


INTEGRATION = {"kind": "notification_channel", "provider": KEY, "config": {}}
