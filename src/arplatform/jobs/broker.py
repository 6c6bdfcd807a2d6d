"""The dramatiq broker, built from settings, with every platform actor declared on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
import pika
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from arplatform.jobs.runtime import JobRuntime, JobSpec
from arplatform.settings import Settings

# Fail fast when the broker is unreachable: the outbox keeps the work, so a
# long connection retry only holds up the relay.
_RABBIT_DEFAULTS = {
    "connection_attempts": "1",
    "socket_timeout": "3",
    "blocked_connection_timeout": "5",
}


def _rabbit_url(url: str) -> str:
    parts = urlsplit(url)
    query = dict(_RABBIT_DEFAULTS)
    query.update(parse_qsl(parts.query))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redis_broker(url: str) -> RedisBroker:
    # ``?namespace=`` prefixes every key, so environments can share one Redis.
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    namespace = next((v for k, v in query if k == "namespace"), "dramatiq")
    rest = urlencode([(k, v) for k, v in query if k != "namespace"])
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=urlunsplit(parts._replace(query=rest)),
        namespace=namespace,
        socket_connect_timeout=3,
        socket_timeout=5,
    )


class _JobsAsyncIO(AsyncIO):
    """The AsyncIO middleware that also closes the jobs' engine before its loop stops."""

    def __init__(self, runtime: JobRuntime) -> None:
        super().__init__()
        self._runtime = runtime

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            try:
                thread.run_coroutine(self._runtime.dispose_current())
            except Exception:
                self.logger.warning("Disposing the jobs' engine failed.", exc_info=True)
        super().after_worker_shutdown(broker, worker)  # type: ignore[no-untyped-call]


def _new_broker(url: str | None) -> dramatiq.Broker:
    if url is None:
        return StubBroker()
    if url.startswith(("amqp://", "amqps://")):
        return RabbitmqBroker(url=_rabbit_url(url), confirm_delivery=True)
    if url.startswith(("redis://", "rediss://")):
        return _redis_broker(url)
    raise ValueError("ARP_BROKER_URL must start with amqp://, amqps://, redis:// or rediss://")


def _declare(broker: dramatiq.Broker, runtime: JobRuntime, spec: JobSpec) -> None:
    async def run(outbox_id: str) -> None:
        await runtime.execute(spec, uuid.UUID(outbox_id))

    run.__name__ = spec.name.replace(".", "_")
    dramatiq.Actor(
        run,  # type: ignore[arg-type]  # dramatiq's ParamSpec typing rejects any concrete signature
        broker=broker,
        actor_name=spec.name,
        queue_name=spec.queue,
        priority=0,
        options={
            "max_retries": spec.max_retries,
            "min_backoff": spec.min_backoff_ms,
            "max_backoff": spec.max_backoff_ms,
            **spec.options,
        },
    )


def build_broker(
    settings: Settings, runtime: JobRuntime, jobs: Iterable[JobSpec]
) -> dramatiq.Broker:
    """A broker for ``settings.broker_url`` (embedded: in-memory) with ``jobs`` as actors."""
    broker = _new_broker(settings.broker_url)
    if not any(isinstance(m, AsyncIO) for m in broker.middleware):
        broker.add_middleware(_JobsAsyncIO(runtime))
    for spec in jobs:
        _declare(broker, runtime, spec)
    return broker


def send(broker: dramatiq.Broker, actor_name: str, outbox_id: uuid.UUID) -> None:
    """Hand one outbox message to the broker; the outbox id is the message id."""
    actor = broker.get_actor(actor_name)
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=actor.queue_name,
        actor_name=actor_name,
        args=(str(outbox_id),),
        kwargs={},
        options={},
        message_id=str(outbox_id),
    )
    broker.enqueue(message)


def broker_reachable(broker: dramatiq.Broker, url: str | None) -> bool:
    """A short round trip to the broker on a connection of its own, for readiness."""
    try:
        if isinstance(broker, RedisBroker):
            return bool(broker.client.ping())
        if isinstance(broker, RabbitmqBroker) and url is not None:
            connection = pika.BlockingConnection(pika.URLParameters(_rabbit_url(url)))
            connection.close()
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True
