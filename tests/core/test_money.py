"""Money rules: exact decimals, minor units, rounding, invoice totals (property tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arplatform.db.types import MoneyAmount
from arplatform.invoices import rules
from arplatform.money import (
    MoneyError,
    Rounding,
    format_amount,
    minor_units,
    parse_amount,
    round_money,
)

CURRENCIES = st.sampled_from(["EUR", "JPY", "BHD", "CNY", "GBP", "CLF", "KWD", "USD"])
amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


def test_minor_units_follow_iso_4217() -> None:
    assert {c: minor_units(c) for c in ["EUR", "JPY", "BHD", "CLF"]} == {
        "EUR": 2,
        "JPY": 0,
        "BHD": 3,
        "CLF": 4,
    }
    with pytest.raises(MoneyError):
        minor_units("XAU")
    with pytest.raises(MoneyError):
        minor_units("EUX")


@given(amount=amounts, currency=CURRENCIES)
def test_parse_accepts_exactly_the_currency_precision(amount: Decimal, currency: str) -> None:
    text = format_amount(amount, currency)
    assert parse_amount(text, currency) == round_money(amount, currency)
    if minor_units(currency) < 4:
        finer = text + ("1" if "." in text else ".0001")
        with pytest.raises(MoneyError):
            parse_amount(finer, currency)


@given(amount=amounts, currency=CURRENCIES, mode=st.sampled_from(list(Rounding)))
def test_rounding_is_to_the_minor_unit_and_within_one_unit(
    amount: Decimal, currency: str, mode: Rounding
) -> None:
    rounded = round_money(amount, currency, mode)
    unit = Decimal(1).scaleb(-minor_units(currency))
    assert rounded == rounded.quantize(unit)
    assert abs(rounded - amount) < unit
    if mode is Rounding.DOWN:
        assert rounded <= amount
    if mode is Rounding.UP:
        assert rounded >= amount


def test_half_up_and_half_even_differ_on_ties() -> None:
    assert round_money(Decimal("0.125"), "EUR", Rounding.HALF_UP) == Decimal("0.13")
    assert round_money(Decimal("0.125"), "EUR", Rounding.HALF_EVEN) == Decimal("0.12")


lines = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=10**4, places=4),
        st.decimals(min_value=0, max_value=10**5, places=4),
        st.sampled_from([Decimal(0), Decimal(7), Decimal("5.5"), Decimal(19), Decimal(20)]),
    ),
    min_size=1,
    max_size=30,
)


@given(lines=lines, currency=CURRENCIES, mode=st.sampled_from(list(Rounding)))
def test_invoice_totals_add_up_exactly(
    lines: list[tuple[Decimal, Decimal, Decimal]], currency: str, mode: Rounding
) -> None:
    nets = [(rules.line_net(q, p, currency, mode), rate) for q, p, rate in lines]
    totals = rules.invoice_totals(nets, currency, mode)
    assert totals.net == sum(net for net, _ in nets)
    assert totals.net + totals.tax == totals.total
    for value in (totals.net, totals.tax, totals.total):
        assert value == round_money(value, currency, mode)
    exact_tax = sum(net * rate / 100 for net, rate in nets)
    groups = len({rate for _, rate in nets})
    assert abs(totals.tax - exact_tax) <= groups * Decimal(1).scaleb(-minor_units(currency))


def test_tax_is_computed_per_rate_on_the_summed_base() -> None:
    """EN 16931: three lines of 0.04 at 19 % carry 0.12 x 19 % = 0.0228 -> 0.02 tax,
    where rounding each line (0.0076 -> 0.01) would charge 0.03."""
    nets = [(Decimal("0.04"), Decimal(19))] * 3
    totals = rules.invoice_totals(nets, "EUR", Rounding.HALF_UP)
    assert totals.tax == Decimal("0.02")
    assert totals.total == Decimal("0.14")


@pytest.mark.parametrize(
    ("start", "kind", "days", "due"),
    [
        (date(2026, 1, 31), "net", 30, date(2026, 3, 2)),
        (date(2026, 2, 10), "end_of_month", 0, date(2026, 2, 28)),
        (date(2028, 2, 10), "end_of_month", 15, date(2028, 3, 15)),
        (date(2026, 12, 5), "end_of_month", 30, date(2027, 1, 30)),
    ],
)
def test_due_dates_from_terms(start: date, kind: str, days: int, due: date) -> None:
    assert rules.due_date(start, kind, days) == due


@given(amount=st.decimals(min_value=-(10**14), max_value=10**14, places=4))
def test_money_column_round_trips_exactly(amount: Decimal) -> None:
    column = MoneyAmount()
    stored = column.process_bind_param(amount, None)  # type: ignore[arg-type]
    assert isinstance(stored, int)
    assert column.process_result_value(stored, None) == amount  # type: ignore[arg-type]


def test_money_column_refuses_sub_unit_precision() -> None:
    with pytest.raises(ValueError, match="four decimals"):
        MoneyAmount().process_bind_param(Decimal("0.00001"), None)  # type: ignore[arg-type]
