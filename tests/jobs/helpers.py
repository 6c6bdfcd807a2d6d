"""Helpers for the job tests: a TCP proxy to take a broker away, polling, outbox queries."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import dramatiq
from dramatiq.middleware import Middleware
from sqlalchemy import func, select

from arplatform.db.session import Database
from arplatform.events.models import Event
from arplatform.jobs.catalog import platform_jobs
from arplatform.jobs.models import JobReceipt, OutboxMessage
from arplatform.jobs.runtime import JobSpec
from tests.support import start_api

T = TypeVar("T")

#: ``with running_api(settings, jobs=...) as api:`` (``start_api`` as a context manager).
running_api = contextlib.contextmanager(start_api)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop()`` refuses connections and cuts open ones."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, factory: Callable[[], Any]) -> None:
        asyncio.run_coroutine_threadsafe(factory(), self._loop).result(timeout=5)

    def start(self) -> None:
        self._call(self._start)

    def stop(self) -> None:
        self._call(self._stop)

    async def _start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if self._handlers:
            _, stuck = await asyncio.wait(self._handlers, timeout=2)
            for task in stuck:
                task.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))


class Processed(Middleware):
    """Records the id of every message a worker finished (successfully or not)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done: list[tuple[str, str | None]] = []

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        with self._lock:
            self.done.append((message.message_id, None if exception is None else repr(exception)))

    def count(self, message_id: str) -> int:
        with self._lock:
            return sum(1 for mid, _ in self.done if mid == message_id)


def jobs_on_queues(suffix: str) -> list[JobSpec]:
    """The platform jobs on queues of their own, so parallel runs never share a queue."""
    return [replace(spec, queue=f"{spec.queue}.{suffix}") for spec in platform_jobs()]


def start_worker(broker: dramatiq.Broker, threads: int = 1) -> tuple[dramatiq.Worker, Processed]:
    processed = Processed()
    broker.add_middleware(processed)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker, processed


async def publish_rows(
    db: Database, tenant_id: uuid.UUID, event_type: str = "customer.created"
) -> list[OutboxMessage]:
    """The tenant's ``events.publish`` outbox rows for events of ``event_type``, oldest first."""
    async with db.session(tenant_id) as session:
        wanted = {
            str(event_id)
            for event_id in await session.scalars(select(Event.id).where(Event.type == event_type))
        }
    async with db.session(None) as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.actor == "events.publish")
            .order_by(OutboxMessage.id)
        )
        return [row for row in rows.all() if row.args.get("event_id") in wanted]


async def tenant_events(
    db: Database, tenant_id: uuid.UUID, resource_type: str = "customer"
) -> list[Event]:
    """The tenant's events about resources of ``resource_type``, oldest first."""
    async with db.session(tenant_id) as session:
        stmt = select(Event).where(Event.resource_type == resource_type).order_by(Event.id)
        return list((await session.scalars(stmt)).all())


async def receipt_count(db: Database, outbox_id: uuid.UUID) -> int:
    async with db.session(None) as session:
        count = await session.scalar(
            select(func.count()).select_from(JobReceipt).where(JobReceipt.outbox_id == outbox_id)
        )
        return int(count or 0)
