"""``HttpSmsChannel``: the notification channel contract over a generic SMS gateway.

For each phone recipient it POSTs to the configured endpoint::

    {"to": "+4915112345678", "from": "<sender_id>", "text": "...", "reference": "<message_id>"}

with ``Idempotency-Key: <message_id>`` (``<message_id>/<n>`` for the n-th of
several recipients), so a retried job does not send the text twice through a
gateway that honours the key. A 202 answer means "queued", any other 2xx
"sent"; the gateway's id is read from ``message_id_field`` of the JSON answer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

import httpx
import msgspec

from arplatform.plugins.contracts.common import ProviderAuthenticationError, Settings
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
)
from arplatform_notification_sms_http.errors import (
    error_for_transport,
    raise_for_retryable,
    refusal_detail,
)
from arplatform_notification_sms_http.text import e164, truncate

__all__ = ["HttpSmsChannel", "SmsGatewayConfig", "SmsGatewaySecrets"]

# The core cancels a provider call after 30 s; our time-out stays below it.
MAX_HTTP_TIMEOUT_SECONDS = 25.0
SenderId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(\+[1-9][0-9]{6,14}|[A-Za-z0-9 ]{1,11})$",
        description="E.164 number or alphanumeric sender id (at most 11 characters)",
    ),
]


class SmsGatewayConfig(Settings, frozen=True, kw_only=True):
    """Where the gateway is, how to authenticate, and how to read its answer."""

    endpoint: Annotated[str, msgspec.Meta(description="URL the messages are POSTed to")]
    auth_scheme: Literal["bearer", "basic", "header"] = "bearer"
    header_name: Annotated[
        str, msgspec.Meta(pattern=r"^[A-Za-z0-9-]+$", description="Header for auth_scheme=header")
    ] = "X-API-Key"
    sender_id: SenderId
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_HTTP_TIMEOUT_SECONDS)] = 10.0
    max_length: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 612
    message_id_field: Annotated[
        str, msgspec.Meta(min_length=1, description="JSON field (dotted path) with the gateway id")
    ] = "id"
    verify_tls: bool = True

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("endpoint must be an http:// or https:// URL with a host")


class SmsGatewaySecrets(Settings, frozen=True, kw_only=True):
    """``token`` for the bearer and header schemes, ``username``/``password`` for basic."""

    token: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the gateway did with the text for one recipient."""

    status: DeliveryStatus
    gateway_id: str | None = None
    detail: str | None = None


class HttpSmsChannel:
    """Sends the message's text as SMS through an HTTP/JSON gateway."""

    key: ClassVar[str] = "sms-http"
    kind: ClassVar[str] = "notification_channel"
    display_name: ClassVar[str] = "SMS (HTTP gateway)"
    address_kinds: ClassVar[frozenset[AddressKind]] = frozenset({AddressKind.PHONE})
    Config: ClassVar[type[msgspec.Struct]] = SmsGatewayConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = SmsGatewaySecrets

    def __init__(self, config: SmsGatewayConfig, secrets: SmsGatewaySecrets | None) -> None:
        self._config = config
        self._secrets = secrets or SmsGatewaySecrets()
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"HttpSmsChannel(endpoint={self._config.endpoint!r})"

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Send the text to every phone recipient; ``failed`` only if no one got it."""
        phones = [r.address or "" for r in message.recipients if r.kind == AddressKind.PHONE]
        text = truncate(message.text_body.strip(), self._config.max_length)
        outcomes = []
        for index, phone in enumerate(phones, start=1):
            key = message.message_id if len(phones) == 1 else f"{message.message_id}/{index}"
            outcomes.append(await self._send_one(phone, text, message.message_id, key))
        return _combine(outcomes)

    async def aclose(self) -> None:
        """Close the HTTP connections, if any were opened."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _send_one(self, phone: str, text: str, reference: str, key: str) -> _Outcome:
        number = e164(phone)
        if number is None:
            return _Outcome(DeliveryStatus.FAILED, detail=f"{phone!r} is not an E.164 number")
        body = {"to": number, "from": self._config.sender_id, "text": text, "reference": reference}
        try:
            response = await self._client().post(
                self._config.endpoint,
                content=msgspec.json.encode(body),
                headers={"Idempotency-Key": key, "Content-Type": "application/json"},
            )
        except httpx.TransportError as exc:
            raise error_for_transport(exc) from exc
        raise_for_retryable(response)
        if not response.is_success:
            return _Outcome(DeliveryStatus.FAILED, detail=f"{number}: {refusal_detail(response)}")
        status = DeliveryStatus.QUEUED if response.status_code == 202 else DeliveryStatus.SENT
        return _Outcome(status, gateway_id=self._gateway_id(response))

    def _gateway_id(self, response: httpx.Response) -> str | None:
        try:
            value: Any = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            return None
        for name in self._config.message_id_field.split("."):
            value = value.get(name) if isinstance(value, dict) else None
        return str(value) if isinstance(value, str | int) and value != "" else None

    def _client(self) -> httpx.AsyncClient:
        # Created on first use so that building the provider does no I/O.
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self._config.timeout_seconds,
                verify=self._config.verify_tls,
                headers={"Accept": "application/json", **self._auth_headers()},
                follow_redirects=False,
            )
        return self._http

    def _auth_headers(self) -> dict[str, str]:
        config, secrets = self._config, self._secrets
        if config.auth_scheme == "basic":
            if secrets.username is None or secrets.password is None:
                raise ProviderAuthenticationError(
                    "basic auth needs secrets.username and secrets.password", code="no_credentials"
                )
            pair = f"{secrets.username}:{secrets.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        if not secrets.token:
            raise ProviderAuthenticationError(
                f"{config.auth_scheme} auth needs secrets.token", code="no_credentials"
            )
        if config.auth_scheme == "bearer":
            return {"Authorization": f"Bearer {secrets.token}"}
        return {config.header_name: secrets.token}


def _combine(outcomes: list[_Outcome]) -> DeliveryResult:
    """One result for all recipients: delivered if anyone got it, with failures in detail."""
    if not outcomes:
        return DeliveryResult(status=DeliveryStatus.FAILED, detail="no phone recipient")
    delivered = [o for o in outcomes if o.status != DeliveryStatus.FAILED]
    failures = "; ".join(o.detail for o in outcomes if o.detail) or None
    if not delivered:
        return DeliveryResult(status=DeliveryStatus.FAILED, detail=failures)
    queued = any(o.status == DeliveryStatus.QUEUED for o in delivered)
    ids = [o.gateway_id for o in delivered if o.gateway_id]
    return DeliveryResult(
        status=DeliveryStatus.QUEUED if queued else DeliveryStatus.SENT,
        provider_message_id=",".join(ids) or None,
        detail=failures,
    )
