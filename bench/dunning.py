"""The dunning run against one hand-written SQL that picks every open invoice's due level.

Creates a throwaway PostgreSQL database (as the superuser, on 127.0.0.1), migrates
it and loads one tenant with the aging benchmark's set-based loader: 10,000
customers, 1,000,000 invoices over two years (~200,000 of them still open).
Then it prints, side by side in one run:

- hand SQL: the due level of every open instalment under the default ladder
  (a CASE over days past due), as the superuser with asyncpg, all rows fetched;
- catch-up run: the first dunning run over the whole ledger (every open
  instalment decided, items, communications, lines, actions and jobs written),
  in the app's tenant session (RLS), rolled back after timing;
- daily run: after a week of daily runs (committed), the run of the next day:
  what runs every day, reading only the instalments whose next date has come;
  rolled back after timing;
- the daily run again after adding as many invoices again, none of them due yet.

Ratios: hand ÷ run (1.0: the run costs no more than computing the levels).
Usage: .venv/bin/python bench/dunning.py [--invoices 1000000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aging  # the aging benchmark: database set-up and loader

from arplatform.db.migrate import upgrade
from arplatform.db.session import Database
from arplatform.dunning.record import record_run
from arplatform.dunning.run import decide_day
from arplatform.ops.logging import configure_logging
from arplatform.settings import Settings, load_settings

DAY = date(2026, 11, 27)
WEEK = 7

#: The default ladder's level of every open instalment on $2, as one would write it by hand.
HAND_SQL = """
SELECT i.id, i.customer_id,
       CASE WHEN $2 - i.due_date >= 31 THEN 5 WHEN $2 - i.due_date >= 30 THEN 4
            WHEN $2 - i.due_date >= 16 THEN 3 WHEN $2 - i.due_date >= 15 THEN 2
            WHEN $2 - i.due_date >= 1 THEN 1 ELSE 0 END AS level
FROM invoice_instalments i
JOIN invoices v ON v.tenant_id = i.tenant_id AND v.id = i.invoice_id
WHERE i.tenant_id = $1 AND i.open_amount > 0 AND v.status IN ('issued', 'partially_paid')
  AND i.due_date <= $2 + 7
"""

#: More invoices, due after the benchmark's days: nothing to dun yet.
NOT_DUE = """
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customers WHERE tenant_id = $1),
g AS (
    SELECT g, gen_random_uuid() AS id, gen_random_uuid() AS instalment_id,
           (g % 10000) + 1 AS n, date '2026-11-20' + (g % 20) AS issue_date
    FROM generate_series(1, {count}) g
), v AS (
    INSERT INTO invoices (tenant_id, id, customer_id, number, series, status, disputed,
        currency, issue_date, original_due_date, due_date, net_total, tax_total, total,
        open_amount, created_at, updated_at, version)
    SELECT $1, g.id, c.id, 'NEXT-' || g.g, 'NEXT', 'issued', false, 'EUR', issue_date,
           issue_date + 60, issue_date + 60, 10000, 0, 10000, 10000, now(), now(), 1
    FROM g JOIN c USING (n)
)
INSERT INTO invoice_instalments (tenant_id, id, invoice_id, customer_id, seq,
    original_due_date, due_date, amount, open_amount)
SELECT $1, g.instalment_id, g.id, c.id, 1, issue_date + 60, issue_date + 60, 10000, 10000
FROM g JOIN c USING (n)
"""


async def _hand(database: str, tenant_id: uuid.UUID, day: date) -> float:
    connection = await asyncpg.connect(
        host=aging.HOST, port=aging.PORT, user=aging.SUPERUSER, database=database
    )
    try:
        started = time.perf_counter()
        rows = await connection.fetch(HAND_SQL, tenant_id, day)
        elapsed = time.perf_counter() - started
    finally:
        await connection.close()
    print(f"    hand SQL: {len(rows):,} open instalments with a level")
    return elapsed


async def _run(db: Database, tenant_id: uuid.UUID, day: date, *, commit: bool) -> float:
    async with db.session(tenant_id, actor="bench") as session:
        transaction = await session.begin()
        started = time.perf_counter()
        decided = await decide_day(session, day, lock=True)
        recorded = await record_run(session, decided, "api")
        await session.flush()
        elapsed = time.perf_counter() - started
        print(
            f"    run {day}: {len(decided.outcomes):,} decided, "
            f"{len(recorded.communication_ids):,} communications"
        )
        await (transaction.commit() if commit else transaction.rollback())
    return elapsed


async def _median(repeat: int, measure: Callable[[], Awaitable[float]]) -> float:
    return statistics.median([await measure() for _ in range(repeat)])


async def _side_by_side(
    label: str,
    repeat: int,
    hand: Callable[[], Awaitable[float]],
    run: Callable[[], Awaitable[float]],
) -> float:
    hand_s = await _median(repeat, hand)
    run_s = await _median(repeat, run)
    print(f"{label}: hand SQL {hand_s * 1000:,.0f} ms, run {run_s * 1000:,.0f} ms, "
          f"hand ÷ run = {hand_s / run_s:.2f}")  # fmt: skip
    return run_s


def main(invoices: int, repeat: int, keep: bool) -> None:
    configure_logging(json=False, level="WARNING")
    database = f"arp_bench_dunning_{uuid.uuid4().hex[:8]}"
    asyncio.run(aging._create_database(database))
    settings = load_settings(
        {
            "ARP_DATABASE_URL": aging._url(aging.APP, database),
            "ARP_MIGRATION_DATABASE_URL": aging._url(aging.OWNER, database),
            "ARP_JWT_KEYS": "b1:" + "bench-key-" * 5,
            "ARP_SECRETS_KEYS": "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=",
        }
    )
    try:
        upgrade(settings)
        asyncio.run(_load_and_bench(settings, database, invoices, repeat))
    finally:
        if not keep:
            asyncio.run(aging._admin([f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"]))


async def _load_and_bench(settings: Settings, database: str, invoices: int, repeat: int) -> None:
    tenant_id, _ = await aging._new_tenant(settings)
    print(f"loading {invoices:,} invoices into {database}", flush=True)
    await aging._load(database, tenant_id, invoices)
    db = Database(settings.database_url)
    try:
        await _bench(db, database, tenant_id, repeat, not_due=invoices)
    finally:
        await db.dispose()


async def _bench(
    db: Database, database: str, tenant_id: uuid.UUID, repeat: int, not_due: int
) -> None:
    start = DAY - timedelta(days=WEEK)
    await _side_by_side(
        f"catch-up run of {start} (the first run over the whole ledger)",
        repeat,
        lambda: _hand(database, tenant_id, start),
        lambda: _run(db, tenant_id, start, commit=False),
    )
    for n in range(WEEK):  # a week of daily runs: each instalment waits for its next date
        await _run(db, tenant_id, start + timedelta(days=n), commit=True)
    daily = await _side_by_side(
        f"daily run of {DAY} after a week of daily runs",
        repeat,
        lambda: _hand(database, tenant_id, DAY),
        lambda: _run(db, tenant_id, DAY, commit=False),
    )
    await aging._admin([NOT_DUE.format(count=not_due)], database, tenant_id)
    await aging._admin(["VACUUM ANALYZE"], database)
    doubled = await _side_by_side(
        f"daily run of {DAY} with {not_due:,} more invoices not yet due",
        repeat,
        lambda: _hand(database, tenant_id, DAY),
        lambda: _run(db, tenant_id, DAY, commit=False),
    )
    print(f"not-due invoices doubled: run time x {doubled / daily:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    main(args.invoices, args.repeat, args.keep)
