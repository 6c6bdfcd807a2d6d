"""Standard Webhooks signatures: ``whsec_`` secrets and the three ``webhook-*`` headers."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: datetime, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``<id>.<unix seconds>.<body>``."""
    if timestamp.tzinfo is None:
        # The library treats every datetime as UTC; a naive local time would sign a lie.
        raise ValueError("sign with an aware UTC timestamp")
    return Webhook(secret).sign(message_id, timestamp.astimezone(UTC), body)


def headers(
    active_secrets: Iterable[str], message_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The headers of one attempt; several secrets (rotation) give space-separated signatures."""
    signatures = " ".join(signature(s, message_id, timestamp, body) for s in active_secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
