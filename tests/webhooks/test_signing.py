"""Acceptance 1: the signer reproduces the Standard Webhooks vector; real deliveries verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from arplatform.webhooks import signing
from arplatform.webhooks.sending import Sender
from arplatform.webhooks.ssrf import Policy
from tests.webhooks.receiver import Received, Receiver

LOCAL = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)


def test_reference_vector() -> None:
    """The test vector of the Standard Webhooks specification."""
    sent = signing.signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        datetime.fromtimestamp(1614265330, UTC),
        '{"test": 2432232314}',
    )
    assert sent == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_an_aware_non_utc_timestamp_signs_the_same_instant() -> None:
    secret = signing.new_secret()
    utc = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    berlin = utc.astimezone(timezone(timedelta(hours=2)))
    assert signing.signature(secret, "m", berlin, "{}") == signing.signature(secret, "m", utc, "{}")
    assert signing.headers([secret], "m", berlin, "{}") == signing.headers([secret], "m", utc, "{}")
    assert signing.headers([secret], "m", berlin, "{}")["webhook-timestamp"] == str(
        int(utc.timestamp())
    )


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="UTC"):
        signing.signature(signing.new_secret(), "m", datetime(2026, 11, 1), "{}")


def test_new_secrets_are_prefixed_and_long_enough() -> None:
    secrets = {signing.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


async def _deliver(receiver: Receiver, secrets: list[str], body: str, at: datetime) -> Received:
    sender = Sender(LOCAL)
    try:
        result = await sender.post(receiver.url, signing.headers(secrets, "msg_1", at, body), body)
    finally:
        await sender.aclose()
    assert result.status_code == 200 and result.error is None
    return receiver.received[-1]


async def test_captured_deliveries_verify_and_tampering_fails() -> None:
    secret, other = signing.new_secret(), signing.new_secret()
    body = json.dumps({"id": "e1", "type": "invoice.paid", "data": {"number": "INV-1"}})
    with Receiver() as receiver:
        got = await _deliver(receiver, [secret], body, datetime.now(UTC))
        stale = await _deliver(receiver, [secret], body, datetime.now(UTC) - timedelta(minutes=6))
    assert got.headers["webhook-id"] == "msg_1"
    assert Webhook(secret).verify(got.body, got.headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body.replace(b"INV-1", b"INV-2"), got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(stale.body, stale.headers)


async def test_during_rotation_both_secrets_verify() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    with Receiver() as receiver:
        got = await _deliver(receiver, [new, old], "{}", datetime.now(UTC))
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
