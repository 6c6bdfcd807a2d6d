"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy import text

from arplatform.api.conventions import api_get
from arplatform.db.session import Database
from arplatform.jobs.broker import broker_reachable


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    database: bool
    broker: bool


@api_get("/healthz", roles=None, tags=["operations"])
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


async def _database_ok(db: Database) -> bool:
    try:
        async with asyncio.timeout(3), db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True


@api_get(
    "/readyz",
    roles=None,
    tags=["operations"],
    responses={503: ResponseSpec(Readiness, description="The database or the broker is down")},
)
async def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
    """The database and the broker answer; 503 when either does not."""
    state = request.app.state
    database = await _database_ok(state.db)
    broker = await asyncio.to_thread(broker_reachable, state.broker, state.settings.broker_url)
    ready = database and broker
    body = Readiness(status="ready" if ready else "unavailable", database=database, broker=broker)
    return Response(body, status_code=200 if ready else 503)
