"""Pure report rules: aging buckets, month steps and the DSO formulas."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

#: Days past due that end each bucket but the last (current, 1-30, 31-60, 61-90, 90+).
DEFAULT_LIMITS = (30, 60, 90)
MAX_BUCKETS = 10
MAX_DAYS = 3650
#: Countback walks back at most this many months.
COUNTBACK_MONTHS = 36


class RuleError(ValueError):
    """Report parameters that cannot be used."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """Instalments ``min_days``..``max_days`` past due (``None``: no upper end)."""

    label: str
    min_days: int | None
    max_days: int | None


def parse_limits(text: str | None) -> tuple[int, ...]:
    """``"30,60,90"`` as strictly increasing day counts; the default when absent."""
    if text is None:
        return DEFAULT_LIMITS
    try:
        limits = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise RuleError("buckets must be day counts separated by commas") from None
    if not 1 <= len(limits) <= MAX_BUCKETS:
        raise RuleError(f"buckets takes 1 to {MAX_BUCKETS} limits")
    if any(not 1 <= days <= MAX_DAYS for days in limits):
        raise RuleError(f"bucket limits must lie between 1 and {MAX_DAYS} days")
    if any(a >= b for a, b in itertools.pairwise(limits)):
        raise RuleError("bucket limits must be strictly increasing")
    return limits


def buckets(limits: Sequence[int]) -> list[Bucket]:
    """Current (not yet due), then one bucket per limit, then everything beyond the last."""
    found = [Bucket("current", None, 0)]
    lower = 1
    for upper in limits:
        found.append(Bucket(f"{lower}-{upper}", lower, upper))
        lower = upper + 1
    found.append(Bucket(f"{limits[-1]}+", limits[-1] + 1, None))
    return found


def due_on_or_after(as_of: date, limits: Sequence[int]) -> list[date]:
    """The earliest due date of each bucket but the last, as dates.

    An instalment due on day ``d`` is ``(as_of - d).days`` past due; it falls in
    bucket ``i`` when ``due_date >= boundary[i]`` for the first such ``i``. Dates,
    not date arithmetic in SQL: portable, and comparable against the index.
    """
    return [as_of, *(as_of - timedelta(days=days) for days in limits)]


def months_back(day: date, months: int) -> date:
    """``day`` moved back by whole months, clamped to the month's last day (31 Mar → 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def countback_periods(as_of: date, months: int = COUNTBACK_MONTHS) -> list[tuple[date, date]]:
    """Month-long periods ``(start, end]`` walking back from ``as_of``, most recent first."""
    ends = [months_back(as_of, k) for k in range(months + 1)]
    return [(ends[k + 1], ends[k]) for k in range(months)]


def standard_dso(receivables: Decimal, sales: Decimal, period_days: int) -> Decimal | None:
    """Receivables / sales of the period * its days; undefined without sales."""
    if sales <= 0:
        return None
    return receivables / sales * period_days


@dataclass(frozen=True, slots=True)
class Countback:
    days: Decimal
    #: The days each period walked accounts for, most recent first.
    counted: list[Decimal]
    #: False when the receivables outlast every period walked (the result is a lower bound).
    complete: bool


def countback_walk(receivables: Decimal, periods: Sequence[tuple[int, Decimal]]) -> Countback:
    """Walk back through ``(days, sales)`` periods, most recent first, consuming receivables.

    A period whose sales the remaining receivables exceed counts whole; the
    period that exhausts them counts ``days * remaining / sales``. A period
    without sales counts whole while receivables remain.
    """
    remaining, counted = receivables, []
    if remaining <= 0:
        return Countback(Decimal(0), [], True)
    for length, sales in periods:
        if sales > 0 and remaining <= sales:
            counted.append(length * remaining / sales)
            return Countback(sum(counted, Decimal(0)), counted, True)
        remaining -= max(sales, Decimal(0))
        counted.append(Decimal(length))
    return Countback(sum(counted, Decimal(0)), counted, False)


#: Stored amounts are integers of 1/10,000 of the currency unit (see ``db.types.MoneyAmount``).
STORED_PLACES = 4


def stored_formatter(places: int) -> Callable[[int], str]:
    """Formats stored integer amounts as the wire form with ``places`` decimals, half up.

    Integer arithmetic: reports format tens of thousands of sums, and this is
    what ``money.format_amount`` returns for the same amount, without Decimal.
    """
    scale = 10 ** (STORED_PLACES - places)
    half = scale // 2  # rest * 2 >= scale <=> rest >= scale / 2 (scale is 1 or even)
    width = places + 1

    zero = "0." + "0" * places if places else "0"

    def fmt(stored: int) -> str:
        if not stored:
            return zero
        units = (abs(stored) + half) // scale
        digits = str(units)
        if places:
            digits = digits.rjust(width, "0")
            digits = f"{digits[:-places]}.{digits[-places:]}"
        return f"-{digits}" if stored < 0 and units else digits

    return fmt


def format_stored(stored: int, places: int) -> str:
    """A stored integer amount as the wire form with ``places`` decimals, rounded half up."""
    return stored_formatter(places)(stored)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else part / whole
