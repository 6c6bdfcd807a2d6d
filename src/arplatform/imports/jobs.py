"""The import actor."""

from __future__ import annotations

import uuid

from arplatform.imports import service
from arplatform.imports.models import ImportJob
from arplatform.imports.run import Progress
from arplatform.jobs.runtime import JobContext, JobSpec


def _live_progress(ctx: JobContext, import_id: uuid.UUID) -> Progress | None:
    """Progress written in transactions of its own while the import's transaction runs.

    SQLite has one writer: there the outcome appears at once when the job commits.
    """
    if not ctx.database.is_postgres:
        return None

    async def report(done: int, total: int) -> None:
        async with ctx.database.session(ctx.tenant_id) as session, session.begin():
            await service.set_progress(session, import_id, done, total, "running")

    return report


async def run_import(ctx: JobContext) -> None:
    """``imports.run``: apply a queued import (args: ``import_id``); a finished one is left."""
    import_id = uuid.UUID(ctx.args["import_id"])
    job = await ctx.session.get(ImportJob, (ctx.tenant_id, import_id))
    if job is None or job.status not in {"queued", "running"}:
        return
    progress = _live_progress(ctx, import_id)
    if progress is not None:
        await progress(0, 0)
    await service.perform(ctx.session, job, progress)


RUN = JobSpec(name=service.RUN_JOB, fn=run_import, queue="imports", max_retries=3)
