"""Translate HTTP failures of the agency into the core's provider errors.

401/403 mean the tenant's API key was refused; 408, 429, 5xx and network
failures may pass, so the core retries them; every other 4xx is permanent.
"""

from __future__ import annotations

import httpx
import msgspec

from arplatform.plugins.contracts.common import (
    PermanentProviderError,
    ProviderAuthenticationError,
    ProviderError,
    TransientProviderError,
)
from arplatform.plugins.http import retry_after_seconds
from arplatform_collection_agency_rest.wire import ErrorBody

__all__ = ["error_body", "error_for_response", "error_for_transport"]

_RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
_MAX_DETAIL_CHARS = 300


def error_body(response: httpx.Response) -> ErrorBody:
    """The agency's error body, or an empty one when the body is not the agency's JSON."""
    try:
        return msgspec.json.decode(response.content, type=ErrorBody)
    except msgspec.DecodeError:
        return ErrorBody()


def error_for_response(response: httpx.Response, action: str) -> ProviderError:
    """The provider error for a non-success ``response`` to ``action`` ("hand-over" ...)."""
    status = response.status_code
    body = error_body(response)
    code = body.code or f"http_{status}"
    message = f"agency {action} failed with HTTP {status}"
    if body.detail:
        message += f": {body.detail[:_MAX_DETAIL_CHARS]}"
    if status in (401, 403):
        return ProviderAuthenticationError(message, code=code)
    if status in _RETRYABLE_CLIENT_ERRORS or status >= 500:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return TransientProviderError(message, code=code, retry_after=retry_after)
    return PermanentProviderError(message, code=code)


def error_for_transport(exc: httpx.TransportError, action: str) -> TransientProviderError:
    """A time-out or network failure: the agency may answer next time."""
    if isinstance(exc, httpx.TimeoutException):
        return TransientProviderError(f"agency {action} timed out", code="timeout")
    return TransientProviderError(
        f"agency {action} failed: {type(exc).__name__}: {exc}", code="network"
    )
