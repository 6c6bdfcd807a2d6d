"""The long-running processes of production mode: ``worker`` and ``scheduler``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

import dramatiq
import structlog

from arplatform.db.session import Database
from arplatform.jobs.broker import build_broker
from arplatform.jobs.catalog import periodic_jobs, platform_jobs
from arplatform.jobs.relay import Relay
from arplatform.jobs.runtime import JobRuntime
from arplatform.jobs.scheduler import run_scheduler
from arplatform.ops.logging import configure_logging
from arplatform.settings import Settings

log = structlog.get_logger(__name__)


def run_worker(settings: Settings, *, threads: int) -> int:
    """Consume every platform queue until SIGTERM or SIGINT."""
    configure_logging(json=settings.log_json, level=settings.log_level)
    if settings.embedded_jobs:
        log.error("worker_needs_broker", hint="set ARP_BROKER_URL (amqp:// or redis://)")
        return 2
    runtime = JobRuntime(settings)
    broker = build_broker(settings, runtime, platform_jobs())
    worker = dramatiq.Worker(broker, worker_threads=threads)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("worker_started", queues=sorted(broker.get_declared_queues()), threads=threads)
    stop.wait()
    worker.stop()
    broker.close()
    return 0


async def _scheduler_main(settings: Settings) -> None:
    db = Database(settings.database_url, pool_size=2)
    broker = build_broker(settings, JobRuntime(settings), platform_jobs())
    relay = Relay(db, broker, settings.relay_poll_seconds)
    tasks = [
        asyncio.create_task(relay.run()),
        asyncio.create_task(run_scheduler(db, periodic_jobs(), relay.nudge)),
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        relay.close()
        await db.dispose()


def run_scheduler_process(settings: Settings) -> int:
    """Enqueue periodic jobs and relay the outbox until interrupted."""
    configure_logging(json=settings.log_json, level=settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_scheduler_main(settings))
    return 0
