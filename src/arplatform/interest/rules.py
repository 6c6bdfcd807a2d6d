"""Late-interest rules: the rate in force each day, segments, exact accrual, compensation.

Pure functions, no I/O. Interest accrues for every day from the day after the
due date up to and including the last day asked for, on the balance open
during that day: an allocation booked on day P reduces the balance from P + 1
(the payment day itself still accrues; docs/decisions/0007-late-interest.md).
Amounts are summed as exact fractions and rounded once per instalment.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate

from arplatform.interest.daycount import DayCount
from arplatform.money import Rounding, minor_units, round_money

ONE_DAY = timedelta(days=1)
ZERO = Decimal(0)


class RuleSet(StrEnum):
    NONE = "none"
    FIXED = "fixed"
    REFERENCE_MULTIPLE = "reference_multiple"
    EU_DIRECTIVE = "eu_directive"
    UK_STATUTORY = "uk_statutory"


#: The reference rate a statutory rule uses unless the policy names another.
DEFAULT_REFERENCE = {RuleSet.EU_DIRECTIVE: "ECB_MRO", RuleSet.UK_STATUTORY: "BOE_BASE"}
#: Points above the reference rate under the EU directive and the UK Act.
STATUTORY_MARGIN = Decimal(8)
#: UK Late Payment Act fixed sums (GBP) by the size of the debt, largest threshold first.
UK_FIXED_SUMS = (
    (Decimal(10_000), Decimal(100)),
    (Decimal(1_000), Decimal(70)),
    (ZERO, Decimal(40)),
)


class MissingReferenceRate(LookupError):
    """The rule needs a reference rate on a day before the first one recorded."""

    def __init__(self, key: str, day: date) -> None:
        super().__init__(f"No {key} rate is in force on {day}")
        self.key = key
        self.day = day


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


#: The EU directive's compensation for recovery costs, per late invoice.
EU_COMPENSATION = Money(Decimal(40), "EUR")


@dataclass(frozen=True)
class Policy:
    """A rule set with its parameters; rates and margins are percent per annum."""

    rule: RuleSet
    day_count: DayCount = DayCount.ACT_365
    rate: Decimal | None = None
    multiplier: Decimal | None = None
    reference_key: str | None = None
    margin: Decimal = STATUTORY_MARGIN
    compensation: Money | None = None

    @property
    def reference(self) -> str | None:
        """The reference rate series the rule reads, if any."""
        if self.rule is RuleSet.REFERENCE_MULTIPLE:
            return self.reference_key
        return self.reference_key or DEFAULT_REFERENCE.get(self.rule)


NO_INTEREST = Policy(RuleSet.NONE)


@dataclass(frozen=True)
class RateSeries:
    """A reference rate's values, each in force from its day until the next one."""

    key: str
    days: tuple[date, ...] = ()
    rates: tuple[Decimal, ...] = ()

    @classmethod
    def of(cls, key: str, rows: Iterable[tuple[date, Decimal]]) -> RateSeries:
        ordered = sorted(rows)
        return cls(key, tuple(d for d, _ in ordered), tuple(r for _, r in ordered))

    def in_force(self, day: date) -> Decimal:
        index = bisect.bisect_right(self.days, day) - 1
        if index < 0:
            raise MissingReferenceRate(self.key, day)
        return self.rates[index]

    def change_days(self, first: date, last: date) -> list[date]:
        """Days in ``(first, last]`` on which a new value takes effect."""
        return [d for d in self.days if first < d <= last]


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_starts(first: date, last: date) -> list[date]:
    """1 January and 1 July in ``(first, last]``."""
    starts = (date(y, m, 1) for y in range(first.year, last.year + 1) for m in (1, 7))
    return [d for d in starts if first < d <= last]


def annual_rate(policy: Policy, series: RateSeries, day: date) -> Decimal:
    """The rate (percent p.a.) in force on ``day``; never below zero."""
    if policy.rule is RuleSet.NONE:
        return ZERO
    if policy.rule is RuleSet.FIXED:
        rate = policy.rate or ZERO
    elif policy.rule is RuleSet.REFERENCE_MULTIPLE:
        rate = (policy.multiplier or ZERO) * series.in_force(day)
    elif policy.rule is RuleSet.EU_DIRECTIVE:
        # The rate in force on the first calendar day of the half-year.
        rate = series.in_force(half_year_start(day)) + policy.margin
    else:
        # UK: the base rate on 31 December / 30 June, fixed for the following half-year.
        rate = series.in_force(half_year_start(day) - ONE_DAY) + policy.margin
    return max(rate, ZERO)


def rate_change_days(policy: Policy, series: RateSeries, first: date, last: date) -> list[date]:
    """Days in ``(first, last]`` where the policy's rate may change."""
    if policy.rule is RuleSet.REFERENCE_MULTIPLE:
        return series.change_days(first, last)
    if policy.rule in (RuleSet.EU_DIRECTIVE, RuleSet.UK_STATUTORY):
        return half_year_starts(first, last)
    return []


@dataclass(frozen=True)
class Segment:
    """Consecutive days with the same balance, rate and year basis."""

    start: date
    end: date
    balance: Decimal
    rate: Decimal
    year_days: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def exact(self) -> Fraction:
        """balance x rate / 100 x days / year_days, without rounding."""
        return Fraction(self.balance) * Fraction(self.rate) * self.days / (100 * self.year_days)


@dataclass(frozen=True)
class Instalment:
    """A due amount and the dated movements against it (positive reduce the balance)."""

    due_date: date
    amount: Decimal
    allocations: tuple[tuple[date, Decimal], ...] = ()


class _Balances:
    """The balance accruing on a day: allocations count from the day after their booking."""

    def __init__(self, instalment: Instalment) -> None:
        ordered = sorted(instalment.allocations)
        self.days = [booked for booked, _ in ordered]
        self.reduced = [ZERO, *accumulate(amount for _, amount in ordered)]
        self.amount = instalment.amount

    def on(self, day: date) -> Decimal:
        booked_before = bisect.bisect_left(self.days, day)
        return max(self.amount - self.reduced[booked_before], ZERO)


def segments(
    policy: Policy, series: RateSeries, instalment: Instalment, first: date, last: date
) -> list[Segment]:
    """The interest-bearing segments of the days ``first`` to ``last`` (inclusive)."""
    if policy.rule is RuleSet.NONE or last < first:
        return []
    balances = _Balances(instalment)
    cuts = {first}
    cuts.update(d + ONE_DAY for d in balances.days if first < d + ONE_DAY <= last)
    cuts.update(rate_change_days(policy, series, first, last))
    cuts.update(policy.day_count.boundaries(first, last))
    starts = sorted(cuts)
    found: list[Segment] = []
    for start, end in zip(starts, [s - ONE_DAY for s in starts[1:]] + [last], strict=True):
        balance = balances.on(start)
        if balance == ZERO:
            continue
        segment = Segment(
            start,
            end,
            balance,
            annual_rate(policy, series, start),
            policy.day_count.year_days(start),
        )
        previous = found[-1] if found else None
        if previous is not None and _continues(previous, segment):
            found[-1] = Segment(previous.start, end, balance, segment.rate, segment.year_days)
        else:
            found.append(segment)
    return found


def _continues(previous: Segment, segment: Segment) -> bool:
    return previous.end + ONE_DAY == segment.start and (
        previous.balance,
        previous.rate,
        previous.year_days,
    ) == (segment.balance, segment.rate, segment.year_days)


def round_exact(value: Fraction, currency: str, rounding: Rounding) -> Decimal:
    """``value`` rounded to the minor unit of ``currency``, exactly, with ``rounding``.

    The fraction is reduced to whole minor units plus a stand-in for the rest
    (none, below, at or above one half) that every rounding mode treats as it
    would the true rest, however long its decimal expansion.
    """
    places = minor_units(currency)
    scaled = value * 10**places
    units, rest = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * rest
    if rest == 0:
        stand_in = ZERO
    elif twice < scaled.denominator:
        stand_in = Decimal("0.25")
    elif twice == scaled.denominator:
        stand_in = Decimal("0.5")
    else:
        stand_in = Decimal("0.75")
    return round_money((Decimal(units) + stand_in).scaleb(-places), currency, rounding)


def apportion(parts: Sequence[Fraction], total: Decimal, currency: str) -> list[Decimal]:
    """Minor-unit amounts for ``parts`` that add up to ``total`` (largest remainders first).

    ``total`` must be the rounded sum of the non-negative ``parts``.
    """
    scale = 10 ** minor_units(currency)
    floors = [math.floor(part * scale) for part in parts]
    extra = int(total.scaleb(minor_units(currency))) - sum(floors)
    assert 0 <= extra <= len(parts), "total is not the rounded sum of the parts"
    by_rest = sorted(range(len(parts)), key=lambda i: (floors[i] - parts[i] * scale, i))
    units = list(floors)
    for index in by_rest[:extra]:
        units[index] += 1
    return [Decimal(u).scaleb(-minor_units(currency)) for u in units]


@dataclass(frozen=True)
class SegmentLine:
    """One printable line of a breakdown; ``amount`` is its share of the rounded total."""

    start: date
    end: date
    days: int
    balance: Decimal
    rate: Decimal
    year_days: int
    amount: Decimal


@dataclass(frozen=True)
class InstalmentInterest:
    due_date: date
    principal: Decimal
    #: The balance on the first day after the due date: what was paid late or not at all.
    late_principal: Decimal
    segments: tuple[SegmentLine, ...]
    exact: Fraction
    interest: Decimal

    @property
    def late(self) -> bool:
        return self.late_principal > ZERO


def instalment_interest(
    policy: Policy,
    series: RateSeries,
    instalment: Instalment,
    as_of: date,
    currency: str,
    rounding: Rounding = Rounding.HALF_UP,
) -> InstalmentInterest:
    """Interest on one instalment from the day after its due date through ``as_of``."""
    first = instalment.due_date + ONE_DAY
    found = segments(policy, series, instalment, first, as_of)
    exact = sum((s.exact for s in found), Fraction(0))
    interest = round_exact(exact, currency, rounding)
    shares = apportion([s.exact for s in found], interest, currency)
    lines = tuple(
        SegmentLine(s.start, s.end, s.days, s.balance, s.rate, s.year_days, share)
        for s, share in zip(found, shares, strict=True)
    )
    late = _Balances(instalment).on(first) if first <= as_of else ZERO
    return InstalmentInterest(instalment.due_date, instalment.amount, late, lines, exact, interest)


def uk_fixed_sum(debt: Decimal) -> Decimal:
    """GBP 40 under 1,000; 70 from 1,000 to 9,999.99; 100 from 10,000."""
    return next(amount for threshold, amount in UK_FIXED_SUMS if debt >= threshold)


@dataclass(frozen=True)
class InvoiceInterest:
    instalments: tuple[InstalmentInterest, ...]
    total: Decimal
    compensation: Money | None
    notes: tuple[str, ...] = field(default=())


def compensation(
    policy: Policy, results: Sequence[InstalmentInterest], currency: str
) -> tuple[Money | None, tuple[str, ...]]:
    """The fixed sum per late invoice of the statutory rules, and why it may be missing."""
    if not any(r.late for r in results):
        return None, ()
    if policy.rule is RuleSet.EU_DIRECTIVE:
        return policy.compensation or EU_COMPENSATION, ()
    if policy.rule is RuleSet.UK_STATUTORY:
        if currency != "GBP":
            note = f"The UK fixed sums are set in GBP; none is computed for a {currency} invoice"
            return None, (note,)
        debt = sum((r.late_principal for r in results), ZERO)
        return Money(uk_fixed_sum(debt), "GBP"), ()
    return None, ()


def interest_for_invoice(
    policy: Policy,
    series: RateSeries,
    instalments: Sequence[Instalment],
    as_of: date,
    currency: str,
    rounding: Rounding = Rounding.HALF_UP,
) -> InvoiceInterest:
    """Interest per instalment, their total, and the invoice's fixed compensation."""
    results = tuple(
        instalment_interest(policy, series, i, as_of, currency, rounding) for i in instalments
    )
    total = sum((r.interest for r in results), ZERO)
    fixed, notes = compensation(policy, results, currency)
    return InvoiceInterest(results, round_money(total, currency), fixed, notes)
