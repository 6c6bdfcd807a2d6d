"""Translate Connect API failures into the core's provider errors.

401/403 mean the tenant's credentials were refused; 408, 425, 429, 5xx,
time-outs and network failures may pass, so they are transient; a redirect,
an answer larger than the cap and every other 4xx are permanent.
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

__all__ = ["error_for_status", "error_for_transport", "is_retryable_status"]

_RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})
_MAX_DETAIL_CHARS = 300


class _ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    """Connect's error answer, e.g. ``{"correlationId", "message", "details"}``."""

    message: str | None = None
    details: str | None = None


def is_retryable_status(status: int) -> bool:
    return status in _RETRYABLE_CLIENT_ERRORS or status >= 500


def error_for_status(
    status: int, headers: httpx.Headers, body: bytes, action: str
) -> ProviderError:
    """The provider error for a non-success answer to ``action`` ("search" ...)."""
    message = f"Creditsafe {action} failed with HTTP {status}"
    detail = _detail(body)
    if detail:
        message += f": {detail[:_MAX_DETAIL_CHARS]}"
    code = f"http_{status}"
    if status in (401, 403):
        return ProviderAuthenticationError(message, code=code)
    if is_retryable_status(status):
        retry_after = retry_after_seconds(headers.get("Retry-After"))
        return TransientProviderError(message, code=code, retry_after=retry_after)
    return PermanentProviderError(message, code=code)


def error_for_transport(exc: Exception, action: str) -> TransientProviderError:
    """A time-out or network failure: Creditsafe may answer next time."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return TransientProviderError(f"Creditsafe {action} timed out", code="timeout")
    return TransientProviderError(
        f"Creditsafe {action} failed: {type(exc).__name__}: {exc}", code="network"
    )


def _detail(body: bytes) -> str | None:
    try:
        parsed = msgspec.json.decode(body, type=_ErrorBody)
    except msgspec.DecodeError:
        return None
    parts = [part for part in (parsed.message, parsed.details) if part]
    return " - ".join(parts) or None
