"""What the platform's conventions cost per request, measured side by side.

Serves the app with uvicorn in its own process on 127.0.0.1, with bare
Litestar routes registered on the same app (same server, same middleware),
then drives each with the same concurrency from this process:

- GET  /v1/customers/{id}  (token check, tenant-scoped read, ETag) vs GET /bench/bare
- POST /v1/customers        (validation, insert, audit, event, outbox, idempotency key)
  vs POST /bench/bare-echo (decode and echo the same body)

Prints requests/s of each and the ratio ours / bare. Usage:
    .venv/bin/python bench/api_overhead.py [--seconds 5] [--concurrency 16] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from litestar import get, post

from arplatform.app import create_app
from arplatform.auth.service import IssuedClient, create_tenant
from arplatform.auth.tokens import Principal, Role, issue_token
from arplatform.db.migrate import upgrade
from arplatform.db.session import Database
from arplatform.ops.logging import configure_logging
from arplatform.settings import Settings, load_settings

CUSTOMER = {"legal_name": "Bench GmbH", "country": "DE", "currency": "EUR"}


@get("/bench/bare", opt={"roles": None}, include_in_schema=False)
async def bare() -> dict[str, str]:
    return {"status": "ok"}


@post("/bench/bare-echo", opt={"roles": None}, include_in_schema=False, status_code=201)
async def bare_echo(data: dict[str, Any]) -> dict[str, Any]:
    return data


async def _bench_tenant(settings: Settings) -> IssuedClient:
    db = Database(settings.database_url)
    try:
        return await create_tenant(db, name="Bench", country="DE", currency="EUR")
    finally:
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_app() -> Any:
    """The app under test plus the bare routes (uvicorn factory, run in its own process)."""
    settings = load_settings()
    configure_logging(json=True, level="WARNING")
    app = create_app(settings)
    app.register(bare)
    app.register(bare_echo)
    return app


@contextlib.contextmanager
def _serve(env: dict[str, str], port: int) -> Iterator[None]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api_overhead:make_app",
        "--app-dir",
        str(Path(__file__).parent),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=15)


async def _load(
    client: httpx.AsyncClient, make: Callable[[], httpx.Request], seconds: float, workers: int
) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await client.send(make())
            assert response.status_code < 300, response.text
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.perf_counter() - started)


async def _measure(
    base: str, token: str, seconds: float, workers: int
) -> list[tuple[str, float, float]]:
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        created = await client.post("/v1/customers", json=CUSTOMER, headers=auth)
        customer_id = created.json()["id"]

        def read() -> httpx.Request:
            return client.build_request("GET", f"/v1/customers/{customer_id}", headers=auth)

        def bare_read() -> httpx.Request:
            return client.build_request("GET", "/bench/bare")

        def create() -> httpx.Request:
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            return client.build_request("POST", "/v1/customers", json=CUSTOMER, headers=headers)

        def bare_create() -> httpx.Request:
            return client.build_request("POST", "/bench/bare-echo", json=CUSTOMER)

        results = []
        for label, ours, baseline in (
            ("GET customer", read, bare_read),
            ("POST customer", create, bare_create),
        ):
            await _load(client, ours, 1, workers)  # warm up
            ours_rps = await _load(client, ours, seconds, workers)
            bare_rps = await _load(client, baseline, seconds, workers)
            results.append((label, ours_rps, bare_rps))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--migration-database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "ARP_DATA_DIR": tmp,
            "ARP_LOG_LEVEL": "WARNING",
            "ARP_DATABASE_URL": args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
            "ARP_JWT_KEYS": "b1:" + "bench-key-" * 5,
            "ARP_SECRETS_KEYS": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        }
        if args.migration_database_url:
            env["ARP_MIGRATION_DATABASE_URL"] = args.migration_database_url
        settings = load_settings(env)
        upgrade(settings)
        issued = asyncio.run(_bench_tenant(settings))
        principal = Principal(issued.tenant_id, issued.client_id, frozenset([Role.ADMIN]))
        token = issue_token(settings, principal)
        port = _free_port()
        with _serve(env, port):
            results = asyncio.run(
                _measure(f"http://127.0.0.1:{port}", token, args.seconds, args.concurrency)
            )
    backend = "PostgreSQL" if settings.is_postgres else "SQLite"
    print(f"backend={backend} concurrency={args.concurrency} seconds={args.seconds}")
    for label, ours, bare_rps in results:
        print(
            f"{label:14s} ours {ours:8.1f} req/s   bare {bare_rps:8.1f} req/s"
            f"   ratio {ours / bare_rps:.3f}"
        )


if __name__ == "__main__":
    main()
