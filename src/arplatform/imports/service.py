"""Import jobs: accepted with their file, run by a job, read as a report."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import msgspec
import structlog
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.pagination import fetch_one, fetch_page
from arplatform.db.base import new_id, utcnow
from arplatform.events.service import emit
from arplatform.imports.models import ImportJob
from arplatform.imports.records import RECORD_TYPES, PayloadError
from arplatform.imports.run import OUTCOMES, Progress, Report, execute
from arplatform.imports.schemas import Counts, ImportOut, Outcomes, RowErrorOut
from arplatform.imports.schemas import Progress as ProgressOut
from arplatform.imports.store import StaleRows
from arplatform.jobs.outbox import enqueue

log = structlog.get_logger(__name__)
RUN_JOB = "imports.run"


class _AtomicRollback(Exception):
    """An atomic import met a bad row: undo everything it wrote."""


async def create_import(
    session: AsyncSession,
    payload: bytes,
    *,
    fmt: str,
    kind: str | None,
    mode: str,
    actor: str | None,
    run_as_job: bool = True,
) -> ImportJob:
    """Keep the file with a queued import; the job that applies it is enqueued with it."""
    job = ImportJob(
        id=new_id(),
        record_type=kind,
        format=fmt,
        mode=mode,
        status="queued",
        payload=payload,
        payload_bytes=len(payload),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        counts={},
        errors=[],
        created_by=actor,
    )
    session.add(job)
    await session.flush()
    if run_as_job:
        enqueue(session, RUN_JOB, {"import_id": str(job.id)})
    return job


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> ImportJob:
    return await fetch_one(session, ImportJob, import_id, "import")


async def list_imports(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[ImportJob], str | None]:
    return await fetch_page(session, select(ImportJob), ImportJob, cursor, limit)


async def _serialise(session: AsyncSession) -> None:
    """One import of a tenant at a time: each decides created/updated against the last."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"imports:{session.info['tenant_id']}"},
        )


async def perform(session: AsyncSession, job: ImportJob, progress: Progress | None) -> Report:
    """Apply the import's file in the session's transaction and record the outcome on it.

    Bad rows are reported; in atomic mode any bad row undoes the whole import.
    The file is dropped once the import has run; its size and digest stay.
    """
    await _serialise(session)
    report = Report()
    started = utcnow()
    try:
        async with session.begin_nested():
            report = await execute(
                session,
                job.payload or b"",
                fmt=job.format,
                kind=job.record_type,
                progress=progress,
            )
            if job.mode == "atomic" and report.error_count:
                raise _AtomicRollback
        job.status, job.failure = "succeeded", None
    except _AtomicRollback:
        report.stored_nothing()
        job.status, job.failure = "failed", "atomic import: rows were rejected, nothing stored"
    except PayloadError as exc:
        job.status, job.failure = "failed", str(exc)
    except StaleRows as exc:
        job.status, job.failure = "failed", f"{exc}; nothing was stored, import the file again"
        report.stored_nothing()
    except Exception:  # recorded on the import, which must not stay "running"
        log.exception("import_failed", import_id=str(job.id))
        job.status, job.failure = "failed", "the import failed unexpectedly; nothing was stored"
        report.stored_nothing()
    job.started_at = job.started_at or started
    _record(job, report)
    _announce(session, job)
    await session.flush()
    return report


def _record(job: ImportJob, report: Report) -> None:
    job.rows_total = report.rows_total
    job.rows_done = report.rows_total
    job.counts = report.counts
    job.error_count = report.error_count
    job.errors = [msgspec.to_builtins(e) for e in sorted(report.errors, key=lambda e: e.row)]
    job.payload = None
    job.finished_at = utcnow()


def _announce(session: AsyncSession, job: ImportJob) -> None:
    """One event per import: imported history must not flood webhooks row by row."""
    emit(
        session,
        "import.completed",
        resource_type="import",
        resource_id=job.id,
        resource_version=None,
        data={
            "status": job.status,
            "type": job.record_type,
            "counts": job.counts,
            "error_count": job.error_count,
        },
    )


async def set_progress(
    session: AsyncSession, import_id: uuid.UUID, done: int, total: int, status: str
) -> None:
    """Record progress in a transaction of its own, so readers see it while the job runs."""
    await session.execute(
        update(ImportJob)
        .where(ImportJob.id == import_id)
        .values(
            rows_done=done,
            rows_total=total,
            status=status,
            started_at=func.coalesce(ImportJob.started_at, utcnow()),
        )
        .execution_options(synchronize_session=False)
    )


def _outcomes(counts: dict[str, Any], kind: str) -> Outcomes:
    values = counts.get(kind, {})
    return Outcomes(**{o: int(values.get(o, 0)) for o in OUTCOMES})


def to_out(job: ImportJob) -> ImportOut:
    return ImportOut(
        id=job.id,
        status=job.status,
        type=job.record_type,
        format=job.format,
        mode=job.mode,
        size_bytes=job.payload_bytes,
        sha256=job.payload_sha256,
        progress=ProgressOut(rows_done=job.rows_done, rows_total=job.rows_total),
        counts=Counts(**{kind: _outcomes(job.counts, kind) for kind in RECORD_TYPES}),
        error_count=job.error_count,
        errors=[msgspec.convert(e, RowErrorOut) for e in job.errors],
        failure=job.failure,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
