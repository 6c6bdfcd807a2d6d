"""Fixtures of the dunning tests: a real SMTP server on loopback, a Redis broker."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from arplatform.settings import Settings
from tests.jobs.conftest import BrokerTarget, _target
from tests.jobs.helpers import free_port
from tests.support import Api, start_api


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1 keeping what it receives, and its port."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def redis_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokerTarget]:
    yield from _target("redis", monkeypatch)


@pytest.fixture
def running(backend_settings: Settings) -> Iterator[Api]:
    """The app with its in-process worker, on SQLite and PostgreSQL."""
    yield from start_api(backend_settings, jobs=True)
