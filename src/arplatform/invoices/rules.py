"""Pure invoice rules: line amounts, totals per tax rate, due dates from terms."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from arplatform.money import Rounding, round_money

HUNDRED = Decimal(100)


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
