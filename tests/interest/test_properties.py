"""Properties of late interest for currencies of exponent 0, 2 and 3 (JPY, EUR, BHD)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from arplatform.interest.daycount import DayCount
from arplatform.interest.rules import (
    Instalment,
    Policy,
    RateSeries,
    RuleSet,
    instalment_interest,
    interest_for_invoice,
    round_exact,
    segments,
)
from arplatform.money import Rounding, minor_units, quantum, round_money

CURRENCIES = st.sampled_from(["JPY", "EUR", "BHD"])
ROUNDINGS = st.sampled_from(list(Rounding))
DAY_COUNTS = st.sampled_from(list(DayCount))
START = date(2023, 1, 1)
DAYS = st.integers(min_value=0, max_value=1500).map(lambda n: START + timedelta(days=n))
RATES = st.decimals(min_value=0, max_value=40, places=4, allow_nan=False, allow_infinity=False)
SIGNED_RATES = st.decimals(
    min_value=-2, max_value=12, places=4, allow_nan=False, allow_infinity=False
)


def amounts(currency: str, low: int = 1) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=low, max_value=10**9).map(
        lambda units: Decimal(units).scaleb(-minor_units(currency))
    )


@st.composite
def instalments(draw: st.DrawFn, currency: str) -> Instalment:
    """An instalment with dated allocations that never reduce it below zero."""
    due = draw(DAYS)
    amount = draw(amounts(currency))
    allocations = []
    left = amount
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if left <= 0:
            break
        part = draw(st.integers(min_value=1, max_value=int(left.scaleb(minor_units(currency)))))
        paid = Decimal(part).scaleb(-minor_units(currency))
        allocations.append((draw(DAYS), paid))
        left -= paid
    return Instalment(due, amount, tuple(allocations))


@st.composite
def series(draw: st.DrawFn) -> RateSeries:
    """A reference rate with values from before the first day any test asks about."""
    changes = draw(st.lists(st.tuples(DAYS, SIGNED_RATES), max_size=6, unique_by=lambda c: c[0]))
    return RateSeries.of("REF", [(date(2020, 1, 1), draw(SIGNED_RATES)), *changes])


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    rule = draw(st.sampled_from(list(RuleSet)))
    day_count = draw(DAY_COUNTS)
    if rule is RuleSet.FIXED:
        return Policy(rule, day_count, rate=draw(RATES))
    if rule is RuleSet.REFERENCE_MULTIPLE:
        multiplier = draw(st.decimals(min_value=0, max_value=3, places=2))
        return Policy(rule, day_count, multiplier=multiplier, reference_key="REF")
    return Policy(rule, day_count, reference_key="REF")


@st.composite
def cases(draw: st.DrawFn) -> tuple[Policy, RateSeries, Instalment, str, Rounding]:
    currency = draw(CURRENCIES)
    return draw(policies()), draw(series()), draw(instalments(currency)), currency, draw(ROUNDINGS)


Case = tuple[Policy, RateSeries, Instalment, str, Rounding]


@given(cases(), DAYS)
def test_interest_is_never_negative_and_shares_add_up(case: Case, as_of: date) -> None:
    policy, rates, instalment, currency, rounding = case
    result = instalment_interest(policy, rates, instalment, as_of, currency, rounding)
    assert result.interest >= 0
    assert result.interest == result.interest.quantize(quantum(currency))
    assert sum(s.amount for s in result.segments) == result.interest
    assert all(s.amount >= 0 and s.balance > 0 and s.rate >= 0 for s in result.segments)
    # Segments are ordered, disjoint and inside the days after the due date.
    previous_end = instalment.due_date
    for segment in result.segments:
        assert previous_end < segment.start <= segment.end <= as_of
        previous_end = segment.end


@given(cases(), DAYS, DAYS)
def test_interest_is_additive_over_split_periods(case: Case, a: date, b: date) -> None:
    policy, rates, instalment, currency, rounding = case
    first, last = instalment.due_date + timedelta(days=1), max(a, b)
    middle = min(a, b)
    assume(first <= middle)
    whole = segments(policy, rates, instalment, first, last)
    left = segments(policy, rates, instalment, first, middle)
    right = segments(policy, rates, instalment, middle + timedelta(days=1), last)
    exact = sum((s.exact for s in whole), Fraction(0))
    assert exact == sum((s.exact for s in left + right), Fraction(0))
    rounded_parts = sum(
        (round_exact(sum((s.exact for s in part), Fraction(0)), currency, rounding))
        for part in (left, right)
    )
    assert abs(round_exact(exact, currency, rounding) - rounded_parts) <= quantum(currency)


@given(st.data(), CURRENCIES, policies(), series(), DAYS)
def test_nothing_when_paid_on_time(
    data: st.DataObject, currency: str, policy: Policy, rates: RateSeries, as_of: date
) -> None:
    instalment = data.draw(instalments(currency))
    payment_day = data.draw(
        st.integers(min_value=0, max_value=60).map(lambda n: instalment.due_date - timedelta(n))
    )
    paid = replace(instalment, allocations=((payment_day, instalment.amount),))
    result = interest_for_invoice(policy, rates, [paid], as_of, currency)
    assert result.total == 0
    assert result.instalments[0].segments == ()
    assert result.compensation is None


@given(cases(), DAYS, DAYS)
def test_interest_grows_with_time(case: Case, a: date, b: date) -> None:
    policy, rates, instalment, currency, rounding = case
    early = instalment_interest(policy, rates, instalment, min(a, b), currency, rounding)
    late = instalment_interest(policy, rates, instalment, max(a, b), currency, rounding)
    assert early.exact <= late.exact
    assert early.interest <= late.interest


@given(st.data(), CURRENCIES, ROUNDINGS, DAY_COUNTS, RATES, RATES, DAYS)
def test_interest_grows_with_the_rate(
    data: st.DataObject,
    currency: str,
    rounding: Rounding,
    day_count: DayCount,
    r1: Decimal,
    r2: Decimal,
    as_of: date,
) -> None:
    instalment = data.draw(instalments(currency))
    low, high = (Policy(RuleSet.FIXED, day_count, rate=r) for r in sorted((r1, r2)))
    none = RateSeries("NONE")
    lower = instalment_interest(low, none, instalment, as_of, currency, rounding)
    higher = instalment_interest(high, none, instalment, as_of, currency, rounding)
    assert lower.interest <= higher.interest


@given(cases(), DAYS, DAYS)
def test_a_rate_change_to_the_same_value_changes_nothing(
    case: Case, day: date, as_of: date
) -> None:
    policy, rates, instalment, currency, rounding = case
    repeated = RateSeries.of(
        "REF", [*zip(rates.days, rates.rates, strict=True), (day, rates.in_force(day))]
    )
    assume(len(repeated.days) == len(set(repeated.days)))
    before = instalment_interest(policy, rates, instalment, as_of, currency, rounding)
    after = instalment_interest(policy, repeated, instalment, as_of, currency, rounding)
    assert before == after


@given(cases(), DAYS)
def test_rounding_modes_bracket_the_exact_amount(case: Case, as_of: date) -> None:
    policy, rates, instalment, currency, _ = case
    by_mode = {
        mode: instalment_interest(policy, rates, instalment, as_of, currency, mode)
        for mode in Rounding
    }
    exact = by_mode[Rounding.DOWN].exact
    assert by_mode[Rounding.DOWN].interest <= exact <= by_mode[Rounding.UP].interest
    for mode in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(Fraction(by_mode[mode].interest) - exact) <= Fraction(quantum(currency)) / 2


@settings(max_examples=300)
@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False
    ),
    CURRENCIES,
    ROUNDINGS,
)
def test_exact_rounding_agrees_with_decimal_rounding(
    value: Decimal, currency: str, rounding: Rounding
) -> None:
    assert round_exact(Fraction(value), currency, rounding) == round_money(
        value, currency, rounding
    )


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=2, max_value=997))
def test_exact_rounding_of_non_terminating_fractions(numerator: int, denominator: int) -> None:
    # x = n / d in cents, compared with integer arithmetic: half-up rounds n/d cents.
    value = Fraction(numerator, denominator * 100)
    expected_cents = (2 * numerator + denominator) // (2 * denominator)
    assert round_exact(value, "EUR", Rounding.HALF_UP) == Decimal(expected_cents).scaleb(-2)
