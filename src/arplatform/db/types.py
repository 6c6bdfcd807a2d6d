"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

#: Amounts are stored as integers of 1/10,000 of the currency unit: every ISO 4217
#: currency has at most four decimals, and integer sums are exact on both backends.
MONEY_SCALE = Decimal(10_000)


class MoneyAmount(TypeDecorator[Decimal]):
    """A Decimal amount stored exactly as a scaled integer."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = value * MONEY_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {value} has more than four decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)) / MONEY_SCALE


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant; SQLite keeps no zone, so it is re-attached on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC instants")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def contains_nul(value: Any) -> bool:
    """Whether a JSON-like value holds a NUL character anywhere (keys included):
    PostgreSQL stores none in text or JSONB, so such a value is refused before it is."""
    pending = [value]
    while pending:  # iterative: a document nested deep must not exhaust the stack
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
