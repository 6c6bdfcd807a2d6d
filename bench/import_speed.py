"""Bulk import speed against raw asyncpg COPY of the same rows, on PostgreSQL.

Creates a throwaway database as user ``postgres`` on 127.0.0.1 (owner role and
a plain application role, row-level security on, as the tests do), migrates it,
creates a tenant and imports its customers. Then, timed:

1. **import**: the invoices file (CSV, one record per invoice with total and
   tax) applied by the import job's code path (``arplatform.imports.run.execute``
   in one transaction, as the application role): parse and check every row,
   upsert by external_ref, write each invoice and its instalment;
2. **raw COPY**: asyncpg ``copy_records_to_table`` of the rows the import
   stored, into identical tables: ``CREATE TABLE … (LIKE … INCLUDING ALL)`` plus
   the table's foreign keys (same columns, keys, indexes and references; no
   row-level security, which COPY FROM does not support). The invoices alone
   (also once without foreign keys, for reference), and the invoices with their
   instalments: everything the import writes for the file.

Prints rows/s of each and both ratios import / COPY, then re-imports the file
(nothing changes: every row ``unchanged``) and prints that time too.
Rows come from the synthetic generator (``arplatform.synthetic.generate``).

Usage: .venv/bin/python bench/import_speed.py [--invoices 200000] [--customers 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg

from arplatform.auth.service import create_tenant
from arplatform.db.migrate import upgrade
from arplatform.db.session import Database
from arplatform.imports.run import execute
from arplatform.settings import Settings, load_settings
from arplatform.synthetic import generate
from arplatform.synthetic.writers import write_csv, write_ndjson

HOST, PORT = "127.0.0.1", 5432
OWNER, APP = "arp_bench_owner", "arp_bench_app"
FOREIGN_KEYS = "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'"  # noqa: E501


async def _admin(statements: list[str], database: str = "postgres") -> None:
    connection = await asyncpg.connect(host=HOST, port=PORT, user="postgres", database=database)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _settings(database: str) -> Settings:
    return load_settings(
        {
            "ARP_DATABASE_URL": f"postgresql+asyncpg://{APP}@{HOST}:{PORT}/{database}",
            "ARP_MIGRATION_DATABASE_URL": f"postgresql+asyncpg://{OWNER}@{HOST}:{PORT}/{database}",
            "ARP_JWT_KEYS": "b1:" + "bench-signing-key-" + "k" * 40,
            "ARP_SECRETS_KEYS": "Xy8r1Ck3m9y0oZyR0X0nq3m3m8hY2mQ6qQ0sW1lqkZs=",
            "ARP_LOG_LEVEL": "WARNING",
        }
    )


def _files(customers: int, invoices: int, folder: Path) -> tuple[bytes, bytes, int]:
    """The customers (NDJSON) and invoices (CSV) of a synthetic tenant; the invoice count."""
    records = generate(seed=7, end=date(2026, 10, 31), customers=customers, invoices=invoices)
    kept = list(itertools.takewhile(lambda r: r["type"] in {"customer", "invoice"}, records))
    buffer = io.BytesIO()
    write_ndjson((r for r in kept if r["type"] == "customer"), buffer)
    counts = write_csv((r for r in kept if r["type"] == "invoice"), folder)
    return buffer.getvalue(), (folder / "invoices.csv").read_bytes(), counts["invoice"]


async def _import(
    db: Database, tenant: uuid.UUID, payload: bytes, fmt: str, kind: str | None
) -> float:
    started = time.perf_counter()
    async with db.session(tenant) as session, session.begin():
        report = await execute(session, payload, fmt=fmt, kind=kind)
    elapsed = time.perf_counter() - started
    if report.error_count:
        raise SystemExit(f"import rejected rows: {report.errors[:5]}")
    print("   ", {k: v for k, v in report.counts.items() if any(v.values())})
    return elapsed


async def _copy_stored(connection: asyncpg.Connection, table: str, *, keys: bool) -> float:
    """Seconds to COPY the stored rows of ``table`` into an identical table (with its
    foreign keys, or without)."""
    # As the superuser: the stored rows are read past row-level security.
    records = [tuple(r) for r in await connection.fetch(f"SELECT * FROM {table}")]
    columns = list((await connection.fetch(f"SELECT * FROM {table} LIMIT 1"))[0].keys())
    copy = f"{table}_copy"
    await connection.execute(
        f"DROP TABLE IF EXISTS {copy}; CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)"
    )
    if keys:
        for key in await connection.fetch(FOREIGN_KEYS, table):
            await connection.execute(f"ALTER TABLE {copy} ADD {key[0]}")
    started = time.perf_counter()
    await connection.copy_records_to_table(copy, records=records, columns=columns)
    elapsed = time.perf_counter() - started
    await connection.execute(f"DROP TABLE {copy}")
    return elapsed


async def _raw_copy(database: str) -> tuple[int, float, float, float]:
    """Stored invoices; seconds to COPY them with and without foreign keys, and their
    instalments with foreign keys."""
    connection = await asyncpg.connect(host=HOST, port=PORT, user="postgres", database=database)
    try:
        rows = await connection.fetchval("SELECT count(*) FROM invoices")
        bare = await _copy_stored(connection, "invoices", keys=False)
        invoices = await _copy_stored(connection, "invoices", keys=True)
        instalments = await _copy_stored(connection, "invoice_instalments", keys=True)
        return rows, invoices, bare, instalments
    finally:
        await connection.close()


async def main(customers: int, invoices: int) -> None:
    database = f"arp_bench_{uuid.uuid4().hex[:8]}"
    roles = f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
            CREATE ROLE {OWNER} LOGIN; END IF;
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
            CREATE ROLE {APP} LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
        END $$;
    """
    await _admin([roles, f"CREATE DATABASE {database} OWNER {OWNER}"])
    try:
        settings = _settings(database)
        await asyncio.to_thread(upgrade, settings)
        with tempfile.TemporaryDirectory() as tmp:
            customer_file, invoice_file, count = _files(customers, invoices, Path(tmp))
        db = Database(settings.database_url)
        try:
            tenant = (await create_tenant(db, name="Bench", country="DE", currency="EUR")).tenant_id
            print(
                f"customers: {customers}, invoices: {count}, CSV {len(invoice_file) / 1e6:.1f} MB"
            )
            await _import(db, tenant, customer_file, "ndjson", None)
            took = await _import(db, tenant, invoice_file, "csv", "invoice")
            again = await _import(db, tenant, invoice_file, "csv", "invoice")
        finally:
            await db.dispose()
        rows, raw, bare, instalments = await _raw_copy(database)
        assert rows == count
        both = raw + instalments
        print(f"import:                   {count / took:>10,.0f} rows/s ({took:.2f} s)")
        print(f"raw COPY, identical table: {rows / raw:>9,.0f} rows/s ({raw:.2f} s)")
        print(f"raw COPY, no foreign keys: {rows / bare:>9,.0f} rows/s ({bare:.2f} s)")
        print(f"raw COPY, invoices + instalments: {rows / both:>9,.0f} rows/s ({both:.2f} s)")
        print(f"ratio import / COPY (identical table): {raw / took:.2f}")
        print(f"ratio import / COPY (no foreign keys): {bare / took:.2f}")
        print(f"ratio import / COPY (all it writes):   {both / took:.2f}")
        print(f"re-import (all unchanged): {count / again:,.0f} rows/s ({again:.2f} s)")
    finally:
        await _admin([f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(main(args.customers, args.invoices))
