"""One attempt against hostile receivers: a hard overall deadline, the body never read,
Retry-After in both forms and out of range, and URLs the client cannot even encode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from arplatform.webhooks.rules import AttemptResult
from arplatform.webhooks.sending import Sender
from arplatform.webhooks.ssrf import Policy
from tests.webhooks.receiver import Receiver, always

LOCAL = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hooks"
    finally:
        server.close()


async def _read_request(reader: asyncio.StreamReader) -> None:
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)


async def _post(url: str, timeout: float = 15.0) -> tuple[AttemptResult, float]:
    sender = Sender(LOCAL, timeout=timeout)
    started = time.monotonic()
    try:
        result = await sender.post(url, {}, "{}")
    finally:
        await sender.aclose()
    return result, time.monotonic() - started


async def test_a_trickling_receiver_is_cut_off_at_the_overall_deadline() -> None:
    """1 byte per 0.2 s never trips a per-read time-out; the deadline covers the whole call."""

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok":
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    async with _server(trickle) as url:
        result, took = await _post(url, timeout=1.5)
    assert (result.status_code, result.error) == (None, "timeout")
    assert took < 3


async def test_a_huge_body_is_not_read() -> None:
    """A 10 GB answer: the status counts, the body is dropped after a few kilobytes."""
    sent = 0

    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10000000000\r\n\r\n")
        try:
            while sent < 10_000_000_000:
                writer.write(b"x" * 65536)
                await writer.drain()
                sent += 65536
        except ConnectionError:
            pass

    async with _server(huge) as url:
        result, took = await _post(url, timeout=5)
        await asyncio.sleep(0.2)
    assert result.status_code == 200 and result.error is None
    assert took < 2 and sent < 50_000_000


@pytest.mark.parametrize(
    "url",
    [
        "https://xn--zz.example.com/",  # not a valid A-label
        "https://a..b.com/",  # an empty label
        f"https://{'a' * 70}.example.com/",  # a label over 63 characters
        "https://[::127.0.0.1]/",  # IPv4-compatible loopback
        "http://[::127.0.0.1]/",
    ],
)
async def test_urls_the_client_cannot_encode_are_refused_not_raised(url: str) -> None:
    result, _ = await _post(url)
    assert (result.status_code, result.error) == (None, "refused")


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, "120", 120.0),
        (503, "99999999999999999", 99999999999999999.0),  # the rules clamp it
        (429, "soon", None),
        (500, "120", None),  # only 429 and 503 are honoured
    ],
)
async def test_retry_after(status: int, retry_after: str, expected: float | None) -> None:
    with Receiver(script=always(status, **{"retry-after": retry_after})) as receiver:
        result, _ = await _post(receiver.url)
    assert result.status_code == status
    assert result.retry_after == expected


async def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    with Receiver(script=always(503, **{"retry-after": when})) as receiver:
        result, _ = await _post(receiver.url)
    assert result.retry_after is not None and 3500 <= result.retry_after <= 3600


async def test_a_refused_connection_is_a_connect_error() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    result, _ = await _post(f"http://127.0.0.1:{port}/hooks")
    assert (result.status_code, result.error) == (None, "connect_error")
