"""Pure collection rules: the even split of a plan, schedules, promise and plan outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arplatform.collections.rules import (
    ScheduleError,
    check_schedule,
    even_split,
    plan_outcome,
    promise_outcome,
)
from arplatform.money import quantum

CURRENCIES = st.sampled_from(["JPY", "EUR", "BHD"])
START = date(2026, 3, 1)


@st.composite
def totals(draw: st.DrawFn) -> tuple[Decimal, str]:
    currency = draw(CURRENCIES)
    units = draw(st.integers(min_value=0, max_value=10**15))
    return Decimal(units) * quantum(currency), currency


@given(totals(), st.integers(min_value=1, max_value=60))
def test_even_split_sums_exactly_in_minor_units(total: tuple[Decimal, str], parts: int) -> None:
    amount, currency = total
    split = even_split(amount, parts, currency)
    unit = quantum(currency)
    assert len(split) == parts
    assert sum(split, Decimal(0)) == amount
    assert all((part / unit) == (part / unit).to_integral_value() for part in split)
    assert max(split) - min(split) <= unit
    assert split == sorted(split, reverse=True)


@given(totals(), st.integers(min_value=1, max_value=60))
def test_an_even_schedule_is_accepted_unless_a_row_is_zero(
    total: tuple[Decimal, str], parts: int
) -> None:
    amount, currency = total
    split = even_split(amount, parts, currency)
    rows = [(START + timedelta(days=30 * i), part) for i, part in enumerate(split)]
    if min(split) > 0:
        check_schedule(rows, amount, currency, START)
        with pytest.raises(ScheduleError):
            check_schedule(rows, amount + quantum(currency), currency, START)
    else:
        with pytest.raises(ScheduleError):
            check_schedule(rows, amount, currency, START)


def test_even_split_examples_and_refusals() -> None:
    assert even_split(Decimal("100"), 3, "EUR") == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert even_split(Decimal("1000"), 3, "JPY") == [Decimal(334), Decimal(333), Decimal(333)]
    assert even_split(Decimal("0.010"), 4, "BHD") == [Decimal(u) / 1000 for u in (3, 3, 2, 2)]
    with pytest.raises(ScheduleError):
        even_split(Decimal("0.001"), 2, "EUR")  # finer than the currency
    with pytest.raises(ScheduleError):
        even_split(Decimal("10"), 0, "EUR")


def test_schedule_dates_must_ascend_from_the_agreement() -> None:
    rows = [(date(2026, 3, 10), Decimal(5)), (date(2026, 3, 10), Decimal(5))]
    with pytest.raises(ScheduleError, match="ascend"):
        check_schedule(rows, Decimal(10), "EUR", START)
    with pytest.raises(ScheduleError, match="ascend"):
        check_schedule([(date(2026, 2, 28), Decimal(10))], Decimal(10), "EUR", START)
    check_schedule([(START, Decimal(10))], Decimal(10), "EUR", START)


MOVEMENTS = st.lists(
    st.tuples(
        st.dates(min_value=date(2026, 2, 1), max_value=date(2026, 6, 30)),
        st.integers(min_value=-50, max_value=200).map(Decimal),
    ),
    max_size=8,
)
DAYS = st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 7, 31))


@given(MOVEMENTS, DAYS)
def test_a_promise_is_kept_exactly_when_paid_by_its_date(
    movements: list[tuple[date, Decimal]], as_of: date
) -> None:
    made_on, promised = date(2026, 3, 1), date(2026, 4, 30)
    outcome = promise_outcome(Decimal(100), made_on, promised, movements, as_of)
    paid = sum((a for d, a in movements if made_on <= d <= min(as_of, promised)), Decimal(0))
    assert outcome.paid == paid
    if paid >= 100:
        assert outcome.status == "kept"
        assert outcome.closed_on is not None and made_on <= outcome.closed_on <= promised
    elif as_of > promised:
        assert (outcome.status, outcome.closed_on) == ("broken", date(2026, 5, 1))
    else:
        assert (outcome.status, outcome.closed_on) == ("open", None)


@given(MOVEMENTS, DAYS, st.integers(min_value=0, max_value=10))
def test_a_plan_breaks_at_the_first_short_deadline(
    movements: list[tuple[date, Decimal]], as_of: date, grace: int
) -> None:
    schedule = [(date(2026, 3, 15), Decimal(100)), (date(2026, 4, 15), Decimal(100))]
    outcome = plan_outcome(schedule, grace, START, movements, as_of)

    def paid(day: date) -> Decimal:
        return sum((a for d, a in movements if START <= d <= day), Decimal(0))

    running = (100, 200)  # what the schedule asks for by each row
    deadlines = [
        (due + timedelta(days=grace), owed)
        for (due, _), owed in zip(schedule, running, strict=True)
    ]
    missed = [d for d, owed in deadlines if d < as_of and paid(d) < owed]
    if missed:
        assert (outcome.status, outcome.closed_on) == ("broken", missed[0] + timedelta(days=1))
    elif paid(as_of) >= 200:
        assert outcome.status == "completed"
    else:
        assert (outcome.status, outcome.closed_on) == ("active", None)
