"""Invoice request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from arplatform.api.types import (
    TEXT_PATTERN,
    Amount,
    CurrencyCode,
    Percent,
    Quantity,
    Reference,
    StrictStruct,
)

InvoiceNumber = Annotated[
    str, msgspec.Meta(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")
]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
Day = Annotated[date, msgspec.Meta(description="A calendar date, 2000-01-01 to 2099-12-31")]


class LineIn(StrictStruct):
    description: Description
    quantity: Quantity
    unit_price: Amount
    tax_rate: Percent = "0"


class InvoiceCreate(StrictStruct):
    customer_id: uuid.UUID
    number: InvoiceNumber
    issue_date: Day
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=500)]
    due_date: Day | None = None
    currency: CurrencyCode | None = None
    external_ref: Reference | None = None


class LineOut(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    net_amount: str


class InvoiceOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    number: str
    external_ref: str | None
    status: str
    currency: str
    issue_date: date
    due_date: date
    net_total: str
    tax_total: str
    total: str
    lines: list[LineOut]
    version: int
    created_at: datetime
    updated_at: datetime
