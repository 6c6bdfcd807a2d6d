"""``column IN (values)`` for long lists of ids, without a bind parameter per value.

An expanding ``IN`` renders one parameter per value, and SQLAlchemy spends more
time naming and binding thousands of them than PostgreSQL spends answering.
On PostgreSQL the list travels as one array (``column = ANY(:values)``); other
databases get the plain ``IN``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Boolean

__all__ = ["among"]


class _Among(ColumnElement[bool]):
    type = Boolean()
    # The values are part of the element, so a compiled form is never reused.
    inherit_cache = False

    def __init__(self, column: ColumnElement[Any], values: Collection[Any]) -> None:
        self.column = column
        self.values = list(values)


def among(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """``column`` is one of ``values``; cheap to bind for thousands of values."""
    if isinstance(column, QueryableAttribute):
        column = column.__clause_element__()
    return _Among(column, values)


@compiles(_Among)
def _compile_in(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.values), **kw)


@compiles(_Among, "postgresql")
def _compile_any(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    values = bindparam(None, element.values, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(values), **kw)
