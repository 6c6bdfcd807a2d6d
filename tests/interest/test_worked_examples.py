"""Worked examples, computed by hand, for every rule set and day-count convention.

Rates and reference-rate values are made up for the examples; the arithmetic
is written out in the comments (p.a. rates in percent).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from arplatform.interest.daycount import DayCount
from arplatform.interest.rules import (
    NO_INTEREST,
    Instalment,
    MissingReferenceRate,
    Money,
    Policy,
    RateSeries,
    RuleSet,
    interest_for_invoice,
    uk_fixed_sum,
)
from arplatform.money import Rounding

FIXED_9_5 = Policy(RuleSet.FIXED, rate=D("9.5"))
EMPTY = RateSeries("NONE")


def _lines(result: object) -> list[tuple[str, str, int, str, str, str]]:
    [instalment] = result.instalments  # type: ignore[attr-defined]
    return [
        (str(s.start), str(s.end), s.days, str(s.balance), str(s.rate), str(s.amount))
        for s in instalment.segments
    ]


def test_fixed_rate_unpaid() -> None:
    # EUR 1,000.00 due 2026-03-31, 9.5 % p.a. ACT/365, as of 2026-05-15.
    # Days 1 Apr .. 15 May = 30 + 15 = 45.
    # 1000 x 0.095 x 45 / 365 = 4275 / 365 = 11.712328... -> 11.71
    result = interest_for_invoice(
        FIXED_9_5, EMPTY, [Instalment(date(2026, 3, 31), D("1000.00"))], date(2026, 5, 15), "EUR"
    )
    assert result.total == D("11.71")
    assert _lines(result) == [("2026-04-01", "2026-05-15", 45, "1000.00", "9.5", "11.71")]
    assert result.compensation is None


def test_fixed_rate_with_a_partial_payment_splits_the_period() -> None:
    # As above, 400.00 paid on 2026-04-20: the payment day still accrues on 1,000.
    # 1 Apr .. 20 Apr: 20 days on 1000: 1000 x 0.095 x 20 / 365 = 1900 / 365 = 5.205479...
    # 21 Apr .. 15 May: 10 + 15 = 25 days on 600: 600 x 0.095 x 25 / 365 = 1425 / 365 = 3.904109...
    # total 3325 / 365 = 9.109589... -> 9.11, rounded once;
    # printed shares: 5.20 + 3.90 = 9.10, the missing cent goes to the larger rest (.5479): 5.21.
    paid = Instalment(date(2026, 3, 31), D("1000.00"), ((date(2026, 4, 20), D("400.00")),))
    result = interest_for_invoice(FIXED_9_5, EMPTY, [paid], date(2026, 5, 15), "EUR")
    assert result.total == D("9.11")
    assert _lines(result) == [
        ("2026-04-01", "2026-04-20", 20, "1000.00", "9.5", "5.21"),
        ("2026-04-21", "2026-05-15", 25, "600.00", "9.5", "3.90"),
    ]


def test_act_360_and_the_rounding_modes_on_an_exact_half() -> None:
    # EUR 1,000.00, 9.5 %, ACT/360, 45 days: 95 x 45 / 360 = 11.875 exactly.
    policy = Policy(RuleSet.FIXED, day_count=DayCount.ACT_360, rate=D("9.5"))
    unpaid = [Instalment(date(2026, 3, 31), D("1000.00"))]
    as_of = date(2026, 5, 15)
    totals = {
        mode: interest_for_invoice(policy, EMPTY, unpaid, as_of, "EUR", mode).total
        for mode in Rounding
    }
    assert totals == {
        Rounding.HALF_UP: D("11.88"),
        Rounding.HALF_EVEN: D("11.88"),  # 8 is even
        Rounding.DOWN: D("11.87"),
        Rounding.UP: D("11.88"),
    }
    # JPY 10,000 at 9 %, ACT/360, 1 day: 10000 x 0.09 / 360 = 2.5 yen.
    jpy = [Instalment(date(2026, 3, 31), D("10000"))]
    one_day = {
        mode: interest_for_invoice(
            Policy(RuleSet.FIXED, day_count=DayCount.ACT_360, rate=D("9")),
            EMPTY,
            jpy,
            date(2026, 4, 1),
            "JPY",
            mode,
        ).total
        for mode in Rounding
    }
    assert one_day == {
        Rounding.HALF_UP: D("3"),
        Rounding.HALF_EVEN: D("2"),
        Rounding.DOWN: D("2"),
        Rounding.UP: D("3"),
    }


def test_act_act_isda_splits_at_the_new_year() -> None:
    # EUR 10,000.00 at 10 % due 2027-12-21, as of 2028-01-10 (2028 is a leap year).
    # 22 Dec .. 31 Dec 2027: 10 days / 365: 1000 x 10 / 365 = 27.397260...
    # 1 Jan .. 10 Jan 2028: 10 days / 366: 1000 x 10 / 366 = 27.322404...
    # total = 54.719664... -> 54.72 (ACT/365 would give 1000 x 20 / 365 = 54.794520... -> 54.79)
    unpaid = [Instalment(date(2027, 12, 21), D("10000.00"))]
    isda = Policy(RuleSet.FIXED, day_count=DayCount.ACT_ACT_ISDA, rate=D("10"))
    result = interest_for_invoice(isda, EMPTY, unpaid, date(2028, 1, 10), "EUR")
    assert result.total == D("54.72")
    [instalment] = result.instalments
    assert [(s.days, s.year_days, s.amount) for s in instalment.segments] == [
        (10, 365, D("27.40")),
        (10, 366, D("27.32")),
    ]
    act365 = Policy(RuleSet.FIXED, rate=D("10"))
    assert interest_for_invoice(act365, EMPTY, unpaid, date(2028, 1, 10), "EUR").total == D("54.79")


def test_multiple_of_a_reference_rate_changing_mid_period() -> None:
    # CNY 100,000.00 due 2026-01-31 at 1.5 x CN_LPR_1Y; the LPR is 3.10 from 2025-05-20
    # and 2.90 from 2026-02-20. As of 2026-03-02:
    # 1 Feb .. 19 Feb: 19 days at 1.5 x 3.10 = 4.65 %: 100000 x 0.0465 x 19 / 365
    #   = 88350 / 365 = 242.054794...
    # 20 Feb .. 2 Mar: 9 + 2 = 11 days at 1.5 x 2.90 = 4.35 %: 100000 x 0.0435 x 11 / 365
    #   = 47850 / 365 = 131.095890...
    # total 136200 / 365 = 373.150684... -> 373.15; shares 242.05 + 131.10 (larger rest .59).
    lpr = RateSeries.of(
        "CN_LPR_1Y", [(date(2025, 5, 20), D("3.10")), (date(2026, 2, 20), D("2.90"))]
    )
    policy = Policy(RuleSet.REFERENCE_MULTIPLE, multiplier=D("1.5"), reference_key="CN_LPR_1Y")
    unpaid = [Instalment(date(2026, 1, 31), D("100000.00"))]
    result = interest_for_invoice(policy, lpr, unpaid, date(2026, 3, 2), "CNY")
    assert result.total == D("373.15")
    assert _lines(result) == [
        ("2026-02-01", "2026-02-19", 19, "100000.00", "4.650", "242.05"),
        ("2026-02-20", "2026-03-02", 11, "100000.00", "4.350", "131.10"),
    ]
    with pytest.raises(MissingReferenceRate, match=r"No CN_LPR_1Y rate is in force on 2025-"):
        interest_for_invoice(
            policy, lpr, [Instalment(date(2025, 1, 31), D("1"))], date(2025, 6, 1), "CNY"
        )


ECB = RateSeries.of("ECB_MRO", [(date(2025, 6, 11), D("2.15")), (date(2026, 6, 15), D("2.40"))])
EU = Policy(RuleSet.EU_DIRECTIVE)


def test_eu_directive_fixes_the_rate_per_half_year_and_adds_eur_40() -> None:
    # EUR 5,000.00 due 2026-05-31; ECB MRO 2.15 from 2025-06-11, 2.40 from 2026-06-15.
    # First half of 2026: the rate in force on 1 Jan 2026 (2.15) + 8 = 10.15 %; the change
    # on 15 June does not apply before 1 July. Second half: rate on 1 Jul (2.40) + 8 = 10.40 %.
    # 1 Jun .. 30 Jun: 30 days: 5000 x 0.1015 x 30 / 365 = 15225 / 365 = 41.712328...
    # 1 Jul .. 31 Jul: 31 days: 5000 x 0.1040 x 31 / 365 = 16120 / 365 = 44.164383...
    # total 31345 / 365 = 85.876712... -> 85.88; shares 41.71 + 44.17. Plus EUR 40.
    unpaid = [Instalment(date(2026, 5, 31), D("5000.00"))]
    result = interest_for_invoice(EU, ECB, unpaid, date(2026, 7, 31), "EUR")
    assert result.total == D("85.88")
    assert _lines(result) == [
        ("2026-06-01", "2026-06-30", 30, "5000.00", "10.15", "41.71"),
        ("2026-07-01", "2026-07-31", 31, "5000.00", "10.40", "44.17"),
    ]
    assert result.compensation == Money(D("40"), "EUR")


def test_eu_compensation_only_for_a_late_invoice_and_configurable() -> None:
    on_time = Instalment(date(2026, 5, 31), D("5000.00"), ((date(2026, 5, 31), D("5000.00")),))
    result = interest_for_invoice(EU, ECB, [on_time], date(2026, 7, 31), "EUR")
    assert result.total == D("0.00") and result.compensation is None
    # One day late: 5000 x 0.1015 x 1 / 365 = 507.5 / 365 = 1.390410... -> 1.39, and the EUR 40.
    a_day_late = Instalment(date(2026, 5, 31), D("5000.00"), ((date(2026, 6, 1), D("5000.00")),))
    result = interest_for_invoice(EU, ECB, [a_day_late], date(2026, 7, 31), "EUR")
    assert (result.total, result.compensation) == (D("1.39"), Money(D("40"), "EUR"))
    # A member state's own sum and currency (e.g. PLN), and the French 10 points.
    french = Policy(RuleSet.EU_DIRECTIVE, margin=D("10"), compensation=Money(D("40"), "EUR"))
    polish = Policy(RuleSet.EU_DIRECTIVE, compensation=Money(D("170.00"), "PLN"))
    # 5000 x 0.1215 x 1 / 365 = 607.5 / 365 = 1.664383... -> 1.66
    assert interest_for_invoice(french, ECB, [a_day_late], date(2026, 7, 31), "EUR").total == D(
        "1.66"
    )
    assert interest_for_invoice(
        polish, ECB, [a_day_late], date(2026, 7, 31), "PLN"
    ).compensation == Money(D("170.00"), "PLN")


BOE = RateSeries.of("BOE_BASE", [(date(2025, 12, 18), D("4.00")), (date(2026, 5, 7), D("3.75"))])
UK = Policy(RuleSet.UK_STATUTORY)


def test_uk_statutory_uses_the_rate_of_31_december_and_30_june() -> None:
    # GBP 999.99 due 2026-06-15; base rate 4.00 from 2025-12-18, 3.75 from 2026-05-07.
    # Jan-Jun 2026: rate on 31 Dec 2025 (4.00) + 8 = 12 %, although 3.75 applies from 7 May.
    # Jul-Dec 2026: rate on 30 Jun 2026 (3.75) + 8 = 11.75 %.
    # 16 Jun .. 30 Jun: 15 days: 999.99 x 0.12 x 15 / 365 = 1799.982 / 365 = 4.931457...
    # 1 Jul .. 10 Jul: 10 days: 999.99 x 0.1175 x 10 / 365 = 1174.98825 / 365 = 3.219146...
    # total 2974.97025 / 365 = 8.150603... -> 8.15; the debt is under 1,000: GBP 40.
    unpaid = [Instalment(date(2026, 6, 15), D("999.99"))]
    result = interest_for_invoice(UK, BOE, unpaid, date(2026, 7, 10), "GBP")
    assert result.total == D("8.15")
    assert _lines(result) == [
        ("2026-06-16", "2026-06-30", 15, "999.99", "12.00", "4.93"),
        ("2026-07-01", "2026-07-10", 10, "999.99", "11.75", "3.22"),
    ]
    assert result.compensation == Money(D("40"), "GBP")


@pytest.mark.parametrize(
    ("debt", "fixed"),
    [
        ("0.01", "40"),
        ("999.99", "40"),
        ("1000.00", "70"),
        ("9999.99", "70"),
        ("10000.00", "100"),
        ("250000.00", "100"),
    ],
)
def test_uk_fixed_sums_at_the_boundaries(debt: str, fixed: str) -> None:
    assert uk_fixed_sum(D(debt)) == D(fixed)


@pytest.mark.parametrize(
    ("paid_before_due", "fixed"),
    [("500.00", "100"), ("500.01", "70"), ("9500.00", "70"), ("9500.01", "40")],
)
def test_uk_fixed_sum_is_set_by_the_late_principal(paid_before_due: str, fixed: str) -> None:
    # GBP 10,500.00 with a part paid on the due date: 10500 - 500.00 = 10,000.00 late -> 100;
    # 10500 - 500.01 = 9,999.99 -> 70; 10500 - 9500 = 1,000.00 -> 70; 999.99 -> 40.
    due = date(2026, 6, 15)
    instalment = Instalment(due, D("10500.00"), ((due, D(paid_before_due)),))
    result = interest_for_invoice(UK, BOE, [instalment], date(2026, 6, 20), "GBP")
    assert result.compensation == Money(D(fixed), "GBP")


def test_uk_fixed_sum_adds_up_the_late_instalments_of_an_invoice() -> None:
    # Two instalments of GBP 600.00, both late: the debt is 1,200.00 -> GBP 70.
    instalments = [
        Instalment(date(2026, 6, 15), D("600.00")),
        Instalment(date(2026, 7, 15), D("600.00")),
    ]
    result = interest_for_invoice(UK, BOE, instalments, date(2026, 7, 20), "GBP")
    assert result.compensation == Money(D("70"), "GBP")
    # Not a GBP invoice: no fixed sum rather than one in the wrong currency.
    in_euro = interest_for_invoice(UK, BOE, instalments, date(2026, 7, 20), "EUR")
    assert in_euro.compensation is None and "GBP" in in_euro.notes[0]


def test_none_charges_nothing() -> None:
    unpaid = [Instalment(date(2020, 1, 31), D("1000000.00"))]
    result = interest_for_invoice(NO_INTEREST, EMPTY, unpaid, date(2026, 1, 1), "EUR")
    assert result.total == D("0.00")
    assert result.instalments[0].segments == ()
    assert result.compensation is None


def test_negative_reference_rates_never_make_interest_negative() -> None:
    # 1.5 x -0.75 = -1.125 % is floored at 0.
    negative = RateSeries.of("SNB", [(date(2015, 1, 15), D("-0.75"))])
    policy = Policy(RuleSet.REFERENCE_MULTIPLE, multiplier=D("1.5"), reference_key="SNB")
    unpaid = [Instalment(date(2016, 1, 31), D("1000.00"))]
    result = interest_for_invoice(policy, negative, unpaid, date(2016, 12, 31), "CHF")
    assert result.total == D("0.00")


def test_a_reversed_payment_accrues_again_from_the_day_after_the_reversal() -> None:
    # EUR 1,000.00 due 2026-03-31 at 9.5 %; paid in full on 10 Apr, reversed on 20 Apr.
    # 1 Apr .. 10 Apr: 10 days on 1000; 11 Apr .. 20 Apr: nothing open; 21 Apr .. 30 Apr: 10 days.
    # 1000 x 0.095 x 20 / 365 = 1900 / 365 = 5.205479... -> 5.21; shares 2.60 + 2.60, the cent
    # goes to the first of the equal rests: 2.61 + 2.60.
    bounced = Instalment(
        date(2026, 3, 31),
        D("1000.00"),
        ((date(2026, 4, 10), D("1000.00")), (date(2026, 4, 20), D("-1000.00"))),
    )
    result = interest_for_invoice(FIXED_9_5, EMPTY, [bounced], date(2026, 4, 30), "EUR")
    assert result.total == D("5.21")
    assert _lines(result) == [
        ("2026-04-01", "2026-04-10", 10, "1000.00", "9.5", "2.61"),
        ("2026-04-21", "2026-04-30", 10, "1000.00", "9.5", "2.60"),
    ]
