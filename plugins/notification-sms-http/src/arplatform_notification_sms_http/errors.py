"""Translate the gateway's HTTP answers into delivery results and provider errors.

401/403 mean the credentials were refused. 408, 409 (the same idempotency key
is still being processed), 425, 429, 5xx and network failures may pass, so the
core retries them, honouring ``Retry-After``. Every other 4xx is the gateway
refusing this message for good: a ``failed`` delivery.
"""

from __future__ import annotations

import httpx

from arplatform.plugins.contracts.common import (
    ProviderAuthenticationError,
    TransientProviderError,
)
from arplatform.plugins.http import retry_after_seconds

__all__ = ["error_for_transport", "raise_for_retryable", "refusal_detail"]

_RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})
_MAX_BODY_CHARS = 200


def raise_for_retryable(response: httpx.Response) -> None:
    """Raise for an answer that is not the gateway's verdict on the message itself."""
    status = response.status_code
    if status in (401, 403):
        raise ProviderAuthenticationError(
            f"SMS gateway refused the credentials (HTTP {status})", code=f"http_{status}"
        )
    if status in _RETRYABLE_CLIENT_ERRORS or status >= 500:
        raise TransientProviderError(
            f"SMS gateway answered HTTP {status}: {_body_excerpt(response)}",
            code=f"http_{status}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )


def refusal_detail(response: httpx.Response) -> str:
    """A short description of a 4xx refusal for the tenant."""
    return f"HTTP {response.status_code}: {_body_excerpt(response)}"


def error_for_transport(exc: httpx.TransportError) -> TransientProviderError:
    """A time-out or network failure: the gateway may answer next time."""
    if isinstance(exc, httpx.TimeoutException):
        return TransientProviderError("SMS gateway timed out", code="timeout")
    return TransientProviderError(
        f"SMS gateway unreachable: {type(exc).__name__}: {exc}", code="network"
    )


def _body_excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_MAX_BODY_CHARS] or "(empty body)"
