"""How one invoice is settled: payments, dispute credit notes, write-off, per profile.

Pure functions of a seeded ``random.Random``; days are date ordinals and amounts
integers in the currency's minor unit, so every split is exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from arplatform.synthetic.customers import Profile, SyntheticCustomer

PAYMENT, CREDIT_NOTE = "payment", "credit_note"
CANCEL_RATE = 0.004
DISPUTE_RATE = {
    Profile.PROMPT: 0.02,
    Profile.SLOW: 0.03,
    Profile.CHRONIC_LATE: 0.06,
    Profile.DEFAULTING: 0.05,
}
OVERPAY_RATE = {Profile.PROMPT: 0.01, Profile.SLOW: 0.015}
DISPUTE_REASONS = (
    "short delivery",
    "damaged goods",
    "price difference",
    "quality complaint",
    "service not rendered",
    "duplicate billing",
)
#: (dated day, kind, amount, part of it allocated to the invoice)
Event = tuple[int, str, int, int]


@dataclass(slots=True)
class Settlement:
    status: str = "issued"  # issued | cancelled | written_off
    written_off_on: int | None = None
    events: list[Event] = field(default_factory=list)
    reason: str = ""  # of the dispute its credit note resolves


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` without its overhead (this runs several times per invoice)."""
    return low + int(rng.random() * (high - low + 1))


def _weekday(day: int) -> int:
    return (day - 1) % 7  # ordinal 1 (0001-01-01) was a Monday


def _bank_day(day: int, earliest: int, backwards: bool) -> int:
    """Money arrives on weekdays: prompt payers pay the Friday before, others the Monday after."""
    weekday = _weekday(day)
    if weekday < 5:
        return day
    if backwards and day - (weekday - 4) >= earliest:
        return day - (weekday - 4)
    return day + (7 - weekday)


def _pay_day(rng: random.Random, profile: Profile, issue: int, due: int) -> int:
    if profile is Profile.PROMPT:
        early = 0 if rng.random() < 0.4 or due == issue else between(rng, 1, min(10, due - issue))
        return _bank_day(due - early, issue, backwards=True)
    if profile is Profile.SLOW:
        late = rng.triangular(5, 30, 10)
    elif profile is Profile.CHRONIC_LATE:
        late = rng.triangular(30, 120, 55)
    else:
        late = rng.triangular(0, 60, 20)
    return _bank_day(due + int(late), issue, backwards=False)


def split(rng: random.Random, amount: int, parts: int) -> list[int]:
    """``amount`` in up to ``parts`` positive integers summing to it."""
    if parts <= 1 or amount <= 1:
        return [amount]
    cuts = sorted({between(rng, 1, amount - 1) for _ in range(parts - 1)})
    bounds = [0, *cuts, amount]
    return [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]


def _instalments(rng: random.Random, profile: Profile, first: int, amount: int) -> list[Event]:
    """The payments of ``amount`` from day ``first`` on; chronic payers often pay in parts."""
    parts, keep_all = 1, True
    if profile is Profile.CHRONIC_LATE and rng.random() < 0.5:
        parts, keep_all = between(rng, 2, 4), rng.random() >= 0.3
    elif profile in (Profile.SLOW, Profile.DEFAULTING) and rng.random() < 0.1:
        parts = 2
    events, day = [], first
    for amount_part in split(rng, amount, parts):
        events.append((day, PAYMENT, amount_part, amount_part))
        day = _bank_day(day + between(rng, 10, 35), day, backwards=False)
    if not keep_all:
        events.pop()  # the rest is never paid
    overpay = OVERPAY_RATE.get(profile, 0.0)
    if events and rng.random() < overpay:
        last_day, _, last, allocated = events[-1]
        extra = max(1, int(last * rng.uniform(0.01, 0.1)))
        events[-1] = (last_day, PAYMENT, last + extra, allocated)
    return events


def _dispute(rng: random.Random, issue: int, total: int, end: int, plan: Settlement) -> int | None:
    """Resolve a dispute by a credit note; the day payments may start, None if still open."""
    resolved = _bank_day(issue + between(rng, 10, 90), issue, backwards=False)
    if resolved > end:
        return None  # still disputed at the end: the customer withholds payment
    share = 1.0 if rng.random() < 0.2 else rng.uniform(0.05, 0.5)
    credit = max(1, min(total, round(total * share)))
    plan.events.append((resolved, CREDIT_NOTE, credit, credit))
    plan.reason = DISPUTE_REASONS[between(rng, 0, len(DISPUTE_REASONS) - 1)]
    return resolved


def _default(
    rng: random.Random, customer: SyntheticCustomer, issue: int, due: int, end: int,
    total: int, plan: Settlement,
) -> None:  # fmt: skip
    """A defaulting customer pays nothing from its default day; old debt may be written off."""
    default_on = customer.default_on
    assert default_on is not None
    before = [e for e in plan.events if e[0] < default_on]
    if len(before) == len(plan.events):
        return
    if not any(e[1] == PAYMENT for e in before) and issue < default_on and rng.random() < 0.3:
        paid = sum(e[3] for e in before)
        token = max(1, int((total - paid) * rng.uniform(0.1, 0.4)))
        before.append((between(rng, issue, default_on - 1), PAYMENT, token, token))
    plan.events = sorted(before)
    if rng.random() < 0.75:
        last = max((e[0] for e in plan.events), default=issue)
        written_off = max(due + between(rng, 180, 400), last + 1)
        if written_off <= end:
            plan.status, plan.written_off_on = "written_off", written_off


def settle(
    rng: random.Random, customer: SyntheticCustomer, issue: int, due: int, total: int, end: int
) -> Settlement:
    """What happens to an invoice of ``total`` issued on ``issue``, due on ``due``, up to ``end``.

    Credit notes come first and reduce what is paid, so the allocations of an
    invoice never exceed its total; nothing is dated after ``end``.
    """
    plan = Settlement()
    if rng.random() < CANCEL_RATE:
        plan.status = "cancelled"
        return plan
    profile = customer.profile
    first = _pay_day(rng, profile, issue, due)
    remaining = total
    if rng.random() < DISPUTE_RATE[profile]:
        resolved = _dispute(rng, issue, total, end, plan)
        if resolved is None:
            return plan
        remaining -= plan.events[0][3]
        first = max(first, _bank_day(resolved + between(rng, 0, 14), resolved, backwards=False))
    if remaining > 0:
        plan.events.extend(_instalments(rng, profile, first, remaining))
    plan.events = [e for e in plan.events if e[0] <= end]
    if customer.default_on is not None:
        _default(rng, customer, issue, due, end, total, plan)
    return plan
