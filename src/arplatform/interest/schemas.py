"""Reference-rate, interest-policy and interest request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from arplatform.api.types import Amount, CurrencyCode, StrictStruct
from arplatform.interest.daycount import DayCount
from arplatform.interest.rules import RuleSet

RateKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z][A-Z0-9_]{1,31}$",
        min_length=2,
        max_length=32,
        description="The reference rate's name, e.g. ECB_MRO, BOE_BASE, CN_LPR_1Y",
        examples=["ECB_MRO"],
    ),
]
SignedRate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^-?(0|[1-9][0-9]?)(\.[0-9]{1,4})?$",
        max_length=8,
        description="Percent per annum, -99.9999 to 99.9999, at most four decimals",
        examples=["2.15"],
    ),
]
AnnualRate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(100(\.0{1,4})?|(0|[1-9][0-9]?)(\.[0-9]{1,4})?)$",
        max_length=8,
        description="Percent per annum, 0 to 100, at most four decimals",
        examples=["9.5"],
    ),
]
Multiplier = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(10(\.0{1,4})?|[0-9](\.[0-9]{1,4})?)$",
        max_length=7,
        description="A factor from 0 to 10 applied to the reference rate, e.g. 1.5",
        examples=["1.5"],
    ),
]
RateDay = Annotated[date, msgspec.Meta(description="A calendar date, 1990-01-01 to 2099-12-31")]


class ReferenceRateCreate(StrictStruct):
    """The value of ``key`` in force from ``valid_from`` until the next value's day."""

    key: RateKey
    valid_from: RateDay
    rate: SignedRate


class ReferenceRateUpdate(StrictStruct):
    rate: SignedRate


class ReferenceRateOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    key: str
    valid_from: date
    rate: str
    version: int
    created_at: datetime
    updated_at: datetime


class InterestPolicyCreate(StrictStruct):
    """A late-interest rule for the tenant (no ``customer_id``) or one customer.

    Parameters by rule: ``fixed`` needs ``rate``; ``reference_multiple`` needs
    ``multiplier`` and ``reference_key``; ``eu_directive`` and ``uk_statutory``
    take ``margin`` (default 8) and ``reference_key`` (default ECB_MRO /
    BOE_BASE); ``eu_directive`` takes the compensation per late invoice
    (default EUR 40). Parameters another rule would use are refused.
    """

    rule: RuleSet
    customer_id: uuid.UUID | None = None
    day_count: DayCount = DayCount.ACT_365
    rate: AnnualRate | None = None
    multiplier: Multiplier | None = None
    reference_key: RateKey | None = None
    margin: AnnualRate | None = None
    compensation_amount: Amount | None = None
    compensation_currency: CurrencyCode | None = None


class InterestPolicyUpdate(StrictStruct):
    """Changes a policy; with ``rule``, the parameters not given return to their defaults."""

    rule: RuleSet | UnsetType = UNSET
    day_count: DayCount | UnsetType = UNSET
    rate: AnnualRate | UnsetType | None = UNSET
    multiplier: Multiplier | UnsetType | None = UNSET
    reference_key: RateKey | UnsetType | None = UNSET
    margin: AnnualRate | UnsetType | None = UNSET
    compensation_amount: Amount | UnsetType | None = UNSET
    compensation_currency: CurrencyCode | UnsetType | None = UNSET


class InterestPolicyOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    customer_id: uuid.UUID | None
    rule: RuleSet
    day_count: DayCount
    rate: str | None
    multiplier: str | None
    reference_key: str | None
    margin: str | None
    compensation_amount: str | None
    compensation_currency: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class MoneyOut(msgspec.Struct, frozen=True, kw_only=True):
    amount: str
    currency: str


class SegmentOut(msgspec.Struct, frozen=True, kw_only=True):
    """Days with the same balance and rate; ``amount`` is its share of the instalment's interest."""

    from_: date = msgspec.field(name="from")
    to: date
    days: int
    balance: str
    rate: str
    year_days: int
    amount: str


class InstalmentInterestOut(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    due_date: date
    amount: str
    late_amount: str
    interest: str
    segments: list[SegmentOut]


class InterestOut(msgspec.Struct, frozen=True, kw_only=True):
    """Late interest of an invoice as of a day, per instalment, with the rule that was used."""

    invoice_id: uuid.UUID
    as_of: date
    currency: str
    rule: RuleSet
    policy_source: str
    policy_id: uuid.UUID | None
    day_count: DayCount
    reference_key: str | None
    instalments: list[InstalmentInterestOut]
    interest: str
    compensation: MoneyOut | None
    notes: list[str]
