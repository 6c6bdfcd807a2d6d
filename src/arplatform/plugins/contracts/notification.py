"""Notification channel contract: send a message (dunning notice, alert), report delivery."""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Protocol

import msgspec

from arplatform.plugins.contracts.common import Address, Attachment, Dto

__all__ = [
    "AddressKind",
    "DeliveryResult",
    "DeliveryStatus",
    "NotificationChannel",
    "OutgoingMessage",
    "Recipient",
    "SenderIdentity",
]


class AddressKind(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTAL = "postal"


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    QUEUED = "queued"
    FAILED = "failed"


class Recipient(Dto, frozen=True, kw_only=True):
    """Where a message goes: ``address`` for e-mail/phone (E.164), ``postal`` for letters."""

    kind: AddressKind
    name: str | None = None
    address: str | None = None
    postal: Address | None = None


class SenderIdentity(Dto, frozen=True, kw_only=True):
    """The tenant on whose behalf the message is sent."""

    name: str
    email: str | None = None
    reply_to: str | None = None
    phone: str | None = None
    postal: Address | None = None


class OutgoingMessage(Dto, frozen=True, kw_only=True):
    """A message to deliver; ``message_id`` is the idempotency key.

    Sending a message with a ``message_id`` already sent must not deliver it
    again; return the earlier result instead if the channel can.
    """

    message_id: str
    sender: SenderIdentity
    recipients: tuple[Recipient, ...]
    subject: str
    text_body: str
    html_body: str | None = None
    attachments: tuple[Attachment, ...] = ()
    locale: str | None = None


class DeliveryResult(Dto, frozen=True, kw_only=True):
    """``sent``: handed to the final carrier; ``queued``: accepted, outcome later; ``failed``."""

    status: DeliveryStatus
    provider_message_id: str | None = None
    detail: str | None = None


class NotificationChannel(Protocol):
    """A notification channel provider (``kind = "notification_channel"``).

    ``address_kinds`` lists the recipient kinds the channel can reach; the core
    only passes recipients of those kinds. ``send`` returns ``failed`` for a
    recipient the carrier refused for good (bad address) and raises
    ``TransientProviderError`` when the carrier could not be reached.
    """

    key: ClassVar[str]
    kind: ClassVar[str]
    display_name: ClassVar[str]
    Config: ClassVar[type[msgspec.Struct]]
    Secrets: ClassVar[type[msgspec.Struct] | None]
    address_kinds: ClassVar[frozenset[AddressKind]]

    def __init__(self, config: Any, secrets: Any) -> None: ...

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...
