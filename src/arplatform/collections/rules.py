"""Pure collection rules: plan schedules, promise and plan outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from arplatform.money import format_amount, quantum

ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)


class ScheduleError(ValueError):
    """A plan schedule that cannot be agreed."""


def even_split(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """``total`` in ``parts`` amounts of whole minor units that sum exactly to it.

    The minor units left over by the division go one each to the first parts,
    so no two parts differ by more than one minor unit and none is larger than
    an earlier one.
    """
    if parts < 1:
        raise ScheduleError("a schedule needs at least one row")
    unit = quantum(currency)
    units = total / unit
    if units != units.to_integral_value() or total < ZERO:
        raise ScheduleError(f"{total} is not a whole number of {currency} minor units")
    base, extra = divmod(int(units), parts)
    return [(base + (1 if index < extra else 0)) * unit for index in range(parts)]


def check_schedule(
    rows: Sequence[tuple[date, Decimal]], total: Decimal, currency: str, agreed_on: date
) -> None:
    """Refuse a schedule not ascending from ``agreed_on`` or not summing to ``total``."""
    if not rows:
        raise ScheduleError("a schedule needs at least one row")
    unit = quantum(currency)
    previous = agreed_on - ONE_DAY
    for index, (due, amount) in enumerate(rows):
        if due <= previous:
            raise ScheduleError(
                f"schedule[{index}]: due dates must ascend, on or after agreed_on {agreed_on}"
            )
        if amount <= ZERO or (amount / unit) != (amount / unit).to_integral_value():
            raise ScheduleError(f"schedule[{index}]: {amount} is not a positive {currency} amount")
        previous = due
    summed = sum((amount for _, amount in rows), ZERO)
    if summed != total:
        raise ScheduleError(
            f"the schedule sums to {format_amount(summed, currency)}, "
            f"not to the amount covered {format_amount(total, currency)}"
        )


def paid_by(movements: Iterable[tuple[date, Decimal]], start: date, day: date) -> Decimal:
    """What ``movements`` (dated, signed) add up to from ``start`` through ``day``."""
    return sum((amount for booked, amount in movements if start <= booked <= day), ZERO)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a promise or plan stands on a day: its status and, once settled, since when."""

    status: str
    closed_on: date | None
    paid: Decimal


def _reached(movements: Sequence[tuple[date, Decimal]], start: date, target: Decimal) -> date:
    """The first day from ``start`` on which the movements reach ``target`` (they do)."""
    running = ZERO
    for booked, amount in sorted(movements):
        if booked < start:
            continue
        running += amount
        if running >= target:
            return booked
    raise ValueError("the target is not reached")


def promise_outcome(
    amount: Decimal,
    made_on: date,
    promised_date: date,
    movements: Sequence[tuple[date, Decimal]],
    as_of: date,
) -> Outcome:
    """Kept once payments from ``made_on`` cover ``amount`` by the promised date;

    broken the day after the promised date when they do not; open until then.
    """
    last = min(as_of, promised_date)
    paid = paid_by(movements, made_on, last)
    if paid >= amount:
        return Outcome("kept", _reached(movements, made_on, amount), paid)
    if as_of > promised_date:
        return Outcome("broken", promised_date + ONE_DAY, paid)
    return Outcome("open", None, paid)


def plan_outcome(
    schedule: Sequence[tuple[date, Decimal]],
    grace_days: int,
    agreed_on: date,
    movements: Sequence[tuple[date, Decimal]],
    as_of: date,
    credits: Sequence[tuple[date, Decimal]] = (),
) -> Outcome:
    """Broken the day after a row's due date (plus grace) when payments since ``agreed_on``

    fall short of the schedule's running total by then; completed once they
    cover the whole schedule; active otherwise. ``credits`` (credit notes and
    write-offs of what the plan covers) are not paid, but lower what is required.
    """
    total = sum((amount for _, amount in schedule), ZERO)
    counted = [*movements, *credits]
    owed = ZERO
    for due, amount in schedule:
        owed += amount
        deadline = due + timedelta(days=grace_days)
        if deadline >= as_of:
            break
        if paid_by(counted, agreed_on, deadline) < owed:
            return Outcome("broken", deadline + ONE_DAY, paid_by(movements, agreed_on, deadline))
    paid = paid_by(movements, agreed_on, as_of)
    if paid_by(counted, agreed_on, as_of) >= total:
        return Outcome("completed", _reached(counted, agreed_on, total), paid)
    return Outcome("active", None, paid)
