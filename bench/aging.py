"""The aging endpoint over HTTP against one hand-written SQL aging query, on 1M invoices.

Creates a throwaway PostgreSQL database (as the superuser, on 127.0.0.1),
migrates it, and loads one tenant with set-based SQL (generate_series):
10,000 customers, 1,000,000 invoices over two years with one instalment each,
~900,000 dated allocations (most invoices paid around their due date, some in
part, some not at all, 1 % cancelled). Then, for each ``as_of`` day, it times:

- hand SQL: the same report (per-customer buckets plus the total, via
  GROUPING SETS) written by hand, run with asyncpg as the superuser (no RLS,
  no ORM), all rows fetched;
- endpoint: ``GET /v1/reports/aging?as_of=`` on the app served by uvicorn in
  its own process on 127.0.0.1 (token check, tenant-scoped session with RLS,
  SQLAlchemy, msgspec JSON), body read.

Prints the median of each over the repetitions and the ratio hand ÷ endpoint
(1.0: the endpoint costs no more than the query). Usage:
    .venv/bin/python bench/aging.py [--invoices 1000000] [--repeat 5] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from arplatform.app import create_server_app
from arplatform.auth.service import create_tenant
from arplatform.auth.tokens import Principal, Role, issue_token
from arplatform.db.migrate import upgrade
from arplatform.db.session import Database
from arplatform.ops.logging import configure_logging
from arplatform.settings import Settings, load_settings

HOST, PORT, SUPERUSER = "127.0.0.1", 5432, "postgres"
OWNER, APP = "arp_bench_owner", "arp_bench_app"
CUSTOMERS = 10_000
AS_OF_DAYS = (date(2026, 11, 27), date(2026, 3, 31))

#: The report as one would write it by hand: open on the day = the current open amount
#: plus what was booked after the day (the same shape the endpoint uses).
HAND_SQL = """
WITH later AS (
    SELECT instalment_id, sum(amount)::bigint AS later
    FROM allocations
    WHERE tenant_id = $1 AND booked_on > $2
    GROUP BY instalment_id
), items AS (
    SELECT i.customer_id, i.due_date, i.open_amount + coalesce(l.later, 0) AS open
    FROM invoice_instalments i
    JOIN invoices v ON v.tenant_id = i.tenant_id AND v.id = i.invoice_id
    LEFT JOIN later l ON l.instalment_id = i.id
    WHERE i.tenant_id = $1 AND v.currency = 'EUR' AND v.status <> 'draft'
      AND v.issue_date <= $2
      AND (v.cancelled_on IS NULL OR v.cancelled_on > $2)
      AND (v.written_off_on IS NULL OR v.written_off_on > $2)
), per_customer AS (
    SELECT customer_id,
           sum(open) FILTER (WHERE due_date >= $2) AS current,
           sum(open) FILTER (WHERE due_date < $2 AND due_date >= $2 - 30) AS d30,
           sum(open) FILTER (WHERE due_date < $2 - 30 AND due_date >= $2 - 60) AS d60,
           sum(open) FILTER (WHERE due_date < $2 - 60 AND due_date >= $2 - 90) AS d90,
           sum(open) FILTER (WHERE due_date < $2 - 90) AS older,
           sum(open) AS total, count(*) AS items
    FROM items WHERE open <> 0
    GROUP BY customer_id
)
SELECT * FROM (
    SELECT 0 AS is_total, c.id, c.legal_name, c.external_ref, p.current, p.d30, p.d60, p.d90,
           p.older, p.total, p.items
    FROM per_customer p JOIN customers c ON c.tenant_id = $1 AND c.id = p.customer_id
    UNION ALL
    SELECT 1, NULL, NULL, NULL, sum(current), sum(d30), sum(d60), sum(d90), sum(older),
           sum(total), sum(items)
    FROM per_customer
) report
ORDER BY is_total, total DESC, legal_name
"""

#: The definition, straight from the dated allocations: checks the endpoint's total (untimed).
CHECK_SQL = """
SELECT sum(i.amount - coalesce((
    SELECT sum(a.amount) FROM allocations a
    WHERE a.tenant_id = i.tenant_id AND a.instalment_id = i.id AND a.booked_on <= $2), 0))
FROM invoice_instalments i
JOIN invoices v ON v.tenant_id = i.tenant_id AND v.id = i.invoice_id
WHERE i.tenant_id = $1 AND v.currency = 'EUR' AND v.status <> 'draft' AND v.issue_date <= $2
  AND (v.cancelled_on IS NULL OR v.cancelled_on > $2)
  AND (v.written_off_on IS NULL OR v.written_off_on > $2)
"""

LOAD = [
    """
    INSERT INTO customers (tenant_id, id, legal_name, country, currency, language, contacts,
                           created_at, updated_at, version)
    SELECT $1, gen_random_uuid(), 'Customer ' || g, 'DE', 'EUR', 'en', '[]', now(), now(), 1
    FROM generate_series(1, {customers}) g
    """,
    """
    CREATE TEMP TABLE bench_customers AS
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers WHERE tenant_id = $1
    """,
    # Amounts are stored as 1/10,000 of the unit: whole cents * 100. 1 % cancelled;
    # of invoices at least 90 days old, 89 % paid in full, 5 % half paid, between 10
    # and 90 days after issue; the rest open.
    """
    CREATE TEMP TABLE bench_invoices AS
    SELECT g, id, instalment_id, n, issue_date, total, cancelled,
           CASE WHEN cancelled OR issue_date + 90 > date '2026-11-27' OR fate >= 0.95 THEN 0
                WHEN fate < 0.90 THEN total ELSE total / 200 * 100 END AS paid,
           issue_date + 10 + floor(random() * 80)::int AS paid_on
    FROM (
        SELECT g, gen_random_uuid() AS id, gen_random_uuid() AS instalment_id,
               (g % {customers}) + 1 AS n, date '2024-11-27' + (g % 730) AS issue_date,
               (100 + floor(random() * 500000))::bigint * 100 AS total,
               random() < 0.01 AS cancelled, random() AS fate
        FROM generate_series(1, {invoices}) g
    ) generated
    """,
    """
    INSERT INTO invoices (tenant_id, id, customer_id, number, series, status, disputed, currency,
        issue_date, original_due_date, due_date, net_total, tax_total, total, open_amount,
        paid_on, cancelled_on, created_at, updated_at, version)
    SELECT $1, b.id, c.id, 'INV-' || b.g, 'INV',
           CASE WHEN cancelled THEN 'cancelled' WHEN paid = total THEN 'paid'
                WHEN paid > 0 THEN 'partially_paid' ELSE 'issued' END,
           false, 'EUR', issue_date, issue_date + 30, issue_date + 30, total, 0, total,
           total - paid, CASE WHEN paid = total THEN paid_on END,
           CASE WHEN cancelled THEN issue_date + 5 END, now(), now(), 1
    FROM bench_invoices b JOIN bench_customers c USING (n)
    """,
    """
    INSERT INTO invoice_instalments (tenant_id, id, invoice_id, customer_id, seq,
        original_due_date, due_date, amount, open_amount)
    SELECT $1, b.instalment_id, b.id, c.id, 1, issue_date + 30, issue_date + 30, total,
           total - paid
    FROM bench_invoices b JOIN bench_customers c USING (n)
    """,
    """
    INSERT INTO allocations (tenant_id, id, invoice_id, instalment_id, customer_id, kind,
        amount, booked_on)
    SELECT $1, gen_random_uuid(), b.id, b.instalment_id, c.id, 'payment', paid, paid_on
    FROM bench_invoices b JOIN bench_customers c USING (n)
    WHERE paid > 0
    """,
    "VACUUM ANALYZE",
]


async def _admin(statements: list[str], database: str = "postgres", *args: Any) -> None:
    connection = await asyncpg.connect(host=HOST, port=PORT, user=SUPERUSER, database=database)
    try:
        for statement in statements:
            await connection.execute(statement, *args)
    finally:
        await connection.close()


def _url(role: str, database: str) -> str:
    return f"postgresql+asyncpg://{role}@{HOST}:{PORT}/{database}"


async def _create_database(database: str) -> None:
    roles = f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
            CREATE ROLE {OWNER} LOGIN;
          END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
            CREATE ROLE {APP} LOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        END $$;
    """
    await _admin([roles, f"CREATE DATABASE {database} OWNER {OWNER}"])


async def _new_tenant(settings: Settings) -> tuple[uuid.UUID, str]:
    db = Database(settings.database_url)
    try:
        issued = await create_tenant(db, name="Bench", country="DE", currency="EUR")
    finally:
        await db.dispose()
    principal = Principal(issued.tenant_id, issued.client_id, frozenset([Role.VIEWER]))
    return issued.tenant_id, issue_token(settings, principal)


async def _bench_tenant(settings: Settings, database: str) -> tuple[uuid.UUID, str]:
    """The tenant of a kept database, with a fresh token for it."""
    connection = await asyncpg.connect(host=HOST, port=PORT, user=SUPERUSER, database=database)
    try:
        row = await connection.fetchrow(
            "SELECT tenant_id, id FROM api_clients ORDER BY created_at LIMIT 1"
        )
    finally:
        await connection.close()
    assert row is not None, f"{database} holds no bench tenant"
    client_id = row["tenant_id"].hex + row["id"].hex
    principal = Principal(row["tenant_id"], client_id, frozenset([Role.VIEWER]))
    return row["tenant_id"], issue_token(settings, principal)


async def _load(database: str, tenant: uuid.UUID, invoices: int) -> None:
    connection = await asyncpg.connect(host=HOST, port=PORT, user=SUPERUSER, database=database)
    try:
        for statement in LOAD:
            sql = statement.format(customers=CUSTOMERS, invoices=invoices)
            started = time.perf_counter()
            args = (tenant,) if "$1" in sql else ()
            status = await connection.execute(sql, *args)
            print(f"  {status:28s} {time.perf_counter() - started:6.1f} s", flush=True)
    finally:
        await connection.close()


def make_app() -> Any:
    """The app under test (uvicorn factory, run in its own process)."""
    configure_logging(json=True, level="WARNING")
    return create_server_app(load_settings())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _serve(env: dict[str, str], port: int) -> Iterator[None]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "aging:make_app",
        "--app-dir", str(Path(__file__).parent), "--host", HOST, "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env={**os.environ, **env})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://{HOST}:{port}/healthz").status_code == 200:
                    break
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=15)


async def _timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def _alternate(
    hand: Callable[[], Awaitable[Any]], endpoint: Callable[[], Awaitable[Any]], repeat: int
) -> tuple[float, float, Any, Any]:
    """Median times of both, run in turns (order swapped each round) after a warm-up of each,
    so a change in the machine's load hits both sides alike."""
    rows, body = await hand(), await endpoint()
    hand_times, endpoint_times = [], []
    for round_ in range(repeat):
        if round_ % 2:
            endpoint_time, body = await _timed(endpoint)
            hand_time, rows = await _timed(hand)
        else:
            hand_time, rows = await _timed(hand)
            endpoint_time, body = await _timed(endpoint)
        hand_times.append(hand_time)
        endpoint_times.append(endpoint_time)
    return statistics.median(hand_times), statistics.median(endpoint_times), rows, body


async def _hand_under_rls(database: str, tenant: uuid.UUID, as_of: date, repeat: int) -> float:
    """The hand query as the app's role, row-level security on: what RLS itself costs."""
    connection = await asyncpg.connect(host=HOST, port=PORT, user=APP, database=database)
    times = []
    try:
        for _ in range(repeat + 1):  # the first is the warm-up
            async with connection.transaction():
                await connection.execute(
                    "SELECT set_config('app.tenant_id', $1, true)", str(tenant)
                )
                elapsed, _rows = await _timed(lambda: connection.fetch(HAND_SQL, tenant, as_of))
            times.append(elapsed)
    finally:
        await connection.close()
    return statistics.median(times[1:])


async def _measure(
    database: str, tenant: uuid.UUID, base: str, token: str, as_of: date, repeat: int
) -> tuple[float, float, float]:
    connection = await asyncpg.connect(host=HOST, port=PORT, user=SUPERUSER, database=database)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=600, headers=headers) as client:

        async def hand() -> list[Any]:
            return list(await connection.fetch(HAND_SQL, tenant, as_of))

        async def endpoint() -> bytes:
            response = await client.get("/v1/reports/aging", params={"as_of": as_of.isoformat()})
            assert response.status_code == 200, response.text
            return response.content  # the body as received; parsing it is the client's work

        try:
            hand_time, endpoint_time, rows, body = await _alternate(hand, endpoint, repeat)
            defined = await connection.fetchval(CHECK_SQL, tenant, as_of)
        finally:
            await connection.close()
    report = json.loads(body)
    for stored in (rows[-1]["total"], defined):
        assert f"{stored / 10_000:.2f}" == report["total"]["total"], (stored, report["total"])
    assert len(rows) - 1 == len(report["customers"])
    return hand_time, endpoint_time, await _hand_under_rls(database, tenant, as_of, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure a kept database again")
    args = parser.parse_args()
    database = args.reuse or f"arp_bench_{uuid.uuid4().hex[:10]}"
    if not args.reuse:
        asyncio.run(_create_database(database))
    data_dir = tempfile.mkdtemp(prefix="arp_bench_")
    env = {
        "ARP_DATA_DIR": data_dir,
        "ARP_DATABASE_URL": _url(APP, database),
        "ARP_MIGRATION_DATABASE_URL": _url(OWNER, database),
        "ARP_LOG_LEVEL": "WARNING",
        "ARP_JWT_KEYS": "b1:" + "bench-key-" * 5,
        "ARP_SECRETS_KEYS": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
    }
    try:
        settings = load_settings(env)
        if args.reuse:
            tenant, token = asyncio.run(_bench_tenant(settings, database))
        else:
            upgrade(settings)
            tenant, token = asyncio.run(_new_tenant(settings))
            print(f"loading {args.invoices} invoices into {database}", flush=True)
            asyncio.run(_load(database, tenant, args.invoices))
        port = _free_port()
        results = []
        with _serve(env, port):
            for as_of in AS_OF_DAYS:
                base = f"http://{HOST}:{port}"
                measured = asyncio.run(_measure(database, tenant, base, token, as_of, args.repeat))
                results.append((as_of, *measured))
    finally:
        if not (args.keep or args.reuse):
            asyncio.run(_admin([f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"]))
    print(f"invoices={args.invoices} customers={CUSTOMERS} repeat={args.repeat} (medians)")
    for as_of, hand, endpoint, hand_rls in results:
        print(
            f"as_of {as_of}  hand SQL {hand * 1000:8.1f} ms   endpoint {endpoint * 1000:8.1f} ms"
            f"   ratio {hand / endpoint:.3f}   (hand SQL under RLS {hand_rls * 1000:8.1f} ms,"
            f" ratio {hand_rls / endpoint:.3f})"
        )


if __name__ == "__main__":
    main()
