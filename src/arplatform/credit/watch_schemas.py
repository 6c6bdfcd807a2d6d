"""Request and response bodies of FX rates, commitments, exposure, country risk and alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import (
    PROSE_PATTERN,
    TEXT_PATTERN,
    Amount,
    CountryCode,
    CurrencyCode,
    Reference,
    StrictStruct,
)
from arplatform.credit.policy_schema import Signal

FxRateValue = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,8})?$",
        max_length=19,
        description="Units of the quote currency for one unit of the base; up to eight decimals",
        examples=["1.0834"],
    ),
]
RateDay = Annotated[date, msgspec.Meta(description="A calendar date, 2000-01-01 to 2099-12-31")]
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=TEXT_PATTERN)]
Detail = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=TEXT_PATTERN)]
FactValue = Annotated[str, msgspec.Meta(max_length=200, pattern=PROSE_PATTERN)] | int | bool | None
RiskScore = Annotated[int, msgspec.Meta(ge=0, le=100, description="0 worst … 100 best")]


class Rating(StrEnum):
    """Country risk on the common scale: A best … E worst."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# FX rates


class FxRateCreate(StrictStruct):
    """One ``base`` is worth ``rate`` ``quote`` from ``valid_from`` until the next value's day."""

    base: CurrencyCode
    quote: CurrencyCode
    valid_from: RateDay
    rate: FxRateValue


class FxRateUpdate(StrictStruct):
    rate: FxRateValue


class FxRateOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    base: str
    quote: str
    valid_from: date
    rate: str
    version: int
    created_at: datetime
    updated_at: datetime


class FxRatePage(msgspec.Struct, frozen=True):
    """One page of FX rates; ``next_cursor`` is null on the last page."""

    data: list[FxRateOut]
    next_cursor: str | None


# Commitments


class CommitmentCreate(StrictStruct):
    """An order not yet invoiced; ``currency`` defaults to the customer's."""

    customer_id: uuid.UUID
    amount: Amount
    reference: Reference
    currency: CurrencyCode | None = None
    expected_invoice_date: date | None = None


class CommitmentUpdate(StrictStruct):
    """Change the amount or date, or close it (``status: closed``) once invoiced or cancelled."""

    amount: Amount | UnsetType = UNSET
    reference: Reference | UnsetType = UNSET
    expected_invoice_date: date | UnsetType | None = UNSET
    status: CommitmentStatus | UnsetType = UNSET


class CommitmentOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    amount: str
    currency: str
    reference: str
    expected_invoice_date: date | None
    status: str
    version: int
    created_at: datetime
    updated_at: datetime


class CommitmentPage(msgspec.Struct, frozen=True):
    """One page of commitments; ``next_cursor`` is null on the last page."""

    data: list[CommitmentOut]
    next_cursor: str | None


# Exposure


class ExposurePartOut(msgspec.Struct, frozen=True, kw_only=True):
    """One currency's amount and what it is worth in the tenant currency, with the rate used."""

    kind: str  # open_receivables | commitments | unapplied_credit | invoice
    currency: str
    #: Negative for unapplied payments and credit notes, which reduce exposure.
    amount: str
    converted: str
    rate: str
    rate_date: date | None  # null when no conversion was needed


class ExposureOut(msgspec.Struct, frozen=True, kw_only=True):
    """Exposure against the limit; ``limit`` and ``available`` are null without a limit.

    ``currency`` is the limit's when every amount is in it (no FX rate needed),
    otherwise the tenant's. ``exposure`` converts each currency's sum once, so it
    may differ by a minor unit from the sum of the converted parts.
    """

    customer_id: uuid.UUID
    currency: str
    as_of: date
    limit: str | None
    exposure: str
    available: str | None
    open_receivables: str
    commitments: str
    #: Unapplied payments and credit notes (zero or negative): they reduce exposure.
    unapplied_credit: str
    composition: list[ExposurePartOut]


# Country risk


class CountryRiskCreate(StrictStruct):
    country: CountryCode
    rating: Rating
    source: Source
    score: RiskScore | None = None


class CountryRiskUpdate(StrictStruct):
    rating: Rating | UnsetType = UNSET
    source: Source | UnsetType = UNSET
    score: RiskScore | UnsetType | None = UNSET


class CountryRiskOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    country: str
    rating: str
    score: int | None
    source: str
    version: int
    created_at: datetime
    updated_at: datetime


class CountryRiskPage(msgspec.Struct, frozen=True):
    """One page of country ratings; ``next_cursor`` is null on the last page."""

    data: list[CountryRiskOut]
    next_cursor: str | None


# Alerts


class AlertCreate(StrictStruct):
    """A signal learnt outside the platform (a call, the news): raised like a detected one."""

    customer_id: uuid.UUID
    signal: Signal
    detail: Detail
    facts: Annotated[dict[str, FactValue], msgspec.Meta(max_length=20)] = {}


class AlertOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID
    signal: str
    detail: str
    facts: dict[str, Any]
    status: str
    raised_at: datetime
    policy_version: int | None
    actions: list[str]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    version: int


class AlertPage(msgspec.Struct, frozen=True):
    """One page of alerts; ``next_cursor`` is null on the last page."""

    data: list[AlertOut]
    next_cursor: str | None
