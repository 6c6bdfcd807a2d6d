"""Set-based reads and writes of the import.

Writes go through a temporary staging table and one ``INSERT … SELECT … ON
CONFLICT`` per table. On PostgreSQL the staging table is filled with ``COPY``
on the tenant session's own connection (same transaction, so the tenant set for
row-level security applies to the final insert); on SQLite with executemany.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    MetaData,
    Table,
    column,
    delete,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import Uuid

from arplatform.db.types import MONEY_SCALE, MoneyAmount

CHUNK = 5_000
KEYS = "imp_keys"
STAGE_PREFIX = "imp_stage_"
PENDING = "imp_pending"


class StaleRows(RuntimeError):
    """Rows the import read were changed by another transaction before it wrote them."""


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tenant(session: AsyncSession) -> uuid.UUID:
    tenant: uuid.UUID = session.info["tenant_id"]
    return tenant


async def rows_by(
    session: AsyncSession,
    model: Any,
    key: InstrumentedAttribute[Any],
    values: Iterable[Any],
    *,
    lock: bool = False,
) -> list[dict[str, Any]]:
    """Every column of the tenant's ``model`` rows whose ``key`` is one of ``values``
    (row-locked with ``lock``, in id order so that lockers cannot deadlock)."""
    columns = [getattr(model, c.key) for c in model.__table__.columns]
    found: list[dict[str, Any]] = []
    for condition in await _matching(session, key, values):
        stmt = select(*columns).where(model.tenant_id == _tenant(session), condition)
        if lock:
            stmt = stmt.order_by(model.id).with_for_update()
        found.extend(row._asdict() for row in (await session.execute(stmt)).all())
    return found


async def _matching(
    session: AsyncSession, key: InstrumentedAttribute[Any], values: Iterable[Any]
) -> list[ColumnElement[bool]]:
    """Conditions that together match ``values``.

    PostgreSQL: the values are copied into a temporary table and joined (a hash
    semi-join, linear in the number of values); elsewhere chunks of parameters.
    """
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    await settle(session)
    if not is_postgres(session):
        return [key.in_(wanted[start : start + CHUNK]) for start in range(0, len(wanted), CHUNK)]
    sql_type = "uuid" if isinstance(key.type, Uuid) else "text"
    name = f"{KEYS}_{sql_type}"  # one per type: asyncpg caches a COPY target's column types
    raw = await raw_connection(session)
    await raw.execute(
        f"DROP TABLE IF EXISTS pg_temp.{name}; "
        f"CREATE TEMP TABLE {name} (k {sql_type}) ON COMMIT DROP"
    )
    await raw.copy_records_to_table(name, records=[(v,) for v in wanted], columns=["k"])
    await raw.execute(f"ANALYZE {name}")
    keys = table(name, column("k", key.type))
    return [key.in_(select(keys.c.k))]


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside its transaction."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    return raw


async def pairs_by(
    session: AsyncSession,
    key: InstrumentedAttribute[Any],
    value: InstrumentedAttribute[Any],
    values: Iterable[Any],
) -> dict[Any, Any]:
    """``{key: value}`` of the tenant's rows whose ``key`` is one of ``values``."""
    model = key.class_
    found: dict[Any, Any] = {}
    for condition in await _matching(session, key, values):
        stmt = select(key, value).where(model.tenant_id == _tenant(session), condition)
        found.update((k, v) for k, v in (await session.execute(stmt)).all())
    return found


async def delete_where_in(
    session: AsyncSession, key: InstrumentedAttribute[Any], values: Sequence[Any]
) -> None:
    model = key.class_
    for condition in await _matching(session, key, values):
        await session.execute(
            delete(model)
            .where(model.tenant_id == _tenant(session), condition)
            .execution_options(synchronize_session=False)
        )


def _copy_values(column: Column[Any], cells: list[Any]) -> list[Any]:
    """The column's values as COPY takes them: what its type would bind, without SQLAlchemy."""
    if isinstance(column.type, MoneyAmount):
        return [None if v is None else int(v * MONEY_SCALE) for v in cells]
    if isinstance(column.type, JSON):
        return [None if v is None else json.dumps(v) for v in cells]
    return cells


def _upsert_sql(
    table: Table, stage: str, conflict: Sequence[str] | None, update: Sequence[str]
) -> str:
    names = [c.name for c in table.columns]
    cols = ", ".join(names)
    # Identifiers from the models' metadata only; every value travels as data.
    sql = f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage} WHERE true"  # noqa: S608
    if conflict is None:
        return sql
    target = ", ".join(conflict)
    if not update:
        return f"{sql} ON CONFLICT ({target}) DO NOTHING"
    sets = [f"{c} = excluded.{c}" for c in update]
    compared = [c for c in update if c != "updated_at"]
    changed = " OR ".join(f"{table.name}.{c} IS DISTINCT FROM excluded.{c}" for c in compared)
    where = f"({changed})"
    if "version" in names:
        # Optimistic concurrency, as for API writes: the row must still be the version read.
        sets.append(f"version = {table.name}.version + 1")
        where += f" AND {table.name}.version = excluded.version"
    return f"{sql} ON CONFLICT ({target}) DO UPDATE SET {', '.join(sets)} WHERE {where}"


async def write(
    session: AsyncSession,
    model: type[Any],
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] | None = None,
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (every column) into ``model``'s table.

    On a ``conflict`` key, the ``update`` columns are set where a value differs
    (and ``version`` is bumped); unchanged rows are not rewritten. Every row
    given must be new or changed: a versioned row that another transaction
    changed since it was read raises :class:`StaleRows`.
    """
    if not rows:
        return
    await settle(session)
    table: Table = model.__table__
    stage = f"{STAGE_PREFIX}{table.name}"
    sql = _upsert_sql(table, stage, conflict, update)
    if is_postgres(session):
        raw = await raw_connection(session)
        await stage_rows(raw, model, rows)
        status: str = await raw.execute(sql)
        await raw.execute(f"DROP TABLE {stage}")
        written = int(status.rsplit(" ", 1)[-1])
    else:
        written = await _write_sqlite(session, table, stage, rows, sql)
    if conflict is not None and "version" in table.columns and written != len(rows):
        raise StaleRows(f"{len(rows) - written} {table.name} rows changed during the import")


async def insert_later(
    session: AsyncSession, batches: Sequence[tuple[type[Any], list[Any]]]
) -> None:
    """Insert new rows (every column) into each model's table, in the order given.

    On PostgreSQL the rows are staged, then the inserts run while the caller
    goes on with its next batch (the other core does the checks of foreign
    keys and indexes); the next call into this module waits for them and
    raises what they raised, and so does :func:`settle`.
    """
    if not is_postgres(session):
        for model, rows in batches:
            await write(session, model, rows)
        return
    await settle(session)
    raw = await raw_connection(session)
    statements = []
    for model, rows in batches:
        if rows:
            table: Table = model.__table__
            stage = await stage_rows(raw, model, rows)
            statements.append(f"{_upsert_sql(table, stage, None, ())}; DROP TABLE {stage}")
    if statements:
        await start(session, raw.execute("; ".join(statements)))


async def start(session: AsyncSession, statement: Awaitable[Any]) -> None:
    """Run ``statement`` on the session's connection while the caller goes on.

    The next call into this module waits for it (and raises what it raised),
    and so does :func:`settle`; until then the connection is not to be used.
    """
    session.info[PENDING] = asyncio.ensure_future(statement)
    await asyncio.sleep(0)  # the task sends the statement before the caller's work


async def settle(session: AsyncSession) -> None:
    """Wait for the inserts :func:`insert_later` started (raising their error)."""
    pending = session.info.pop(PENDING, None)
    if pending is not None:
        await pending


async def stage_rows(raw: Any, model: type[Any], rows: Sequence[dict[str, Any]]) -> str:
    """``COPY`` the rows into a new temporary table like ``model``'s (PostgreSQL); its name."""
    table: Table = model.__table__
    stage = f"{STAGE_PREFIX}{table.name}"
    await raw.execute(
        f"DROP TABLE IF EXISTS pg_temp.{stage}; "
        f"CREATE TEMP TABLE {stage} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    names = [c.name for c in table.columns]
    # Column by column: one comprehension per column instead of a call per value.
    values = [_copy_values(c, [row[c.name] for row in rows]) for c in table.columns]
    records = list(zip(*values, strict=True))
    await raw.copy_records_to_table(stage, records=records, columns=names)
    return stage


async def _write_sqlite(
    session: AsyncSession, table: Table, stage: str, rows: Sequence[dict[str, Any]], sql: str
) -> int:
    staging = Table(
        stage,
        MetaData(),
        *(Column(c.name, c.type) for c in table.columns),
        prefixes=["TEMPORARY"],
    )
    connection = await session.connection()
    await connection.execute(text(f"DROP TABLE IF EXISTS temp.{stage}"))
    await connection.run_sync(staging.create)
    for start in range(0, len(rows), CHUNK):
        await connection.execute(staging.insert(), list(rows[start : start + CHUNK]))
    result = await connection.execute(text(sql))
    await connection.execute(text(f"DROP TABLE temp.{stage}"))
    return int(result.rowcount)
