"""Pure settlement rules: spreading an amount over open items; an invoice's settled state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


def allocate_in_order(amount: Decimal, open_amounts: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` spread over ``open_amounts`` in their order, each item filled before the next.

    Returns what each item receives: never more than the item's open amount,
    and ``min(amount, sum(open_amounts))`` in all; the rest stays unapplied.
    """
    if amount < ZERO:
        raise ValueError("an allocated amount cannot be negative")
    applied = []
    remaining = amount
    for open_amount in open_amounts:
        share = min(remaining, max(open_amount, ZERO))
        applied.append(share)
        remaining -= share
    return applied


def settled_status(total: Decimal, open_amount: Decimal) -> str:
    """The state an issued invoice is in once its open amount is ``open_amount``."""
    if open_amount <= ZERO:
        return "paid"
    if open_amount < total:
        return "partially_paid"
    return "issued"


def history_breach(amount: Decimal, moves: Iterable[tuple[date, Decimal]]) -> date | None:
    """The first day on which ``moves`` leave an item of ``amount`` below zero or above it.

    ``moves`` are dated amounts that reduce the open amount (negative ones
    restore it); the open amount at the end of every day must stay within
    ``0 .. amount``, whatever order the bookings were recorded in.
    """
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for day, moved in moves:
        per_day[day] += moved
    open_amount = amount
    for day in sorted(per_day):
        open_amount -= per_day[day]
        if not ZERO <= open_amount <= amount:
            return day
    return None
