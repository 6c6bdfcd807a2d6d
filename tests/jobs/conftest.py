"""Fixtures of the job tests: real brokers behind a proxy, each run on queues of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pika
import pytest
import redis

from arplatform.jobs.catalog import platform_jobs
from arplatform.jobs.runtime import JobSpec
from tests.jobs.helpers import TcpProxy, jobs_on_queues
from tests.support import require_service

BROKER_HOST = "127.0.0.1"
RABBIT_PORT = int(os.environ.get("ARP_TEST_RABBIT_PORT", "5672"))
REDIS_PORT = int(os.environ.get("ARP_TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("ARP_TEST_REDIS_DB", "0"))


@dataclass
class BrokerTarget:
    """One real broker: URLs for it (directly or through a proxy) and this run's queues."""

    kind: str
    port: int
    run_id: str
    jobs: list[JobSpec]

    def url(self, port: int | None = None) -> str:
        port = port or self.port
        if self.kind == "rabbitmq":
            return f"amqp://guest:guest@{BROKER_HOST}:{port}/%2F"
        return f"redis://{BROKER_HOST}:{port}/{REDIS_DB}?namespace=arp-test-{self.run_id}"

    def cleanup(self) -> None:
        if self.kind == "rabbitmq":
            params = pika.URLParameters(self.url())
            connection = pika.BlockingConnection(params)
            try:
                channel = connection.channel()
                for spec in self.jobs:
                    for name in (spec.queue, f"{spec.queue}.DQ", f"{spec.queue}.XQ"):
                        channel.queue_delete(queue=name)
            finally:
                connection.close()
            return
        client = redis.Redis(host=BROKER_HOST, port=self.port, db=REDIS_DB)
        try:
            keys = list(client.scan_iter(match=f"arp-test-{self.run_id}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def _target(kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokerTarget]:
    port = RABBIT_PORT if kind == "rabbitmq" else REDIS_PORT
    require_service(kind, BROKER_HOST, port)
    run_id = uuid.uuid4().hex[:12]
    if kind == "rabbitmq":
        # RabbitMQ has no key prefix: the app declares the jobs on this run's own queues.
        target = BrokerTarget(kind, port, run_id, jobs_on_queues(run_id))
        monkeypatch.setattr("arplatform.app.platform_jobs", lambda: list(target.jobs))
    else:  # Redis: the URL's namespace keeps this run's keys apart
        target = BrokerTarget(kind, port, run_id, platform_jobs())
    target.cleanup()
    yield target
    target.cleanup()


@pytest.fixture(
    params=[
        pytest.param("rabbitmq", marks=pytest.mark.broker),
        pytest.param("redis", marks=pytest.mark.broker),
    ]
)
def broker_target(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BrokerTarget]:
    """RabbitMQ, then Redis; skipped when unreachable unless ARP_REQUIRE_SERVICES=1."""
    yield from _target(request.param, monkeypatch)


@pytest.fixture
def redis_target(monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokerTarget]:
    yield from _target("redis", monkeypatch)


@pytest.fixture
def broker_proxy(broker_target: BrokerTarget) -> Iterator[TcpProxy]:
    with TcpProxy(broker_target.port) as proxy:
        yield proxy
