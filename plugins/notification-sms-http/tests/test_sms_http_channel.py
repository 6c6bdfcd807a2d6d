"""``HttpSmsChannel`` against a stand-in gateway (stdlib ``http.server``) on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from arplatform_notification_sms_http.channel import (
    HttpSmsChannel,
    SmsGatewayConfig,
    SmsGatewaySecrets,
)
from arplatform_notification_sms_http.text import e164, truncate

from arplatform.plugins.contracts.common import (
    ProviderAuthenticationError,
    TransientProviderError,
)
from arplatform.plugins.contracts.notification import (
    AddressKind,
    DeliveryResult,
    DeliveryStatus,
    OutgoingMessage,
    Recipient,
    SenderIdentity,
)
from arplatform.testing.conformance import NotificationChannelConformance

TOKEN = "gw-token-4711"  # noqa: S105 - the stand-in's token


@dataclass(frozen=True)
class Reply:
    status: int = 202
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Gateway:
    """Records every request; answers with the scripted replies, then 202 + a fresh id."""

    url: str = ""
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    def next_reply(self) -> Reply:
        if self.replies:
            return self.replies.pop(0)
        body = json.dumps({"id": f"gw-{len(self.requests)}", "status": "accepted"}).encode()
        return Reply(202, body, {"Content-Type": "application/json"})


def _handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length))
            gateway.requests.append((self.path, dict(self.headers.items()), payload))
            reply = gateway.next_reply()
            time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (time-out test)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def channel(endpoint: str, secrets: dict[str, str] | None = None, **config: Any) -> HttpSmsChannel:
    settings = {"endpoint": endpoint, "sender_id": "Nordhafen", **config}
    return HttpSmsChannel(
        msgspec.convert(settings, SmsGatewayConfig),
        msgspec.convert({"token": TOKEN} if secrets is None else secrets, SmsGatewaySecrets),
    )


def sms(*numbers: str, text: str = "Invoice INV-2025-0042 is overdue.") -> OutgoingMessage:
    return OutgoingMessage(
        message_id="msg-sms-1",
        sender=SenderIdentity(name="Nordhafen Maschinenbau GmbH"),
        recipients=tuple(Recipient(kind=AddressKind.PHONE, address=n) for n in numbers),
        subject="Payment reminder",
        text_body=text,
    )


async def send(provider: HttpSmsChannel, message: OutgoingMessage) -> DeliveryResult:
    try:
        return await provider.send(message)
    finally:
        await provider.aclose()


async def test_posts_json_with_idempotency_key_and_bearer(gateway: Gateway) -> None:
    result = await send(channel(gateway.url), sms("+49 151 1234-5678"))

    assert result == DeliveryResult(status=DeliveryStatus.QUEUED, provider_message_id="gw-1")
    ((path, headers, body),) = gateway.requests
    assert path == "/v1/messages"
    assert body == {
        "to": "+4915112345678",
        "from": "Nordhafen",
        "text": "Invoice INV-2025-0042 is overdue.",
        "reference": "msg-sms-1",
    }
    assert headers["Idempotency-Key"] == "msg-sms-1"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == "application/json"


async def test_basic_auth(gateway: Gateway) -> None:
    secrets = {"username": "nordhafen", "password": "pa:ss"}
    await send(channel(gateway.url, secrets, auth_scheme="basic"), sms("+4915112345678"))
    expected = base64.b64encode(b"nordhafen:pa:ss").decode()
    assert gateway.requests[0][1]["Authorization"] == f"Basic {expected}"


async def test_token_in_a_named_header(gateway: Gateway) -> None:
    provider = channel(gateway.url, auth_scheme="header", header_name="X-Gateway-Token")
    await send(provider, sms("+4915112345678"))
    headers = gateway.requests[0][1]
    assert headers["X-Gateway-Token"] == TOKEN
    assert "Authorization" not in headers


async def test_missing_secret_is_an_authentication_problem(gateway: Gateway) -> None:
    with pytest.raises(ProviderAuthenticationError):
        await send(channel(gateway.url, {}, auth_scheme="bearer"), sms("+4915112345678"))
    assert gateway.requests == []


async def test_200_is_sent_with_id_from_configured_field(gateway: Gateway) -> None:
    gateway.replies.append(Reply(200, b'{"data": {"message_id": 98765}}'))
    provider = channel(gateway.url, message_id_field="data.message_id")
    result = await send(provider, sms("+4915112345678"))
    assert result == DeliveryResult(status=DeliveryStatus.SENT, provider_message_id="98765")


async def test_text_is_truncated_to_max_length(gateway: Gateway) -> None:
    text = "Zahlungserinnerung für Rechnung INV-2025-0042 über EUR 1.225,00"
    await send(channel(gateway.url, max_length=20), sms("+4915112345678", text=text))
    sent = gateway.requests[0][2]["text"]
    assert sent == "Zahlungserinnerung…"
    assert len(sent) <= 20


async def test_client_error_fails_the_delivery(gateway: Gateway) -> None:
    gateway.replies.append(Reply(400, b'{"error": "number not reachable"}'))
    result = await send(channel(gateway.url), sms("+4915112345678"))
    assert result.status == DeliveryStatus.FAILED
    assert result.detail is not None
    assert "HTTP 400" in result.detail and "number not reachable" in result.detail


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials(gateway: Gateway, status: int) -> None:
    gateway.replies.append(Reply(status, b"{}"))
    with pytest.raises(ProviderAuthenticationError):
        await send(channel(gateway.url), sms("+4915112345678"))


@pytest.mark.parametrize("status", [408, 429, 500, 503])
async def test_retryable_answers_carry_retry_after(gateway: Gateway, status: int) -> None:
    gateway.replies.append(Reply(status, b"busy", {"Retry-After": "17"}))
    with pytest.raises(TransientProviderError) as caught:
        await send(channel(gateway.url), sms("+4915112345678"))
    assert caught.value.retry_after == 17.0
    assert caught.value.code == f"http_{status}"


async def test_timeout_is_transient(gateway: Gateway) -> None:
    gateway.replies.append(Reply(202, b"{}", delay=1.0))
    with pytest.raises(TransientProviderError) as caught:
        await send(channel(gateway.url, timeout_seconds=0.2), sms("+4915112345678"))
    assert caught.value.code == "timeout"


async def test_gateway_down_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientProviderError) as caught:
        await send(channel(f"http://127.0.0.1:{port}/v1/messages"), sms("+4915112345678"))
    assert caught.value.code == "network"


async def test_several_recipients_get_their_own_keys(gateway: Gateway) -> None:
    gateway.replies.extend([Reply(200, b'{"id": "a"}'), Reply(400, b'{"error": "blocked"}')])
    result = await send(channel(gateway.url), sms("+4915112345678", "+33612345678", "0151 123"))
    keys = [headers["Idempotency-Key"] for _, headers, _ in gateway.requests]
    assert keys == ["msg-sms-1/1", "msg-sms-1/2"]  # the national number is not sent
    assert result.status == DeliveryStatus.SENT
    assert result.provider_message_id == "a"
    assert result.detail is not None
    assert "+33612345678: HTTP 400" in result.detail and "'0151 123'" in result.detail


def test_e164_normalisation() -> None:
    assert e164("0049 (151) 123.456/78") == "+4915112345678"
    assert e164("+1-202-555-0143") == "+12025550143"
    assert e164("0151 12345678") is None
    assert e164("+0 123 456 789") is None


def test_truncation_keeps_characters_whole() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("Cafe\u0301 ouvert", 6) == "Cafe\u0301…"
    assert truncate("Cafe\u0301 ouvert", 5) == "Caf…"  # e and its combining accent stay together
    family = "\U0001f469\u200d\U0001f467"  # woman ZWJ girl
    assert truncate(f"ok {family} done", 6) == "ok…"
    assert truncate("逾期付款提醒通知", 5) == "逾期付款…"


class TestHttpSmsChannelConformance(NotificationChannelConformance):
    """The kit's checks against the stand-in gateway."""

    provider_class = HttpSmsChannel
    config = {"endpoint": "http://127.0.0.1:9/v1/messages", "sender_id": "Nordhafen"}
    secrets = {"token": TOKEN}

    @pytest.fixture(autouse=True)
    def _gateway(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def make_provider(self) -> HttpSmsChannel:
        config = {**self.config, "endpoint": self.gateway.url}
        return HttpSmsChannel(
            msgspec.convert(config, SmsGatewayConfig),
            msgspec.convert(self.secrets, SmsGatewaySecrets),
        )

    def recipient(self) -> Recipient:
        return Recipient(kind=AddressKind.PHONE, address="+4915112345678")

    def check_delivered(self, message: Any, result: DeliveryResult) -> None:
        ((_, headers, body),) = self.gateway.requests
        assert body["to"] == "+4915112345678"
        assert body["reference"] == message.message_id
        assert headers["Idempotency-Key"] == message.message_id
        assert result.provider_message_id == "gw-1"
