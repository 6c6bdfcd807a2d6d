"""Pure invoice rules: line amounts, totals per tax rate, due dates, instalment splits."""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import holidays

from arplatform.money import Rounding, quantum, round_money

HUNDRED = Decimal(100)
SATURDAY = 5


@dataclass(frozen=True, slots=True)
class PaymentTermsRule:
    """Net ``days`` or end of month + ``days``, from ``basis``, optionally to a business day."""

    kind: str = "net"
    days: int = 30
    basis: str = "invoice_date"
    business_days: bool = False


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal


def line_net(quantity: Decimal, unit_price: Decimal, currency: str, rounding: Rounding) -> Decimal:
    return round_money(quantity * unit_price, currency, rounding)


def invoice_totals(
    lines: Iterable[tuple[Decimal, Decimal]], currency: str, rounding: Rounding
) -> Totals:
    """Totals of ``(net amount, tax rate %)`` lines.

    Tax is computed once per rate on the sum of that rate's line amounts (the
    EN 16931 rule), so ``net + tax == total`` holds exactly.
    """
    base_per_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for net, rate in lines:
        base_per_rate[rate] += net
    net_total = sum(base_per_rate.values(), Decimal(0))
    tax_total = sum(
        (
            round_money(base * rate / HUNDRED, currency, rounding)
            for rate, base in base_per_rate.items()
        ),
        Decimal(0),
    )
    return Totals(net=net_total, tax=tax_total, total=net_total + tax_total)


def due_date(start: date, kind: str, days: int) -> date:
    """``net``: ``start`` + days; ``end_of_month``: the last day of ``start``'s month + days."""
    if kind == "end_of_month":
        last_day = calendar.monthrange(start.year, start.month)[1]
        return start.replace(day=last_day) + timedelta(days=days)
    return start + timedelta(days=days)


def next_business_day(day: date, country: str) -> date:
    """``day``, or the first later day that is neither a weekend nor a public holiday.

    Holidays are those of ``country`` in the ``holidays`` calendar; a country it
    does not know is treated as having weekends only.
    """
    while day.weekday() >= SATURDAY or day in public_holidays(country, day.year):
        day += timedelta(days=1)
    return day


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of ``country`` in ``year`` (none for a country not in the calendar).

    Cached: building a calendar costs milliseconds, and dunning asks for it per instalment.
    """
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        return frozenset()


def terms_due_date(terms: PaymentTermsRule, basis_day: date, country: str) -> date:
    """The due date ``terms`` give when counted from ``basis_day``."""
    day = due_date(basis_day, terms.kind, terms.days)
    return next_business_day(day, country) if terms.business_days else day


def split_evenly(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """``total`` in ``parts`` amounts of the currency's minor unit that sum exactly to it.

    The minor units that do not divide evenly go one each to the first parts,
    so no two parts differ by more than one minor unit.
    """
    unit = quantum(currency)
    units = int(total / unit)
    if Decimal(units) * unit != total:
        raise ValueError(f"{total} is not a whole number of {currency} minor units")
    base, extra = divmod(units, parts)
    return [Decimal(base + (1 if index < extra else 0)) * unit for index in range(parts)]
