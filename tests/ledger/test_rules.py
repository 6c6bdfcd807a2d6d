"""Instalment splits, allocation and settled state as properties, for exponents 0, 2 and 3."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from arplatform.invoices import rules
from arplatform.money import quantum
from arplatform.payments.rules import allocate_in_order, history_breach, settled_status

CURRENCIES = st.sampled_from(["JPY", "EUR", "BHD"])  # ISO 4217 exponents 0, 2 and 3


@st.composite
def money(draw: st.DrawFn, currency: str, max_units: int = 10**12) -> Decimal:
    return Decimal(draw(st.integers(min_value=0, max_value=max_units))) * quantum(currency)


@given(data=st.data(), currency=CURRENCIES, parts=st.integers(min_value=1, max_value=60))
def test_even_split_sums_exactly_and_differs_by_one_unit_at_most(
    data: st.DataObject, currency: str, parts: int
) -> None:
    total = data.draw(money(currency))
    amounts = rules.split_evenly(total, parts, currency)
    assert len(amounts) == parts
    assert sum(amounts, Decimal(0)) == total
    assert max(amounts) - min(amounts) <= quantum(currency)
    assert all(a == a.quantize(quantum(currency)) for a in amounts)
    assert amounts == sorted(amounts, reverse=True)  # the odd units go to the first rows


@given(data=st.data(), currency=CURRENCIES)
def test_allocation_never_exceeds_what_is_open_or_paid(data: st.DataObject, currency: str) -> None:
    opens = data.draw(st.lists(money(currency, 10**9), min_size=0, max_size=20))
    amount = data.draw(money(currency, 10**10))
    applied = allocate_in_order(amount, opens)
    assert all(Decimal(0) <= a <= o for a, o in zip(applied, opens, strict=True))
    assert sum(applied, Decimal(0)) == min(amount, sum(opens, Decimal(0)))
    # Filled in order: once an item is short, every later item receives nothing.
    short = [i for i, (a, o) in enumerate(zip(applied, opens, strict=True)) if a < o]
    if short:
        assert all(a == 0 for a in applied[short[0] + 1 :])


@given(data=st.data(), currency=CURRENCIES)
def test_split_payments_settle_like_one(data: st.DataObject, currency: str) -> None:
    """Paying in two parts leaves the same open amounts as paying the sum at once."""
    opens = data.draw(st.lists(money(currency, 10**9), min_size=1, max_size=10))
    first, second = data.draw(money(currency, 10**9)), data.draw(money(currency, 10**9))
    once = allocate_in_order(first + second, opens)
    step = allocate_in_order(first, opens)
    rest = [o - a for o, a in zip(opens, step, strict=True)]
    twice = allocate_in_order(second, rest)
    assert [a + b for a, b in zip(step, twice, strict=True)] == once


@given(data=st.data(), currency=CURRENCIES)
def test_settled_status_follows_the_open_amount(data: st.DataObject, currency: str) -> None:
    total = data.draw(money(currency, 10**9)) + quantum(currency)
    open_amount = data.draw(st.integers(min_value=0, max_value=int(total / quantum(currency))))
    status = settled_status(total, Decimal(open_amount) * quantum(currency))
    expected = (
        "paid"
        if open_amount == 0
        else "issued"
        if open_amount * quantum(currency) == total
        else "partially_paid"
    )
    assert status == expected


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    days=st.integers(min_value=0, max_value=365),
    kind=st.sampled_from(["net", "end_of_month"]),
    country=st.sampled_from(["DE", "FR", "GB", "CN", "JP", "US"]),
)
def test_business_day_adjustment_moves_forward_to_a_working_day(
    start: date, days: int, kind: str, country: str
) -> None:
    terms = rules.PaymentTermsRule(kind=kind, days=days, business_days=True)
    plain = rules.due_date(start, kind, days)
    adjusted = rules.terms_due_date(terms, start, country)
    assert plain <= adjusted <= plain + timedelta(days=14)
    assert adjusted.weekday() < 5
    assert rules.next_business_day(adjusted, country) == adjusted


@given(data=st.data(), currency=CURRENCIES)
def test_history_breach_finds_the_first_day_out_of_bounds(
    data: st.DataObject, currency: str
) -> None:
    amount = data.draw(money(currency, 10**6)) + quantum(currency)
    days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
    moves = data.draw(st.lists(st.tuples(days, money(currency, 2 * 10**6)), max_size=8))
    signs = data.draw(st.lists(st.booleans(), min_size=len(moves), max_size=len(moves)))
    signed = [(day, m if keep else -m) for (day, m), keep in zip(moves, signs, strict=True)]
    breach = history_breach(amount, signed)
    running, first_bad = amount, None
    for day in sorted({d for d, _ in signed}):
        running -= sum((m for d, m in signed if d == day), Decimal(0))
        if first_bad is None and not 0 <= running <= amount:
            first_bad = day
    assert breach == first_bad
