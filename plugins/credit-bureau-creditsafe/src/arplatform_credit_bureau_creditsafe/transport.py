"""HTTP to the Connect API: bearer token, bounded retries, time-outs and a size cap.

``POST /authenticate`` with the tenant's username and password returns a JWT
that Creditsafe documents as valid for one hour; it is cached per provider
instance, renewed before it expires and once more when an answer is 401.
Answers 408/425/429/5xx and time-outs are retried with exponential backoff
(honouring ``Retry-After``) while the attempts and the call's overall time
budget last. Redirects are never followed and bodies are read as a stream
that is abandoned as soon as it passes ``max_response_bytes``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

import httpx
import msgspec

from arplatform.plugins.contracts.common import PermanentProviderError, TransientProviderError
from arplatform.plugins.http import retry_after_seconds
from arplatform_credit_bureau_creditsafe.errors import (
    error_for_status,
    error_for_transport,
    is_retryable_status,
)

__all__ = ["MAX_CALL_SECONDS", "ConnectTransport", "Reply"]

# The core cancels a provider call after 30 s; all attempts of one call,
# authentication included, must end before that.
MAX_CALL_SECONDS = 25.0
# A longer Retry-After is handed to the core (which waits between jobs)
# rather than slept through inside one call.
MAX_RETRY_AFTER_SECONDS = 5.0
BACKOFF_BASE_SECONDS = 0.2
TOKEN_LIFETIME_SECONDS = 50 * 60  # Creditsafe tokens live one hour.


class _TokenBody(msgspec.Struct, frozen=True, kw_only=True):
    token: Annotated[str, msgspec.Meta(min_length=1)]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes


class ConnectTransport:
    """One tenant's connection to the Connect API (holds its token and HTTP pool)."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout_seconds: float,
        max_response_bytes: int,
        max_attempts: int,
        username: str,
        password: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._max_bytes = max_response_bytes
        self._max_attempts = max_attempts
        self._credentials = msgspec.json.encode({"username": username, "password": password})
        self._sleep = sleep
        self._token: str | None = None
        self._token_expires = 0.0
        self._auth_lock = asyncio.Lock()
        self._http: httpx.AsyncClient | None = None

    async def get(self, path: str, params: Mapping[str, str], *, action: str) -> bytes:
        """The body of a 2xx answer to ``GET path``, or the matching provider error."""
        deadline = time.monotonic() + MAX_CALL_SECONDS
        token = await self._current_token(deadline)
        reply = await self._send("GET", path, action, deadline, params=params, token=token)
        if reply.status == 401:
            self._token = None  # expired or revoked early: one fresh token, one more try
            token = await self._current_token(deadline)
            reply = await self._send("GET", path, action, deadline, params=params, token=token)
        if 200 <= reply.status < 300:
            return reply.body
        raise error_for_status(reply.status, reply.headers, reply.body, action)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _current_token(self, deadline: float) -> str:
        async with self._auth_lock:
            if self._token is not None and time.monotonic() < self._token_expires:
                return self._token
            reply = await self._send(
                "POST", "/authenticate", "authentication", deadline, content=self._credentials
            )
            if not 200 <= reply.status < 300:
                raise error_for_status(reply.status, reply.headers, reply.body, "authentication")
            try:
                token = msgspec.json.decode(reply.body, type=_TokenBody).token
            except msgspec.DecodeError as exc:
                raise TransientProviderError(
                    f"Creditsafe authentication answered with an unreadable body: {exc}",
                    code="malformed_response",
                ) from exc
            self._token = token
            self._token_expires = time.monotonic() + TOKEN_LIFETIME_SECONDS
            return token

    async def _send(
        self,
        method: str,
        path: str,
        action: str,
        deadline: float,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        token: str | None = None,
    ) -> Reply:
        """One request with bounded retries; a retryable status left over is returned."""
        attempt = 1
        while True:
            try:
                reply = await self._once(method, path, action, deadline, params, content, token)
            except (httpx.TransportError, TimeoutError) as exc:
                delay = self._backoff(attempt)
                if not self._may_retry(attempt, delay, deadline):
                    raise error_for_transport(exc, action) from exc
            else:
                if not is_retryable_status(reply.status):
                    return reply
                hinted = retry_after_seconds(reply.headers.get("Retry-After"))
                delay = self._backoff(attempt) if hinted is None else hinted
                if delay > MAX_RETRY_AFTER_SECONDS or not self._may_retry(attempt, delay, deadline):
                    return reply
            await self._sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return float(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))

    def _may_retry(self, attempt: int, delay: float, deadline: float) -> bool:
        fits = time.monotonic() + delay + self._timeout <= deadline
        return attempt < self._max_attempts and fits

    async def _once(
        self,
        method: str,
        path: str,
        action: str,
        deadline: float,
        params: Mapping[str, str] | None,
        content: bytes | None,
        token: str | None,
    ) -> Reply:
        headers = {"Content-Type": "application/json"} if content is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        client = self._client()
        request = client.build_request(
            method, self._base_url + path, params=params, content=content, headers=headers
        )
        # httpx's time-out applies per read; this bounds the whole exchange, so
        # a server dripping bytes slowly cannot hold the call open.
        async with asyncio.timeout(max(min(self._timeout, deadline - time.monotonic()), 0.0)):
            response = await client.send(request, stream=True)
            try:
                if 300 <= response.status_code < 400:
                    raise PermanentProviderError(
                        f"Creditsafe {action} answered with a redirect (HTTP "
                        f"{response.status_code}); redirects are never followed",
                        code="redirect",
                    )
                body = await self._read_capped(response, action)
            finally:
                await response.aclose()
        return Reply(response.status_code, response.headers, body)

    async def _read_capped(self, response: httpx.Response, action: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise self._too_large(action)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self._max_bytes:
                raise self._too_large(action)
        return bytes(body)

    def _too_large(self, action: str) -> PermanentProviderError:
        return PermanentProviderError(
            f"Creditsafe {action} answer is larger than {self._max_bytes} bytes",
            code="response_too_large",
        )

    def _client(self) -> httpx.AsyncClient:
        # Created on first use so that building the provider does no I/O.
        # trust_env=False: no proxy or .netrc from the environment may see
        # the tenant's token or reroute its requests.
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                headers={"Accept": "application/json"},
            )
        return self._http
