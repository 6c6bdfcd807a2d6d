"""Webhook delivery throughput against a bare asyncio HTTP sender, side by side.

Starts a sink on 127.0.0.1 (a process of its own) that answers every POST after
50 ms, then delivers N signed messages at the same concurrency in three ways:

- bare: one ``httpx.AsyncClient`` posting pre-signed payloads (every answer checked);
- sender: signing, the URL check and the SSRF-guarded, pinned, pooled client with
  result classification (:class:`Sender`);
- job (with ``--database-url``): the real path, each delivery one outbox message
  run by ``JobRuntime.execute`` (receipt, claim and lease, commit, the HTTP call
  after commit, then the attempt recorded in a second transaction) against a
  fresh migrated database, with the runtime's own connection pool.

Each path is warmed up first. Prints deliveries/s and each ratio to bare (goal >= 0.7):
    .venv/bin/python bench/webhooks.py [--messages 2000] [--concurrency 50]
        [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.connection
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from arplatform.auth.service import create_tenant
from arplatform.db.migrate import upgrade
from arplatform.db.session import Database
from arplatform.events.service import emit
from arplatform.integrations.secrets import SecretBox
from arplatform.jobs.models import OutboxMessage
from arplatform.jobs.runtime import JobRuntime
from arplatform.settings import Settings, load_settings
from arplatform.webhooks import service, signing
from arplatform.webhooks.fanout import DELIVER_JOB, fan_out
from arplatform.webhooks.jobs import DELIVER
from arplatform.webhooks.models import WebhookDelivery
from arplatform.webhooks.schemas import WebhookEndpointCreate
from arplatform.webhooks.sending import Sender
from arplatform.webhooks.ssrf import Policy

LATENCY = 0.05
POLICY = Policy(allowed_networks=Policy.from_cidrs("127.0.0.1/32"), allow_http=True)
RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


async def _sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while await reader.readline():
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            await asyncio.sleep(LATENCY)
            writer.write(RESPONSE)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _run(jobs: list[Callable[[], Awaitable[object]]], concurrency: int) -> float:
    """Deliveries per second with ``concurrency`` jobs in flight."""
    pending = iter(jobs)

    async def lane() -> None:
        for job in pending:
            await job()

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return len(jobs) / (time.perf_counter() - started)


def _bodies(n: int) -> list[str]:
    return [
        json.dumps({"id": str(uuid.uuid4()), "type": "invoice.paid", "data": {"number": f"I-{i}"}})
        for i in range(n)
    ]


async def _bare(url: str, secret: str, bodies: list[str], concurrency: int) -> float:
    now = datetime.now(UTC)
    signed = [(signing.headers([secret], f"msg_{i}", now, b), b) for i, b in enumerate(bodies)]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=15) as client:

        async def send(headers: dict[str, str], body: str) -> None:
            response = await client.post(url, content=body.encode(), headers=headers)
            assert response.status_code == 200, response.status_code

        return await _run([lambda h=h, b=b: send(h, b) for h, b in signed], concurrency)


async def _ours_sender(url: str, secret: str, bodies: list[str], concurrency: int) -> float:
    sender = Sender(POLICY, max_connections=concurrency)

    async def send(i: int, body: str) -> None:
        headers = signing.headers([secret], f"msg_{i}", datetime.now(UTC), body)
        result = await sender.post(url, headers, body)
        assert result.succeeded, result

    try:
        return await _run([lambda i=i, b=b: send(i, b) for i, b in enumerate(bodies)], concurrency)
    finally:
        await sender.aclose()


def _job_settings(database_url: str) -> Settings:
    env = {
        "ARP_DATABASE_URL": database_url,
        "ARP_JWT_KEYS": "k:" + "x" * 40,
        "ARP_SECRETS_KEYS": Fernet.generate_key().decode(),
        "ARP_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "ARP_WEBHOOK_ALLOW_HTTP": "1",
        "ARP_LOG_LEVEL": "WARNING",
    }
    return load_settings(env)


async def _ours_job(url: str, settings: Settings, n: int, concurrency: int) -> float:
    """``n`` deliveries through ``JobRuntime.execute``, ``concurrency`` at a time."""
    runtime = JobRuntime(settings)
    db = Database(settings.database_url, pool_size=2)
    tenant = (await create_tenant(db, name="Bench", country="DE", currency="EUR")).tenant_id
    messages = await _seed(db, tenant, runtime.providers.box, url, n)
    await db.dispose()

    async def one(outbox_id: uuid.UUID) -> None:
        assert await runtime.execute(DELIVER, outbox_id)

    try:
        return await _run([lambda m=m: one(m) for m in messages], concurrency)
    finally:
        await runtime.dispose()
        await _check_delivered(settings, tenant, n)


async def _seed(
    db: Database, tenant: uuid.UUID, box: SecretBox, url: str, n: int
) -> list[uuid.UUID]:
    """An endpoint and ``n`` events fanned out to it: the outbox ids of their deliveries."""
    async with db.session(tenant) as session, session.begin():
        body = WebhookEndpointCreate(url=url, event_types=["*"])
        await service.create_endpoint(session, box, POLICY, body)
        await session.flush()
        for i in range(n):
            event = emit(
                session,
                "invoice.paid",
                resource_type="invoice",
                resource_id=uuid.uuid4(),
                resource_version=1,
                data={"number": f"I-{i}"},
            )
            await session.flush()
            await fan_out(session, event)
    async with db.session(None) as session:
        jobs = select(OutboxMessage.id).where(
            OutboxMessage.tenant_id == tenant, OutboxMessage.actor == DELIVER_JOB
        )
        return list((await session.scalars(jobs)).all())


async def _check_delivered(settings: Settings, tenant: uuid.UUID, n: int) -> None:
    db = Database(settings.database_url, pool_size=1)
    try:
        async with db.session(tenant) as session:
            done = select(func.count()).where(WebhookDelivery.status == "succeeded")
            assert await session.scalar(done) == n, "not every delivery succeeded"
    finally:
        await db.dispose()


def _serve_sink(port: multiprocessing.connection.Connection) -> None:
    async def serve() -> None:
        server = await asyncio.start_server(_sink, "127.0.0.1", 0, backlog=1024)
        port.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(serve())


async def main(args: argparse.Namespace) -> None:
    receiving, sending = multiprocessing.Pipe(duplex=False)
    sink = multiprocessing.Process(target=_serve_sink, args=(sending,), daemon=True)
    sink.start()
    url = f"http://127.0.0.1:{receiving.recv()}/hooks"
    secret = signing.new_secret()
    bodies = _bodies(args.messages)
    warm = bodies[: args.concurrency * 2]
    await _bare(url, secret, warm, args.concurrency)
    bare = await _bare(url, secret, bodies, args.concurrency)
    await _ours_sender(url, secret, warm, args.concurrency)
    sender = await _ours_sender(url, secret, bodies, args.concurrency)
    job = None
    if args.settings is not None:
        await _ours_job(url, args.settings, args.concurrency * 2, args.concurrency)
        job = await _ours_job(url, args.settings, args.messages, args.concurrency)
    sink.terminate()
    print(f"messages={args.messages} concurrency={args.concurrency} sink latency=50 ms")
    print(f"bare httpx sender : {bare:8.1f} deliveries/s")
    print(f"ours, sender path : {sender:8.1f} deliveries/s   ratio {sender / bare:5.2f}")
    if job is not None:
        print(f"ours, job path    : {job:8.1f} deliveries/s   ratio {job / bare:5.2f}")
    print("goal: ratio >= 0.7")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="a fresh database: adds the job path")
    arguments = parser.parse_args()
    arguments.settings = None
    if arguments.database_url:
        arguments.settings = _job_settings(arguments.database_url)
        upgrade(arguments.settings)
    asyncio.run(main(arguments))
