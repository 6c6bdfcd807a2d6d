"""Production mode: ``arplatform worker`` as a process on Redis, and ``/readyz`` on the broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from arplatform.settings import Settings
from tests.jobs.conftest import BrokerTarget
from tests.jobs.helpers import TcpProxy, running_api, tenant_events, wait_until
from tests.support import CUSTOMER, JWT_KEY, SECRETS_KEY, make_settings

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


@pytest.fixture
def worker_process(
    postgres_settings: Settings, redis_target: BrokerTarget, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """``arplatform worker`` on the run's Redis namespace; killed if a test leaves it running."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ARP_")},
        "ARP_DATABASE_URL": postgres_settings.database_url,
        "ARP_MIGRATION_DATABASE_URL": postgres_settings.migration_database_url,
        "ARP_BROKER_URL": redis_target.url(),
        "ARP_JWT_KEYS": f"t1:{JWT_KEY}",
        "ARP_SECRETS_KEYS": SECRETS_KEY,
        "ARP_LOG_FORMAT": "console",
        "ARP_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).parent / "arplatform"), "worker", "--threads", "2"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _ready(api: object, expected: int) -> object:
    response = api.client.get("/readyz")  # type: ignore[attr-defined]
    return response.json() if response.status_code == expected else None


def test_worker_process_consumes_relayed_message_and_exits_on_sigterm(
    postgres_settings: Settings,
    redis_target: BrokerTarget,
    worker_process: tuple[subprocess.Popen[bytes], Path],
) -> None:
    """``/readyz`` answers 503 with broker=false while the broker is unreachable and 200 when
    it is back; the relayed ``events.publish`` is run by the worker process, which exits 0
    on SIGTERM."""
    process, log = worker_process
    with TcpProxy(redis_target.port) as proxy:
        settings = make_settings(
            postgres_settings.database_url,
            migration_url=postgres_settings.migration_database_url,
            broker_url=redis_target.url(proxy.port),
        )
        with running_api(settings) as api:
            assert _ready(api, 200) == {"status": "ready", "database": True, "broker": True}
            proxy.stop()
            down = wait_until(lambda: _ready(api, 503), timeout=20, what="readyz to say 503")
            assert down == {"status": "unavailable", "database": True, "broker": False}

            tenant = api.new_tenant()
            created = api.client.post("/v1/customers", json=CUSTOMER, headers=tenant.headers())
            assert created.status_code == 201, created.text

            proxy.start()
            wait_until(lambda: _ready(api, 200), timeout=20, what="readyz to say 200 again")
            db = api.app.state.db

            def published() -> object:
                events = api.run(lambda: tenant_events(db, tenant.tenant_id))
                return events and events[0].published_at

            try:
                wait_until(published, timeout=30, what="the worker process to publish")
            except AssertionError:
                raise AssertionError(log.read_text()) from None

    assert process.poll() is None, log.read_text()
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, log.read_text()
    assert time.monotonic() - started < 20
