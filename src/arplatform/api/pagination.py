"""Cursor pagination: ids are time-ordered UUIDv7, so the last id seen is the cursor."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any

from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from sqlalchemy import Select

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


def paginate(stmt: Select[Any], id_column: Any, cursor: str | None, limit: int) -> Select[Any]:
    """``stmt`` restricted to the page after ``cursor``, one extra row to detect a next page."""
    if cursor is not None:
        stmt = stmt.where(id_column > decode_cursor(cursor))
    return stmt.order_by(id_column).limit(limit + 1)


def page_of(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Split the extra row off and compute the next cursor from the last row kept."""
    if len(rows) <= limit:
        return rows, None
    kept = rows[:limit]
    return kept, encode_cursor(key(kept[-1]))
