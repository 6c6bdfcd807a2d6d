"""Endpoint signing secrets: sealed like integration secrets, rotated with a grace period."""

from __future__ import annotations

from datetime import datetime, timedelta

from arplatform.integrations.secrets import SecretBox
from arplatform.webhooks.models import WebhookEndpoint
from arplatform.webhooks.signing import new_secret

#: How long the secret before a rotation still signs (receivers switch in this time).
ROTATION_GRACE = timedelta(hours=24)


def issue(box: SecretBox, endpoint: WebhookEndpoint) -> str:
    """Give ``endpoint`` a fresh secret and return it (the only time it is shown)."""
    secret = new_secret()
    endpoint.secret_sealed = box.seal({"secret": secret})
    return secret


def rotate(box: SecretBox, endpoint: WebhookEndpoint, now: datetime) -> str:
    """A new secret; the current one keeps signing until ``now + ROTATION_GRACE``."""
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + ROTATION_GRACE
    return issue(box, endpoint)


def signing_secrets(box: SecretBox, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a message is signed with at ``now``: the current one, and the previous
    one while its grace period lasts."""
    found = [str(box.open(endpoint.secret_sealed)["secret"])]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed and expires is not None and now < expires:
        found.append(str(box.open(endpoint.previous_secret_sealed)["secret"]))
    return found
