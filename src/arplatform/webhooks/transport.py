"""An HTTP client whose every connection goes to an address the SSRF guard has vetted.

The host is resolved once per connection, all of its addresses are checked,
and the socket is opened to a vetted address while TLS still verifies (and
sends as SNI) the host name. Redirects are never followed and proxies from
the environment are ignored: either would let a request leave the vetted path.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing

import httpcore
import httpx
from httpcore import AnyIOBackend, AsyncNetworkBackend, AsyncNetworkStream

from arplatform.webhooks.ssrf import Policy, Resolver, system_resolver, vetted_addresses

TIMEOUT_SECONDS = 15.0
MAX_CONNECTIONS = 200
SocketOption = typing.Any


class GuardedBackend(AsyncNetworkBackend):
    """Resolves, vets, then connects to the vetted address (never resolves twice).

    ``timeout`` bounds resolving and trying every address together, not each in turn.
    """

    def __init__(self, policy: Policy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await vetted_addresses(host, port, self._policy, self._resolver)
                last_error: Exception | None = None
                for address in addresses:
                    try:
                        return await self._inner.connect_tcp(
                            str(address), port, timeout, local_address, socket_options
                        )
                    except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                        last_error = exc
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host!r} within {timeout} s") from None
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool on the :class:`GuardedBackend`.

    httpx offers no public way to give its own transport a network backend, so
    this one adapts requests, responses and errors between the two libraries.
    """

    def __init__(self, policy: Policy, resolver: Resolver, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(policy, resolver),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = httpcore.URL(
            scheme=request.url.raw_scheme,
            host=request.url.raw_host,
            port=request.url.port,
            target=request.url.raw_path,
        )
        core = httpcore.Request(
            method=request.method,
            url=url,
            headers=request.headers.raw,
            content=typing.cast("typing.AsyncIterable[bytes]", request.stream),
            extensions=request.extensions,
        )
        with _mapped(request):
            response = await self._pool.handle_async_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._response.aiter_stream():
                yield chunk

    async def aclose(self) -> None:
        await self._response.aclose()


@contextlib.contextmanager
def _mapped(request: httpx.Request) -> typing.Iterator[None]:
    """httpcore's errors as the httpx errors the sender classifies."""
    try:
        yield
    except httpcore.TimeoutException as exc:
        raise httpx.TimeoutException(str(exc), request=request) from exc
    except httpcore.ConnectError as exc:
        raise httpx.ConnectError(str(exc), request=request) from exc
    except httpcore.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        raise httpx.TransportError(str(exc), request=request) from exc


def guarded_client(
    policy: Policy,
    resolver: Resolver = system_resolver,
    *,
    max_connections: int = MAX_CONNECTIONS,
    timeout: float = TIMEOUT_SECONDS,
) -> httpx.AsyncClient:
    """One pooled client for all deliveries of an event loop."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy, resolver, max_connections),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": "arplatform-webhooks/1"},
    )
