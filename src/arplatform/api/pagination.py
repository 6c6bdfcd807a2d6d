"""Cursor pagination (ids are time-ordered UUIDv7: the last id seen is the cursor), lookups."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any, TypeVar

from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import NotFound

M = TypeVar("M")

MAX_LIMIT = 200

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        min_length=22,
        max_length=22,
        pattern=r"^[A-Za-z0-9_-]{22}$",
        description="The `next_cursor` of the previous page",
    ),
]


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=="))
    except (binascii.Error, ValueError):
        raise ValidationException("cursor is not a cursor this API issued") from None


async def fetch_page(
    session: AsyncSession, stmt: Select[M], model: type[M], cursor: str | None, limit: int
) -> tuple[list[M], str | None]:
    """One page of ``stmt``'s rows after ``cursor``, in id order, and the next cursor."""
    id_column = model.id  # type: ignore[attr-defined]
    if cursor is not None:
        stmt = stmt.where(id_column > decode_cursor(cursor))
    rows = list((await session.scalars(stmt.order_by(id_column).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    return kept, encode_cursor(kept[-1].id)  # type: ignore[attr-defined]


async def fetch_matching_page(
    session: AsyncSession, model: type[M], cursor: str | None, limit: int, **equal: Any
) -> tuple[list[M], str | None]:
    """One page of ``model``'s rows whose columns equal the given filters (None: any)."""
    stmt = select(model)
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(getattr(model, column) == value)
    return await fetch_page(session, stmt, model, cursor, limit)


async def fetch_one(session: AsyncSession, model: type[M], row_id: uuid.UUID, label: str) -> M:
    """The tenant's row with ``row_id``, or a 404 problem naming ``label``."""
    stmt: Select[Any] = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    row: M | None = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"No {label} {row_id}")
    return row
