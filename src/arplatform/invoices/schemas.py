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
from arplatform.customers.schemas import PaymentTerms

InvoiceNumber = Annotated[
    str, msgspec.Meta(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")
]
SeriesName = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[A-Z][A-Z0-9]*$")]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
Day = Annotated[date, msgspec.Meta(description="A calendar date, 2000-01-01 to 2099-12-31")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=TEXT_PATTERN)]


class LineIn(StrictStruct):
    description: Description
    quantity: Quantity
    unit_price: Amount
    tax_rate: Percent = "0"


class InstalmentIn(StrictStruct):
    """One row of a payment schedule; give every amount or none (an even split)."""

    due_date: Day
    amount: Amount | None = None


class InvoiceCreate(StrictStruct):
    """An invoice; without ``number`` it is numbered from ``series`` when issued.

    The due date comes from ``due_date``, else from ``terms``, else from the
    customer's terms; ``instalments`` replaces it with a payment schedule.
    """

    customer_id: uuid.UUID
    issue_date: Day
    lines: Annotated[list[LineIn], msgspec.Meta(min_length=1, max_length=500)]
    number: InvoiceNumber | None = None
    series: SeriesName = "INV"
    draft: bool = False
    due_date: Day | None = None
    delivery_date: Day | None = None
    acceptance_date: Day | None = None
    terms: PaymentTerms | None = None
    instalments: Annotated[list[InstalmentIn], msgspec.Meta(min_length=1, max_length=60)] | None = (
        None
    )
    currency: CurrencyCode | None = None
    external_ref: Reference | None = None


class InvoiceCancel(StrictStruct):
    cancelled_on: Day
    reason: Reason | None = None


class InvoiceWriteOff(StrictStruct):
    written_off_on: Day
    reason: Reason


class DueDateExtension(StrictStruct):
    """An agreed new due date for one instalment (all when ``seq`` is omitted)."""

    due_date: Day
    seq: Annotated[int, msgspec.Meta(ge=1, le=60)] | None = None
    reason: Reason | None = None


class LineOut(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    net_amount: str


class InstalmentOut(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    original_due_date: date
    due_date: date
    amount: str
    open_amount: str


class InvoiceOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    number: str | None
    series: str
    external_ref: str | None
    status: str
    disputed: bool
    currency: str
    issue_date: date
    delivery_date: date | None
    acceptance_date: date | None
    original_due_date: date
    due_date: date
    net_total: str
    tax_total: str
    total: str
    open_amount: str
    paid_on: date | None
    cancelled_on: date | None
    written_off_on: date | None
    lines: list[LineOut]
    instalments: list[InstalmentOut]
    version: int
    created_at: datetime
    updated_at: datetime
