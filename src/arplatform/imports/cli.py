"""``arplatform import FILE``: apply a file directly to a tenant, with a progress bar.

It records an import like the API does (so it is listed under /v1/imports),
but applies it in this process instead of a job, with no request size limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from arplatform.db.session import Database
from arplatform.imports import service
from arplatform.imports.models import ImportJob
from arplatform.settings import Settings
from arplatform.tenants.models import Tenant

SUFFIXES = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}
BAR_WIDTH = 30


class ProgressBar:
    """A one-line bar on a stream, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = 0.0

    async def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn < 0.1:
            return
        self._drawn = now
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\rimport [{bar}] {done:,}/{total:,} rows")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


async def _tenant(db: Database, given: str | None) -> uuid.UUID:
    async with db.session(None) as session:
        ids = list((await session.scalars(select(Tenant.id).limit(2))).all())
        if given is not None:
            tenant_id = uuid.UUID(given)
            if await session.get(Tenant, tenant_id) is None:
                raise LookupError(f"no tenant {given}")
            return tenant_id
    if len(ids) != 1:
        raise LookupError("give --tenant (the database has more than one tenant, or none)")
    return ids[0]


async def _import(
    settings: Settings, args: argparse.Namespace, fmt: str, payload: bytes
) -> dict[str, Any]:
    db = Database(settings.database_url, pool_size=2)
    try:
        tenant_id = await _tenant(db, args.tenant)
        async with db.session(tenant_id, actor="cli:import") as session, session.begin():
            job = await service.create_import(
                session,
                payload,
                fmt=fmt,
                kind=args.type,
                mode="atomic" if args.atomic else "partial",
                actor="cli:import",
                run_as_job=False,
            )
        bar = ProgressBar(sys.stderr)
        async with db.session(tenant_id, actor="cli:import") as session, session.begin():
            loaded = await session.get(ImportJob, (tenant_id, job.id))
            assert loaded is not None
            await service.perform(session, loaded, bar)
        bar.close()
        async with db.session(tenant_id) as session:
            report: dict[str, Any] = json.loads(_encode(await service.get_import(session, job.id)))
            return report
    finally:
        await db.dispose()


def _encode(job: ImportJob) -> str:
    import msgspec

    return msgspec.json.encode(service.to_out(job)).decode()


def _summary(report: dict[str, Any]) -> str:
    lines = [f"import {report['id']}: {report['status']}"]
    for kind, outcomes in report["counts"].items():
        if any(outcomes.values()):
            lines.append(f"  {kind}: " + ", ".join(f"{v} {k}" for k, v in outcomes.items()))
    for error in report["errors"][:20]:
        lines.append(f"  row {error['row']} {error['field']}: {error['message']}")
    if report["error_count"] > 20:
        lines.append(f"  … {report['error_count'] - 20} more rejected rows (use --json)")
    if report["failure"]:
        lines.append(f"  {report['failure']}")
    return "\n".join(lines)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a CSV or NDJSON file; exit code 1 when any row was rejected."""
    fmt = args.format or SUFFIXES.get(Path(args.file).suffix.lower())
    if fmt is None:
        print("error: give --format (csv or ndjson)", file=sys.stderr)
        return 2
    if fmt == "csv" and args.type is None:
        print("error: a CSV file holds one record type: give --type", file=sys.stderr)
        return 2
    try:
        payload = Path(args.file).read_bytes()
        report = asyncio.run(_import(settings, args, fmt, payload))
    except (LookupError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report) if args.json else _summary(report))
    return 0 if report["status"] == "succeeded" and report["error_count"] == 0 else 1


def add_parser(verbs: Any) -> None:
    """Register ``import`` on the command line's sub-parsers."""
    parser = verbs.add_parser("import", help="Import customers, invoices, payments, credit notes")
    parser.add_argument("file")
    parser.add_argument("--type", choices=["customer", "invoice", "payment", "credit_note"])
    parser.add_argument("--format", choices=["csv", "ndjson"])
    parser.add_argument("--atomic", action="store_true", help="Store nothing if any row is bad")
    parser.add_argument("--tenant", help="The tenant id (default: the only tenant)")
    parser.add_argument("--json", action="store_true", help="Print the final report as JSON")
    parser.set_defaults(handler=cmd_import)
