"""One HTTP attempt, classified: a status code, the latency and the class of any failure.

One pooled :class:`Sender` per event loop serves every delivery on it, so
deliveries run concurrently on the loop instead of one blocking call per thread.
The whole attempt (resolve, connect, send, answer) has one hard deadline, and the
receiver's body is never read beyond a small cap: a receiver that trickles bytes
or sends gigabytes costs at most the deadline and a few kilobytes.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import structlog

from arplatform.plugins.http import retry_after_seconds
from arplatform.settings import Settings
from arplatform.webhooks.rules import AttemptResult
from arplatform.webhooks.ssrf import Policy, Resolver, UnsafeUrl, check_url, system_resolver
from arplatform.webhooks.transport import MAX_CONNECTIONS, TIMEOUT_SECONDS, guarded_client

log = structlog.get_logger(__name__)

#: Statuses whose ``Retry-After`` is honoured.
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: Of the receiver's body at most this much is drained (so a short answer keeps the
#: connection reusable); the rest is dropped with the connection, never read.
BODY_CAP = 4096


class Sender:
    """POSTs signed messages through the SSRF-guarded, pooled client."""

    def __init__(
        self,
        policy: Policy,
        resolver: Resolver = system_resolver,
        *,
        max_connections: int = MAX_CONNECTIONS,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self._client = guarded_client(
            policy, resolver, max_connections=max_connections, timeout=timeout
        )

    async def post(self, url: str, headers: dict[str, str], body: str) -> AttemptResult:
        """Send once within ``timeout`` seconds overall; never raises (bar cancellation)."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                return await self._post(url, headers, body, started)
        except UnsafeUrl as exc:
            log.warning("webhook_refused", reason=str(exc))
            return AttemptResult(None, _ms_since(started), "refused")
        except (TimeoutError, httpx.TimeoutException):
            return AttemptResult(None, _ms_since(started), "timeout")
        except (httpx.ConnectError, ConnectionError):
            return AttemptResult(None, _ms_since(started), "connect_error")
        except httpx.HTTPError as exc:
            return AttemptResult(None, _ms_since(started), _snake(type(exc).__name__))
        except (httpx.InvalidURL, UnicodeError):
            return AttemptResult(None, _ms_since(started), "invalid_url")
        except Exception:  # a delivery must be recorded whatever the receiver did
            log.exception("webhook_send_failed")
            return AttemptResult(None, _ms_since(started), "error")

    async def _post(
        self, url: str, headers: dict[str, str], body: str, started: float
    ) -> AttemptResult:
        check_url(url, self.policy)
        request = self._client.build_request("POST", url, content=body.encode(), headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            result = _classified(response, _ms_since(started))
            drained = 0
            async for chunk in response.aiter_raw():
                drained += len(chunk)
                if drained >= BODY_CAP:
                    break
            return result
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()


def _classified(response: httpx.Response, latency_ms: int) -> AttemptResult:
    code = response.status_code
    if 200 <= code < 300:
        return AttemptResult(code, latency_ms)
    retry_after = None
    if code in RETRY_AFTER_STATUSES:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
    error = "redirect" if 300 <= code < 400 else f"http_{code}"
    return AttemptResult(code, latency_ms, error, retry_after)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")[:64]


_senders: dict[tuple[asyncio.AbstractEventLoop, Policy], Sender] = {}


def sender_for(settings: Settings) -> Sender:
    """The running loop's sender for ``settings``' policy (an httpx client belongs to one loop)."""
    key = (asyncio.get_running_loop(), Policy.from_settings(settings))
    if key not in _senders:
        for stale in [k for k in _senders if k[0].is_closed()]:
            del _senders[stale]
        _senders[key] = Sender(key[1])
    return _senders[key]
