"""Production mode: a worker killed in the middle of a run leaves nothing half done.

PostgreSQL, Redis and ``arplatform worker`` as a process. The test holds the
tenant's run lock so the run is caught mid-transaction, kills the worker with
SIGKILL, then lets a new worker run the day again: every customer gets its
notice exactly once, as the SMTP server on loopback shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from arplatform.dunning.jobs import RUN_TENANT_JOB
from arplatform.dunning.models import Communication, DunningRun, DunningSettings
from arplatform.jobs.models import JobReceipt
from arplatform.jobs.outbox import enqueue
from arplatform.settings import Settings
from tests.dunning.conftest import Inbox
from tests.dunning.helpers import wait_for_mail
from tests.dunning.test_dunning_run_e2e import _setup
from tests.jobs.conftest import BrokerTarget
from tests.jobs.helpers import running_api, wait_until
from tests.support import JWT_KEY, PG_HOST, PG_PORT, SECRETS_KEY, Api, TenantHandle, make_settings

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

NOW = "2026-11-05T09:00:00+00:00"


def _worker(settings: Settings, broker_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ARP_")},
        "ARP_DATABASE_URL": settings.database_url,
        "ARP_MIGRATION_DATABASE_URL": settings.migration_database_url or "",
        "ARP_BROKER_URL": broker_url,
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": SECRETS_KEY,
        "ARP_LOG_FORMAT": "console",
        "ARP_LOG_LEVEL": "INFO",
    }
    command = [str(Path(sys.executable).parent / "arplatform"), "worker", "--threads", "2"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _database(settings: Settings) -> str:
    return settings.database_url.rsplit("/", 1)[1]


async def _hold_run_lock(settings: Settings, tenant: TenantHandle) -> asyncpg.Connection:
    """As the superuser (no RLS): lock the tenant's dunning settings row, as a run does."""
    connection = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", database=_database(settings)
    )
    await connection.execute("BEGIN")
    await connection.execute(
        "SELECT id FROM dunning_settings WHERE tenant_id = $1 FOR UPDATE", tenant.tenant_id
    )
    return connection


async def _waiting_on_lock(settings: Settings) -> bool:
    connection = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", database="postgres"
    )
    try:
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            _database(settings),
        )
    finally:
        await connection.close()
    return bool(waiting)


def _enqueue_run(api: Api, tenant: TenantHandle) -> uuid.UUID:
    """What the hourly fan-out does for the tenant; the outbox message's id."""
    db = api.app.state.db

    async def add() -> uuid.UUID:
        async with db.session(tenant.tenant_id, actor="test") as session, session.begin():
            message = enqueue(session, RUN_TENANT_JOB, {"now": NOW})
            await session.flush()
            return message.id

    message_id = api.run(add)
    api.app.state.relay.nudge()
    return message_id


def _done(api: Api, message_id: uuid.UUID) -> bool:
    async def read() -> bool:
        async with api.app.state.db.session(None, actor="test") as session:
            found = await session.scalar(
                select(JobReceipt.outbox_id).where(JobReceipt.outbox_id == message_id)
            )
            return found is not None

    return api.run(read)


def _counts(api: Api, tenant: TenantHandle) -> tuple[int, int, date | None]:
    async def read() -> tuple[int, int, date | None]:
        async with api.app.state.db.session(tenant.tenant_id, actor="test") as session:
            runs = await session.scalar(select(func.count()).select_from(DunningRun))
            notices = await session.scalar(select(func.count()).select_from(Communication))
            last = await session.scalar(select(DunningSettings.last_run_on))
            return int(runs or 0), int(notices or 0), last

    return api.run(read)


def test_a_worker_killed_mid_run_leaves_nothing_and_the_next_run_sends_once(
    postgres_settings: Settings,
    redis_broker: BrokerTarget,
    inbox: tuple[Inbox, int],
    workers: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    received, port = inbox
    broker_url = redis_broker.url()
    settings = make_settings(
        postgres_settings.database_url,
        migration_url=postgres_settings.migration_database_url,
        broker_url=broker_url,
    )
    log = tmp_path / "workers.log"
    with running_api(settings) as api:
        tenant, customers = _setup(api, port, scheduled_runs=True)
        lock = api.run(lambda: _hold_run_lock(settings, tenant))
        try:
            workers.append(_worker(settings, broker_url, log))
            _enqueue_run(api, tenant)
            wait_until(
                lambda: api.run(lambda: _waiting_on_lock(settings)),
                timeout=60,
                what="the run to wait on its lock",
            )
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
        finally:
            api.run(lock.close)
        assert _counts(api, tenant) == (0, 0, None), log.read_text()

        workers.append(_worker(settings, broker_url, log))
        _enqueue_run(api, tenant)  # the next hourly fan-out does the same
        wait_until(lambda: _counts(api, tenant)[0] == 1, timeout=60, what="the run to complete")
        wait_for_mail(received, len(customers))
        recipients = sorted(str(m["To"]) for m in received.messages)
        assert len(set(recipients)) == len(customers)

        again = _enqueue_run(api, tenant)  # a second run the same day: nothing more
        wait_until(lambda: _done(api, again), timeout=60, what="the second run")
        wait_for_mail(received, len(customers))
        assert _counts(api, tenant)[:2] == (1, len(customers))
